import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { autoBatchSize, createBatchingRpc } from '../../../src/rpc/batchingRpc.js'
import { createHttpRpc, RpcError, TransportError, type BatchCall, type BatchItem, type Rpc } from '../../../src/rpc/rpc.js'

/** An inner Rpc that records what it was asked and answers each batch with `answer`. */
function fakeInner(answer: (calls: readonly BatchCall[]) => Promise<BatchItem[]>) {
  const batches: BatchCall[][] = []
  const singles: BatchCall[] = []
  const rpc: Rpc = {
    displayUrl: 'fake',
    async request<T>(method: string, params?: readonly unknown[]): Promise<T> {
      singles.push({ method, ...(params ? { params } : {}) })
      const [item] = await answer([{ method, ...(params ? { params } : {}) }])
      if (!item!.ok) throw item!.error
      return item!.result as T
    },
    batch(calls) {
      batches.push([...calls])
      return answer(calls)
    },
  }
  return { rpc, batches, singles }
}

const echo = async (calls: readonly BatchCall[]): Promise<BatchItem[]> => calls.map((c) => ({ ok: true, result: `ok:${String(c.params?.[0])}` }))
const send = (rpc: Rpc, i: number) => rpc.request<string>('eth_sendRawTransaction', [`0x${i}`])

describe('batching transport: coalescing', () => {
  test('behavior: sends made in the same turn go out as one batch, and each caller gets its own result', async () => {
    const inner = fakeInner(echo)
    const rpc = createBatchingRpc(inner.rpc, { maxSize: 100, waitMs: 0 })
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => send(rpc, i)))
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => `ok:0x${i}`))
    expect(inner.batches).toHaveLength(1)
    expect(inner.batches[0]!.map((c) => c.params![0])).toEqual(Array.from({ length: 10 }, (_, i) => `0x${i}`))
  })

  test('behavior: a full batch leaves at once; the rest follow in batches of at most maxSize', async () => {
    const inner = fakeInner(echo)
    const rpc = createBatchingRpc(inner.rpc, { maxSize: 4, waitMs: 0 })
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => send(rpc, i)))
    expect(results[9]).toBe('ok:0x9')
    expect(inner.batches.map((b) => b.length)).toEqual([4, 4, 2])
  })

  test('behavior: a lone send goes as a plain request; other methods and calls with their own deadline are never batched', async () => {
    const inner = fakeInner(echo)
    const rpc = createBatchingRpc(inner.rpc, { maxSize: 8, waitMs: 0 })
    expect(await send(rpc, 1)).toBe('ok:0x1')
    await Promise.all([rpc.request('eth_chainId', ['a']), rpc.request('eth_chainId', ['b']), rpc.request('eth_sendRawTransaction', ['0x2'], { timeoutMs: 50 })])
    expect(inner.batches).toHaveLength(0)
    expect(inner.singles.map((c) => c.method)).toEqual(['eth_sendRawTransaction', 'eth_chainId', 'eth_chainId', 'eth_sendRawTransaction'])
  })

  test('behavior: --batch-wait holds the first send up to that long for company', async () => {
    const inner = fakeInner(echo)
    const rpc = createBatchingRpc(inner.rpc, { maxSize: 100, waitMs: 30 })
    const first = send(rpc, 1)
    await new Promise((r) => setTimeout(r, 5))
    const second = send(rpc, 2)
    expect(await Promise.all([first, second])).toEqual(['ok:0x1', 'ok:0x2'])
    expect(inner.batches.map((b) => b.length)).toEqual([2])
  })

  test('behavior: size 1, or an Rpc without batch support, means no batching at all', () => {
    const inner = fakeInner(echo)
    expect(createBatchingRpc(inner.rpc, { maxSize: 1, waitMs: 0 })).toBe(inner.rpc)
    const plain: Rpc = { displayUrl: 'x', request: inner.rpc.request }
    expect(createBatchingRpc(plain, { maxSize: 50, waitMs: 0 })).toBe(plain)
  })

  test('behavior: default size is a quarter of the workers, 1 to 100', () => {
    expect([1, 4, 5, 8, 32, 128, 1000].map(autoBatchSize)).toEqual([1, 1, 2, 2, 8, 32, 100])
  })
})

