import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { recoverTransactionAddress, type TransactionSerialized } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { poolKeysFromSeed } from '../../src/accounts/poolKeys.js'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEFAULT_IN_FLIGHT } from '../../src/defaults.js'
import { createHttpRpc, type Rpc } from '../../src/rpc/rpc.js'
import { SINK, afterResults, assertAccounted, fundedEnv, jsonl, ofType, runCli, tempStateDir, transfers, type Event } from '../helpers/cli.js'
import { runSend } from '../helpers/inProcess.js'

/**
 * Issue 12, `--ordered`: the tx_result lines come in idx order (each once), the events about a
 * spec come after its result, and the reorder stash stays below its window behind a slow
 * signer. Real anvil; the slow signer is a real one whose sends the test's connection delays.
 */
let anvil: AnvilInstance
// 0.5 s blocks: funding, `run mixed`'s deploys and the last receipts each wait for a block; the
// order of the lines written does not depend on the block time
beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 0.5, gasLimit: 1_000_000_000n, hardfork: 'prague', logger: null, silent: true })
})
afterAll(async () => {
  await anvil?.stop()
})

const poolOf = (seed: string, n: number, pool = 'executors') => poolKeysFromSeed(seed, pool, n).map((k) => privateKeyToAccount(k).address)

/** The idx of the tx_result lines, in the order they were written. */
const writtenIdx = (events: Event[]) => ofType(events, 'tx_result').map((r) => r.idx as number)
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i)

/** No event names a spec (by idx) before its tx_result did. */
function assertResultsFirst(events: Event[]): void {
  const written = new Set<number>()
  for (const e of events) {
    if (e.type === 'tx_result') written.add(e.idx)
    else if (['tx_receipt', 'tx_timeout', 'tx_replaced'].includes(e.type)) expect(written.has(e.idx), `${e.type} of idx ${e.idx} after its tx_result`).toBe(true)
  }
}

