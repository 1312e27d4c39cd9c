import { afterEach, describe, expect, test } from 'vitest'
import { assertAccounted, ofType, type Event } from '../helpers/cli.js'
import { startChaosProxy, type ChaosProxy } from '../helpers/chaosProxy.js'
import { useAnvil } from '../helpers/anvil.js'
import { runSend } from '../helpers/inProcess.js'

/**
 * Issue 25, item 4: the summary counts every JSON-RPC call the run made, per method. The
 * independent count is a proxy between floodgate and anvil (no faults) that counts the methods in
 * the request bodies it forwards, each call of a batch under its own.
 */
const SINK = '0x000000000000000000000000000000000000dEaD'
const transfers = (n: number) => Array.from({ length: n }, (_, i) => ({ to: SINK, value: `${i + 1} wei` }))

const anvil = useAnvil({ blockTime: 1, gasLimit: 300_000_000n })
const proxies: ChaosProxy[] = []
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()))
})
const counter = async () => {
  const p = await startChaosProxy({ target: anvil().url, seed: 1, faults: {} })
  proxies.push(p)
  return p
}

/** Each send after the first attempt, and the txs the keepers sent on their own (replacements, fillers). */
const resends = (events: Event[]) =>
  ofType(events, 'tx_result').reduce((n, r) => n + Math.max(0, r.attempts - 1), 0) + ofType(events, 'tx_replaced').length + ofType(events, 'nonce_gap_filled').length

describe('the RPC calls of a run, counted (real anvil)', () => {
  test('behavior: 200 transfers: the summary counts every call per method exactly as a proxy before the node saw them', async () => {
    const proxy = await counter()
    const pool = 8
    const { events } = await runSend(proxy.url, transfers(200), { poolSize: pool, minBalance: 10n ** 17n })
    const summary = assertAccounted(events, 200)
    expect(summary.sent).toBe(200)
    expect(summary.included).toBe(200)
    // exact: the proxy saw each method as often as the summary says, and as many HTTP requests
    expect(summary.rpc_calls).toEqual(Object.fromEntries(proxy.methods))
    expect(summary.rpc_http_requests).toBe(proxy.stats.requests)
    // the sends: the 200 and the pool's funding (one each), plus any resend
    const sends = summary.rpc_calls.eth_sendRawTransaction as number
    expect(sends).toBeGreaterThanOrEqual(200 + pool)
    if (resends(events) === 0) expect(sends).toBe(200 + pool)
    // the blocks the run read are among its eth_getBlockByNumber calls
    expect(summary.rpc_calls.eth_getBlockByNumber).toBeGreaterThanOrEqual(ofType(events, 'block').length)
    const watch = Object.entries(summary.rpc_calls as Record<string, number>).reduce((n, [m, k]) => (m === 'eth_sendRawTransaction' ? n : n + k), 0)
    expect(watch).toBeGreaterThan(0)
    expect(summary.watch_calls_per_1k_txs).toBe(Math.round((watch * 100_000) / 200) / 100)
  })

  test('behavior: with --send-rpc-url, the calls of both endpoints are counted once each: the two proxies together', async () => {
    const [reads, sends] = [await counter(), await counter()]
    const { events } = await runSend(reads.url, transfers(60), { sendRpcUrl: sends.url, poolSize: 4, minBalance: 10n ** 17n })
    const summary = assertAccounted(events, 60)
    expect(summary.sent).toBe(60)
    const both = new Map(reads.methods)
    for (const [m, n] of sends.methods) both.set(m, (both.get(m) ?? 0) + n)
    expect(summary.rpc_calls).toEqual(Object.fromEntries(both))
    expect(summary.rpc_http_requests).toBe(reads.stats.requests + sends.stats.requests)
    expect(sends.methods.get('eth_sendRawTransaction')).toBe(summary.rpc_calls.eth_sendRawTransaction)
  })
})