describe('batching transport: outcomes stay per send', () => {
  test('behavior: a per-item node error is that item\'s RpcError; the others resolve', async () => {
    const inner = fakeInner(async (calls) =>
      calls.map((c, i) => (i === 1 ? { ok: false as const, error: new RpcError(-32000, 'nonce too low') } : { ok: true as const, result: c.params![0] })),
    )
    const rpc = createBatchingRpc(inner.rpc, { maxSize: 3, waitMs: 0 })
    const out = await Promise.allSettled([0, 1, 2].map((i) => send(rpc, i)))
    expect(out[0]).toEqual({ status: 'fulfilled', value: '0x0' })
    expect(out[2]).toEqual({ status: 'fulfilled', value: '0x2' })
    expect(out[1]!.status).toBe('rejected')
    const err = (out[1] as PromiseRejectedResult).reason
    expect(err).toBeInstanceOf(RpcError)
    expect(err.message).toBe('nonce too low')
  })

  test('behavior: a batch that got no definite answer is a TransportError for every member', async () => {
    const inner = fakeInner(async () => {
      throw new TransportError('network', 'connection reset')
    })
    const rpc = createBatchingRpc(inner.rpc, { maxSize: 5, waitMs: 0 })
    const out = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => send(rpc, i)))
    for (const o of out) {
      expect(o.status).toBe('rejected')
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(TransportError)
    }
  })

  test('behavior: an answer missing from the batch is a TransportError (no definite answer) for that send only', async () => {
    const inner = fakeInner(async (calls) => calls.slice(0, 1).map((c) => ({ ok: true as const, result: c.params![0] })))
    const rpc = createBatchingRpc(inner.rpc, { maxSize: 2, waitMs: 0 })
    const [a, b] = await Promise.allSettled([send(rpc, 0), send(rpc, 1)])
    expect(a).toEqual({ status: 'fulfilled', value: '0x0' })
    expect((b as PromiseRejectedResult).reason).toBeInstanceOf(TransportError)
  })
})