describe('--ordered (real anvil)', () => {
  test('behavior: send, pool 6, 400 lines with invalid ones mixed in and a signer pinned often: tx_result idx 0..N-1 in order, each once, receipts after their results', async () => {
    const seed = `ordered-send-${Date.now()}`
    const pool = poolOf(seed, 6)
    const lines: unknown[] = []
    for (let i = 0; i < 400; i++) {
      if (i % 9 === 4) lines.push(i % 2 ? '{"to": "not an address"}' : '{not json')
      // one signer in five specs on top of its round-robin share: it lags, the others finish ahead of it
      else lines.push({ to: SINK, value: `${i + 1} wei`, id: `s${i}`, ...(i % 5 === 0 ? { from: pool[0] } : {}) })
    }
    const valid = lines.filter((l) => typeof l !== 'string').length
    // several sends of each signer in flight: even one signer's results complete out of order
    const run = await runCli(['send', '--rpc-url', anvil.url, '--pool-size', '6', '--in-flight', '8', '--ordered', '--log-level', 'warn'], { stdin: jsonl(lines), env: fundedEnv(seed), timeoutMs: 60_000 })
    expect(run.code, run.stderr).toBe(0)
    const summary = assertAccounted(run.events, 400)
    expect(summary.invalid).toBe(400 - valid)
    expect(writtenIdx(run.events)).toEqual(upTo(valid))
    expect(summary).toMatchObject({ sent: valid, failed: 0, included: valid })
    assertResultsFirst(run.events)
    // the default window: every worker's queue and the sends in its hands
    expect(summary.reorder.window).toBe(6 * (64 + 8))
    expect(summary.reorder.max_held).toBeLessThan(summary.reorder.window)
  })

  test('behavior: one slow signer, --reorder-window 12: the stash never holds 12, the router waits as reorder backpressure, every result in order; the same run unbounded holds far more', async () => {
    const seed = `ordered-slow-${Math.random()}`
    const specs = Array.from({ length: 240 }, (_, i) => ({ to: SINK, value: `${i + 1} wei` }))
    const runWith = async (window: number) => {
      const { events } = await runSend(anvil.url, specs, { poolSize: 4, seed, ordered: true, reorderWindow: window, inFlight: 4, rpc: slowSends(anvil.url, poolOf(seed, 4)[0]!, 40) })
      return events
    }
    const bounded = await runWith(12)
    const summary = assertAccounted(bounded, 240)
    expect(summary.failed).toBe(0)
    expect(writtenIdx(bounded)).toEqual(upTo(240))
    assertResultsFirst(bounded)
    expect(summary.reorder).toEqual({ window: 12, max_held: expect.any(Number) })
    expect(summary.reorder.max_held).toBeGreaterThan(0)
    expect(summary.reorder.max_held).toBeLessThan(12)
    const waits = ofType(bounded, 'backpressure').filter((e) => e.stage === 'reorder')
    expect(waits.length).toBeGreaterThan(0)
    expect(waits[0]).toMatchObject({ capacity: 12 })
    expect(ofType(bounded, 'backpressure_end').filter((e) => e.stage === 'reorder')).toHaveLength(waits.length)
    // without the bound, the same slow signer leaves far more results waiting: what the window prevents
    const unbounded = await runWith(100_000)
    expect(writtenIdx(unbounded)).toEqual(upTo(240))
    expect(assertAccounted(unbounded, 240).reorder.max_held).toBeGreaterThan(24)
  })

  test('behavior: SIGINT mid-run: the queued specs end not sent, every result is written in order, then the summary', async () => {
    const run = await runCli(['send', '--rpc-url', anvil.url, '--pool-size', '4', '--tps', '100', '--ordered', '--log-level', 'warn'], {
      stdin: transfers(600),
      env: fundedEnv(`ordered-sigint-${Date.now()}`),
      timeoutMs: 60_000,
      onSpawn: afterResults(30, (child) => child.kill('SIGINT')),
    })
    expect(run.code, run.stderr).toBe(130)
    const results = ofType(run.events, 'tx_result')
    expect(results.filter((r) => r.status === 'not_sent').length).toBeGreaterThan(0)
    expect(writtenIdx(run.events)).toEqual(upTo(results.length))
    expect(run.events.at(-1)).toMatchObject({ type: 'summary', reason: 'signal', reorder: { window: 4 * (64 + DEFAULT_IN_FLIGHT) } })
    assertResultsFirst(run.events)
  })

  test('error: the node goes away for good mid-run: every remaining spec ends RPC_UNAVAILABLE, all results in order, then the summary', async () => {
    const own = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n, logger: null, silent: true })
    try {
      let killed = false
      const run = await runCli(['send', '--rpc-url', own.url, '--pool-size', '4', '--tps', '200', '--rpc-timeout', '2s', '--ordered', '--log-level', 'warn'], {
        stdin: transfers(1_000),
        env: fundedEnv(`ordered-dead-${Date.now()}`),
        timeoutMs: 60_000,
        onSpawn: afterResults(100, () => {
          killed = true
          void own.stop()
        }),
      })
      expect(killed).toBe(true)
      expect(run.code, run.stderr).toBe(1)
      const summary = assertAccounted(run.events, 1_000)
      expect(summary.reason).toBe('rpc_unavailable')
      expect(writtenIdx(run.events)).toEqual(upTo(1_000))
      expect(ofType(run.events, 'tx_result').filter((r) => r.error_code === 'RPC_UNAVAILABLE').length).toBeGreaterThan(100)
      assertResultsFirst(run.events)
    } finally {
      await own.stop()
    }
  })

  test('behavior: run mixed (two pools) --ordered: tx_result idx 0..N-1 in order', async () => {
    const run = await runCli(['run', 'mixed', '--rpc-url', anvil.url, '--max-txs', '120', '--tps', '0', '--accounts-per-pool', '3', '--ordered', '--log-level', 'warn'], {
      env: { ...fundedEnv(`ordered-run-${Date.now()}`), FLOODGATE_STATE_DIR: tempStateDir() },
      timeoutMs: 90_000,
    })
    expect(run.code, run.stderr).toBe(0)
    expect(assertAccounted(run.events, 120)).toMatchObject({ sent: 120, failed: 0, reorder: { window: 6 * (64 + DEFAULT_IN_FLIGHT) } })
    expect(writtenIdx(run.events)).toEqual(upTo(120))
    assertResultsFirst(run.events)
  })
})

/**
 * A real connection to `url` on which one signer is slow: each of its eth_sendRawTransaction
 * waits `ms` before it goes to the node. No `batch`, so every send is a request of its own.
 */
function slowSends(url: string, slow: string, ms: number): Rpc {
  const real = createHttpRpc(url)
  return {
    displayUrl: real.displayUrl,
    async request<T>(method: string, params?: readonly unknown[], opts?: object): Promise<T> {
      if (method === 'eth_sendRawTransaction') {
        const from = await recoverTransactionAddress({ serializedTransaction: params![0] as TransactionSerialized })
        if (from === slow) await new Promise((r) => setTimeout(r, ms))
      }
      return real.request<T>(method, params, opts)
    },
  }
}
