import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { badShape } from '../../../src/rpc/answerShape.js'
import { MAX_ANSWER_BYTES } from '../../../src/rpc/httpPost.js'
import { readRetry } from '../../../src/rpc/readRetry.js'
import { createHttpRpc, RpcError, TransportError } from '../../../src/rpc/rpc.js'

/**
 * Issue 23, a lying node: every answer is checked before use (its id, its method's shape), its
 * size is bounded, a request never outlives its timeout, and a 401/403 is not retried.
 */
let server: Server | undefined
afterEach(async () => {
  if (!server) return
  server.closeAllConnections()
  await new Promise((r) => server!.close(r))
  server = undefined
})

interface Req {
  id: number
  method: string
}

/** A JSON-RPC server on 127.0.0.1 whose answer to each request `reply` writes. */
async function serve(reply: (req: Req | Req[], res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    let text = ''
    req.on('data', (c: Buffer) => (text += c.toString()))
    req.on('end', () => reply(JSON.parse(text) as Req, res))
  })
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
const json = (res: ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

describe('answers checked before use', () => {
  test("error: a single answer whose id is not the request's is a TransportError (malformed), not its result", async () => {
    const url = await serve((r, res) => json(res, { jsonrpc: '2.0', id: (r as Req).id + 1, result: '0x1' }))
    const err = await createHttpRpc(url).request('eth_chainId').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TransportError)
    expect(err).toMatchObject({ failure: 'malformed', code: 'RPC_UNAVAILABLE' })
    expect((err as TransportError).message).toMatch(/has id 2, the request had 1/)
    expect((err as TransportError).hint).toMatch(/JSON-RPC endpoint/)
  })

  test('behavior: an error answer with a null id (the node could not read ours) stays the node’s RpcError', async () => {
    const url = await serve((_r, res) => json(res, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }))
    await expect(createHttpRpc(url).request('eth_chainId')).rejects.toBeInstanceOf(RpcError)
  })

  test('error: eth_getTransactionCount answering "banana" is a classified TransportError naming the method and the value', async () => {
    const url = await serve((r, res) => json(res, { jsonrpc: '2.0', id: (r as Req).id, result: 'banana' }))
    const err = await createHttpRpc(url).request('eth_getTransactionCount', ['0x0000000000000000000000000000000000000001', 'latest']).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'TransportError', failure: 'malformed', code: 'RPC_UNAVAILABLE' })
    expect((err as Error).message).toMatch(/eth_getTransactionCount: .* not a hex quantity: "banana"/)
  })

  test('behavior: each method’s shape: quantities, hashes, receipts (blockNumber null, a number, a bad status), blocks; unknown methods pass', () => {
    expect(badShape('eth_chainId', '0x7a69')).toBeUndefined()
    expect(badShape('eth_chainId', 31337)).toMatch(/not a hex quantity/)
    expect(badShape('eth_chainId', `0x${'f'.repeat(65)}`)).toMatch(/not a hex quantity/)
    expect(badShape('eth_sendRawTransaction', `0x${'ab'.repeat(32)}`)).toBeUndefined()
    expect(badShape('eth_sendRawTransaction', '0xabc')).toMatch(/32-byte hash/)
    const receipt = { transactionHash: `0x${'11'.repeat(32)}`, blockNumber: '0x5', gasUsed: '0x5208', status: '0x1', effectiveGasPrice: '0x1' }
    expect(badShape('eth_getTransactionReceipt', receipt)).toBeUndefined()
    expect(badShape('eth_getTransactionReceipt', null)).toBeUndefined()
    expect(badShape('eth_getTransactionReceipt', { ...receipt, blockNumber: null })).toMatch(/receipt.blockNumber/)
    expect(badShape('eth_getTransactionReceipt', { ...receipt, gasUsed: 21000 })).toMatch(/receipt.gasUsed/)
    expect(badShape('eth_getTransactionReceipt', { ...receipt, status: 'banana' })).toMatch(/receipt.status/)
    expect(badShape('eth_getTransactionReceipt', [receipt])).toMatch(/not an object/)
    expect(badShape('eth_getBlockReceipts', [receipt, { ...receipt, blockNumber: {} }])).toMatch(/receipt.blockNumber/)
    expect(badShape('eth_getBlockByNumber', { number: '0x1', timestamp: '0x2', baseFeePerGas: null, transactions: [] })).toBeUndefined()
    expect(badShape('eth_getBlockByNumber', { number: '0x1', timestamp: 'soon' })).toMatch(/block.timestamp/)
    expect(badShape('eth_call', { anything: true })).toBeUndefined()
  })

  test('behavior: in a batch, a wrong-shaped result is that call’s own TransportError; the others keep theirs', async () => {
    const url = await serve((r, res) => json(res, (r as Req[]).map((c, i) => ({ jsonrpc: '2.0', id: c.id, result: i === 1 ? '0xzz' : '0x1' }))))
    const items = await createHttpRpc(url).batch!([{ method: 'eth_blockNumber' }, { method: 'eth_blockNumber' }, { method: 'eth_blockNumber' }])
    expect(items.map((i) => i.ok)).toEqual([true, false, true])
    expect((items[1] as { error: TransportError }).error.failure).toBe('malformed')
  })
})