describe('HTTP batch: answers mapped by id', () => {
  let server: Server | undefined
  afterEach(async () => {
    server?.closeAllConnections()
    await new Promise((r) => server?.close(r))
    server = undefined
  })

  /** A JSON-RPC server on 127.0.0.1 whose answer to each request body `reply` decides. */
  async function serve(reply: (body: unknown, res: import('node:http').ServerResponse) => void): Promise<string> {
    server = createServer((req, res) => {
      let text = ''
      req.on('data', (c: Buffer) => (text += c.toString()))
      req.on('end', () => reply(JSON.parse(text), res))
    })
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(typeof body === 'string' ? body : JSON.stringify(body))
  }
  const calls = (n: number): BatchCall[] => Array.from({ length: n }, (_, i) => ({ method: 'eth_call', params: [`0x0${i}`] }))

  test('behavior: answers in any order are matched to their calls by id; per-item errors stay per item; a missing id is malformed', async () => {
    const url = await serve((body, res) => {
      const reqs = body as { id: number; params: string[] }[]
      const answers = reqs.map((r, i) => (i === 1 ? { jsonrpc: '2.0', id: r.id, error: { code: -32000, message: 'insufficient funds' } } : { jsonrpc: '2.0', id: r.id, result: r.params[0] }))
      json(res, 200, answers.slice(0, 3).reverse()) // the 4th answer is missing
    })
    const items = await createHttpRpc(url).batch!(calls(4))
    expect(items[0]).toEqual({ ok: true, result: '0x00' })
    expect(items[2]).toEqual({ ok: true, result: '0x02' })
    expect(items[1]!.ok).toBe(false)
    expect((items[1] as { error: RpcError }).error).toBeInstanceOf(RpcError)
    expect((items[1] as { error: RpcError }).error.message).toBe('insufficient funds')
    expect((items[3] as { error: TransportError }).error).toBeInstanceOf(TransportError)
    expect((items[3] as { error: TransportError }).error.failure).toBe('malformed')
  })

  test('behavior: a node that refuses the batch as a whole (one JSON-RPC error) is a definite error for each call', async () => {
    const url = await serve((_b, res) => json(res, 200, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch too large' } }))
    const items = await createHttpRpc(url).batch!(calls(3))
    expect(items.every((i) => !i.ok && i.error instanceof RpcError && i.error.message === 'batch too large')).toBe(true)
  })

  test('behavior: HTTP errors, garbage and lost connections reject the whole batch with a TransportError', async () => {
    let mode = 'http'
    const url = await serve((_b, res) => {
      if (mode === 'http') json(res, 503, 'busy')
      else if (mode === 'garbage') json(res, 200, '<html>')
      else res.socket?.destroy()
    })
    const rpc = createHttpRpc(url, { timeoutMs: 2000 })
    await expect(rpc.batch!(calls(2))).rejects.toMatchObject({ name: 'TransportError', failure: 'http', status: 503 })
    mode = 'garbage'
    await expect(rpc.batch!(calls(2))).rejects.toMatchObject({ name: 'TransportError', failure: 'malformed' })
    mode = 'drop'
    await expect(rpc.batch!(calls(2))).rejects.toMatchObject({ name: 'TransportError', failure: 'network' })
  })

  test('behavior: no answer within the timeout is a TransportError timeout', async () => {
    const url = await serve(() => {}) // never answers
    await expect(createHttpRpc(url, { timeoutMs: 200 }).batch!(calls(2))).rejects.toMatchObject({ name: 'TransportError', failure: 'timeout' })
    await expect(createHttpRpc(url, { timeoutMs: 200 }).request('eth_chainId')).rejects.toMatchObject({ name: 'TransportError', failure: 'timeout' })
  })

  test('behavior: an answer in many chunks is read whole; Retry-After of an HTTP error is kept; a cancel signal ends the request', async () => {
    let mode = 'chunks'
    const url = await serve((body, res) => {
      if (mode === 'chunks') {
        const reqs = body as { id: number; params: string[] }[]
        const text = JSON.stringify(reqs.map((r) => ({ jsonrpc: '2.0', id: r.id, result: `${r.params[0]}${'ab'.repeat(20_000)}` })))
        res.writeHead(200, { 'content-type': 'application/json' })
        for (let i = 0; i < text.length; i += 1000) res.write(text.slice(i, i + 1000))
        res.end()
      } else if (mode === 'busy') {
        res.writeHead(429, { 'Retry-After': '3' })
        res.end('slow down')
      } // 'silent': never answers
    })
    const rpc = createHttpRpc(url, { timeoutMs: 2000 })
    const items = await rpc.batch!(calls(3))
    expect(items.map((i) => (i.ok ? String(i.result).length : -1))).toEqual([40_004, 40_004, 40_004])
    mode = 'busy'
    await expect(rpc.request('eth_chainId')).rejects.toMatchObject({ name: 'TransportError', failure: 'http', status: 429, retryAfterMs: 3000 })
    mode = 'silent'
    const ac = new AbortController()
    const pending = rpc.request('eth_chainId', [], { signal: ac.signal })
    setTimeout(() => ac.abort(new Error('stop')), 50)
    await expect(pending).rejects.toMatchObject({ name: 'TransportError', failure: 'network' })
  })

  test('behavior: the deadline covers waiting for a connection', async () => {
    const url = await serve(() => {}) // never answers: the one connection stays busy
    const rpc = createHttpRpc(url, { timeoutMs: 300, connections: 1 })
    const first = rpc.request('eth_chainId')
    const queued = rpc.request('eth_blockNumber')
    await expect(first).rejects.toMatchObject({ failure: 'timeout' })
    await expect(queued).rejects.toMatchObject({ failure: 'timeout' })
  })

  test('behavior: credentials in the URL become basic auth and never appear in messages', async () => {
    let auth: string | undefined
    server = createServer((req, res) => {
      auth = req.headers.authorization
      req.resume()
      req.on('end', () => json(res, 200, { jsonrpc: '2.0', id: 1, result: '0x1' }))
    })
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
    const port = (server.address() as AddressInfo).port
    const rpc = createHttpRpc(`http://user:s3cret@127.0.0.1:${port}/path?x=1`)
    expect(await rpc.request('eth_chainId')).toBe('0x1')
    expect(auth).toBe(`Basic ${Buffer.from('user:s3cret').toString('base64')}`)
    expect(rpc.displayUrl).not.toContain('s3cret')
  })
})
