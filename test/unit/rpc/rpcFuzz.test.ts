import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { FloodgateError } from '../../../src/base/errors.js'
import { badShape } from '../../../src/rpc/answerShape.js'
import { createHttpRpc, RpcError, TransportError, type Rpc } from '../../../src/rpc/rpc.js'

/**
 * Issue 23: the RPC client against a fake node that answers in every wrong way (random JSON,
 * shapes, ids, statuses, sizes up to an endless body, delays, drips, truncated bodies, closed
 * sockets). Invariants: every call ends, within its timeout (and a margin), in a result of its
 * method's shape or a classified error (RpcError or TransportError, a code and a hint); nothing
 * else is thrown; RSS stays bounded. A few seconds here; `node bench/rpc-fuzz.mjs` runs it for
 * 10 minutes (FLOODGATE_FUZZ_MS).
 */
const BUDGET_MS = Number(process.env.FLOODGATE_FUZZ_MS ?? 3_000)
const TIMEOUT_MS = 300
/** What a call may take past its timeout: the event loop of a loaded 2-core machine. */
const MARGIN_MS = 1_500
const METHODS = ['eth_chainId', 'eth_blockNumber', 'eth_getTransactionCount', 'eth_sendRawTransaction', 'eth_getTransactionReceipt', 'eth_getBlockByNumber', 'eth_getBlockReceipts', 'eth_call']

/** One way of answering a request. */
type Lie =
  | { kind: 'json'; id: 'ours' | 'other' | 'none' | 'string' | 'null'; body: 'result' | 'error' | 'bare'; value: unknown }
  | { kind: 'raw'; status: number; text: string }
  | { kind: 'close' }
  | { kind: 'truncate'; bytes: number }
  | { kind: 'delay'; ms: number; then: 'ok' | 'json' }
  | { kind: 'drip' }
  | { kind: 'big'; mib: number }
  | { kind: 'endless' }
  | { kind: 'batch'; shuffle: boolean; drop: number; dup: boolean; value: unknown }

const quantityish = fc.oneof(fc.constant('0x1'), fc.constant('0x'), fc.constant('banana'), fc.bigInt({ min: 0n, max: 2n ** 300n }).map((n) => `0x${n.toString(16)}`), fc.integer(), fc.constant(null))
const receiptish = fc.record({ transactionHash: fc.oneof(fc.constant(`0x${'11'.repeat(32)}`), fc.string()), blockNumber: quantityish, gasUsed: quantityish, status: fc.option(quantityish) }, { requiredKeys: [] })
const value = fc.oneof(fc.jsonValue({ maxDepth: 4 }), quantityish, receiptish, fc.array(receiptish, { maxLength: 4 }), fc.constant(`0x${'ab'.repeat(32)}`))

const lie: fc.Arbitrary<Lie> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('json' as const), id: fc.constantFrom('ours', 'other', 'none', 'string', 'null'), body: fc.constantFrom('result', 'error', 'bare'), value }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('raw' as const), status: fc.constantFrom(200, 201, 204, 301, 400, 401, 403, 404, 429, 500, 502, 503), text: fc.oneof(fc.string(), fc.constant('{"jsonrpc":"2.0","id":1,"result":'), fc.constant('[]'), fc.constant('null')) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'close' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), bytes: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delay' as const), ms: fc.integer({ min: 0, max: 2 * TIMEOUT_MS }), then: fc.constantFrom('ok' as const, 'json' as const) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drip' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('big' as const), mib: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'endless' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('batch' as const), shuffle: fc.boolean(), drop: fc.integer({ min: 0, max: 3 }), dup: fc.boolean(), value }) },
)

let server: Server
let url: string
let current: Lie = { kind: 'close' }
const MIB = Buffer.alloc(1 << 20, 0x20)