describe('the size and the time of an answer are bounded', () => {
  test(`error: an endless body is cut at MAX_ANSWER_BYTES (${MAX_ANSWER_BYTES / 1024 / 1024} MiB): a too_large TransportError, long before the timeout`, async () => {
    const chunk = Buffer.alloc(1 << 20, 0x20)
    const url = await serve((_r, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump)
      }
      res.on('error', () => {})
      pump()
    })
    const t0 = performance.now()
    const err = await createHttpRpc(url, { timeoutMs: 20_000 }).request('eth_chainId').catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'TransportError', failure: 'too_large', code: 'RPC_UNAVAILABLE' })
    expect((err as TransportError).hint).toMatch(/64 MiB/)
    expect(performance.now() - t0).toBeLessThan(15_000)
  })

  test('error: a body that drips a byte every 50 ms forever ends at the request timeout', async () => {
    const url = await serve((_r, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(' ')), 50)
      res.on('close', () => clearInterval(t))
    })
    const t0 = performance.now()
    await expect(createHttpRpc(url, { timeoutMs: 400 }).request('eth_chainId')).rejects.toMatchObject({ failure: 'timeout' })
    expect(performance.now() - t0).toBeLessThan(2_000)
  })
})

describe('credentials', () => {
  test('error: a 401 or 403 is RPC_UNAUTHORIZED with a hint about credentials, and a read does not retry it', async () => {
    let status = 401
    let seen = 0
    const url = await serve((r, res) => {
      seen++
      json(res, { jsonrpc: '2.0', id: (r as Req).id, error: { code: -32000, message: 'unauthorized' } }, status)
    })
    const rpc = createHttpRpc(url)
    for (status of [401, 403]) {
      seen = 0
      const t0 = performance.now()
      const err = await readRetry((o) => rpc.request('eth_chainId', [], o), { windowMs: 8_000, fit: true }).catch((e: unknown) => e)
      expect(err).toMatchObject({ name: 'TransportError', failure: 'unauthorized', code: 'RPC_UNAUTHORIZED', status })
      expect((err as TransportError).hint).toMatch(/credentials/)
      expect(seen).toBe(1)
      expect(performance.now() - t0).toBeLessThan(1_000)
    }
  })
})

describe('a server that is not a JSON-RPC endpoint', () => {
  test('error: an HTTP 501 / 404 / 405 with no JSON-RPC body (an HTTP server that is not a node) is not_rpc at once: asked once, not retried, the status named', async () => {
    let status = 501
    let seen = 0
    const url = await serve((_r, res) => {
      seen++
      res.writeHead(status, { 'content-type': 'text/html' })
      res.end('<html><body>Unsupported method</body></html>')
    })
    const rpc = createHttpRpc(url)
    for (status of [501, 404, 405]) {
      seen = 0
      const err = await readRetry((o) => rpc.request('eth_chainId', [], o), { windowMs: 8_000, fit: true }).catch((e: unknown) => e)
      expect(err).toMatchObject({ name: 'TransportError', failure: 'not_rpc', code: 'RPC_UNAVAILABLE', status })
      expect((err as TransportError).message).toContain(`HTTP ${status} from`)
      expect((err as TransportError).hint).toMatch(/not a JSON-RPC endpoint/)
      expect(seen).toBe(1)
    }
  })

  test('behavior: a 503 or 429 (a busy node, a rate limit) is still retried', async () => {
    let seen = 0
    const url = await serve((r, res) => {
      if (++seen < 3) {
        res.writeHead(seen === 1 ? 503 : 429)
        res.end('busy')
        return
      }
      json(res, { jsonrpc: '2.0', id: (r as Req).id, result: '0x7a69' })
    })
    const got = await readRetry((o) => createHttpRpc(url).request('eth_chainId', [], o), { windowMs: 8_000, fit: true })
    expect(got).toBe('0x7a69')
    expect(seen).toBe(3)
  })
})