function answer(lie: Lie, body: string, res: ServerResponse): void {
  let req: { id?: unknown } | { id?: unknown }[] = {}
  try {
    req = JSON.parse(body) as typeof req
  } catch {}
  const ourId = Array.isArray(req) ? req[0]?.id : req.id
  const send = (status: number, text: string | Buffer) => {
    if (res.destroyed) return
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(text)
  }
  res.on('error', () => {})
  switch (lie.kind) {
    case 'json': {
      const id = { ours: ourId, other: 987654, none: undefined, string: String(ourId), null: null }[lie.id]
      const o: Record<string, unknown> = { jsonrpc: '2.0', ...(id === undefined ? {} : { id }) }
      if (lie.body === 'result') o.result = lie.value
      else if (lie.body === 'error') o.error = typeof lie.value === 'object' && lie.value !== null ? lie.value : { code: lie.value, message: lie.value }
      else Object.assign(o, typeof lie.value === 'object' && lie.value !== null ? lie.value : { value: lie.value })
      return send(200, JSON.stringify(o))
    }
    case 'raw':
      return send(lie.status, lie.text)
    case 'close':
      res.socket?.destroy()
      return
    case 'truncate':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
      res.write(`{"jsonrpc":"2.0","id":${JSON.stringify(ourId)},"result":"0x1"}`.slice(0, lie.bytes))
      setTimeout(() => res.socket?.destroy(), 5)
      return
    case 'delay':
      setTimeout(() => send(200, lie.then === 'ok' ? JSON.stringify({ jsonrpc: '2.0', id: ourId, result: '0x1' }) : '{"jsonrpc":"2.0"}'), lie.ms)
      return
    case 'drip': {
      res.writeHead(200, { 'content-type': 'application/json' })
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(' ')), 20)
      res.on('close', () => clearInterval(t))
      return
    }
    case 'big': {
      res.writeHead(200, { 'content-type': 'application/json' })
      let left = lie.mib
      const pump = (): void => {
        while (!res.destroyed && left > 0) {
          left--
          if (!res.write(MIB)) return void res.once('drain', pump)
        }
        if (!res.destroyed) res.end()
      }
      pump()
      return
    }
    case 'endless': {
      res.writeHead(200, { 'content-type': 'application/json' })
      const pump = (): void => {
        while (!res.destroyed && res.write(MIB));
        if (!res.destroyed) res.once('drain', pump)
      }
      pump()
      return
    }
    case 'batch': {
      const calls = Array.isArray(req) ? req : [req]
      let out = calls.map((c) => ({ jsonrpc: '2.0', id: c.id, result: lie.value }))
      if (lie.dup) out = [...out, ...out]
      if (lie.shuffle) out.reverse()
      return send(200, JSON.stringify(out.slice(lie.drop)))
    }
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => answer(current, Buffer.concat(chunks).toString('utf8'), res))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

/** A call's outcome is classified: a FloodgateError of one of the RPC codes, with a hint when it is the transport's. */
function classified(err: unknown): void {
  expect(err instanceof RpcError || err instanceof TransportError, `not a classified error: ${String(err)}`).toBe(true)
  const e = err as FloodgateError
  expect(['RPC_ERROR', 'RPC_UNAVAILABLE', 'RPC_UNAUTHORIZED']).toContain(e.code)
  if (err instanceof TransportError) expect(e.hint, e.message).toBeTruthy()
  expect(e.message.length).toBeLessThan(1_000)
}

async function oneCall(rpc: Rpc, method: string, batch: boolean): Promise<void> {
  const t0 = performance.now()
  try {
    if (batch) {
      const items = await rpc.batch!([{ method }, { method }, { method }], { timeoutMs: TIMEOUT_MS })
      expect(items).toHaveLength(3)
      for (const it of items) {
        if (it.ok) expect(badShape(method, it.result)).toBeUndefined()
        else classified(it.error)
      }
    } else {
      const r = await rpc.request(method, [], { timeoutMs: TIMEOUT_MS })
      expect(badShape(method, r), `accepted a result of the wrong shape for ${method}`).toBeUndefined()
    }
  } catch (err) {
    if ((err as Error).name === 'AssertionError') throw err
    classified(err)
  }
  expect(performance.now() - t0, `a call outlived its timeout (${TIMEOUT_MS} ms)`).toBeLessThan(TIMEOUT_MS + MARGIN_MS)
}

describe('fuzz: the RPC client against a node that answers in every wrong way', () => {
  test(`behavior: every call ends in a result of its shape or a classified error within its timeout; RSS bounded (${BUDGET_MS} ms of runs)`, async () => {
    const rpc = createHttpRpc(url, { timeoutMs: TIMEOUT_MS, connections: 4 })
    const rss0 = process.memoryUsage().rss
    let runs = 0
    let maxRss = rss0
    const deadline = performance.now() + BUDGET_MS
    try {
      while (performance.now() < deadline) {
        await fc.assert(
          fc.asyncProperty(lie, fc.constantFrom(...METHODS), fc.boolean(), async (l, method, batch) => {
            current = l
            runs++
            await oneCall(rpc, method, batch)
            maxRss = Math.max(maxRss, process.memoryUsage().rss)
          }),
          { numRuns: 50, endOnFailure: true },
        )
      }
    } finally {
      await rpc.close!()
    }
    expect(runs).toBeGreaterThan(20)
    // the 64 MiB bound, a few answers at once at most, and the heap's slack
    expect(maxRss - rss0, `RSS grew by ${Math.round((maxRss - rss0) / 1e6)} MB`).toBeLessThan(600 * 1024 * 1024)
    console.log(`rpc fuzz: ${runs} calls in ${BUDGET_MS} ms; RSS ${Math.round(rss0 / 1e6)} → max ${Math.round(maxRss / 1e6)} MB`)
  })
})
