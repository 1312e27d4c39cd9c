import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { startChaosProxy, type Fault } from '../helpers/chaosProxy.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { jsonl, ofType, runCli } from '../helpers/cli.js'
import { recordFigures } from '../helpers/figures.js'
import { assertNothingLost } from '../helpers/invariants.js'
import { settledNonces } from '../helpers/inProcess.js'
import { rpcNumber } from '../helpers/anvil.js'
import { watchRss } from '../helpers/rss.js'

/**
 * Issue 4: the chaos proxy between floodgate and anvil, every request of the run (sends,
 * nonce reads, probes, fee refreshes, receipt polling) exposed to the faults. Each fault
 * alone at 5 %, then all of them mixed; 2,000 specs over 16 signers each. Seeded: the
 * seed is in the test name, so a failing case can be replayed (the request order still
 * depends on timing). Through the built CLI, so the peak RSS of each run is measured.
 */
const SINK = '0x000000000000000000000000000000000000dEaD'
const SPECS = 2_000
const POOL = 16

let anvil: AnvilInstance
beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n, logger: null, silent: true })
})
afterAll(async () => {
  await anvil?.stop()
})

const ALONE: Fault[] = ['delay', 'close_before', 'close_after', 'http_500', 'http_502', 'http_503', 'http_429', 'malformed', 'rpc_error']
const MIXED = Object.fromEntries(ALONE.map((f) => [f, 0.02])) as Partial<Record<Fault, number>>

const cases: [string, Partial<Record<Fault, number>>, number][] = [
  ...ALONE.map((f, i): [string, Partial<Record<Fault, number>>, number] => [f, { [f]: 0.05 }, 4100 + i]),
  ['all mixed (2 % each, 18 % in all)', MIXED, 4200],
]

/** Codes a spec may end with under transient faults: the node said it lacks the tx, after --retries resends. */
const DEFINITE_TRANSPORT_FAILURES = new Set(['RPC_UNAVAILABLE', 'RPC_TIMEOUT', 'RPC_BUSY', 'RPC_INTERNAL_ERROR'])

describe('chaos between floodgate and the node (2,000 specs, 16 signers, every request exposed, real CLI)', () => {
  test.each(cases)('behavior: %s: every line ends once, every accepted tx on chain once, no nonce gap, the run ends', async (name, faults, seed) => {
    const env = { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: `chaos-${seed}-${Date.now()}` }
    // the pool is funded straight from anvil: funding is setup, not the run under test
    const funded = await runCli(['send', '--rpc-url', anvil.url, '--pool-size', String(POOL), '--log-level', 'warn'], { stdin: '', env })
    expect(funded.code, funded.stderr).toBe(0)
    const proxy = await startChaosProxy({ target: anvil.url, seed, faults, delayMs: [20, 300] })
    try {
      const rss = { peak: 0 }
      const started = performance.now()
      const run = await runCli(
        ['send', '--rpc-url', proxy.url, '--pool-size', String(POOL), '--skip-funding', '--receipt-timeout', '30s', '--rpc-timeout', '5s', '--log-level', 'warn'],
        { stdin: jsonl(Array.from({ length: SPECS }, (_, i) => ({ to: SINK, value: `${i + 1} wei`, id: `c${i}` }))), env, onSpawn: (child) => watchRss(child, rss) },
      )
      const ms = performance.now() - started
      expect(run.code, run.stderr.slice(0, 2000)).toBe(0)
      const injected = ALONE.reduce((n, f) => n + proxy.stats[f], 0)
      expect(injected, 'faults were injected').toBeGreaterThan(0)
      expect(new Set(ofType(run.events, 'tx_result').map((r) => r.from)).size).toBe(POOL)
      const o = await assertNothingLost(anvil.url, run.events, SPECS)
      expect(o.summary.reason).toBe('eof')
      // A spec may still fail, rarely: when --retries resends (3) all met a fault and the node
      // then said it does not have the tx. That is a definite outcome (its nonce is reused, as
      // the on-chain check above shows), never a tx left in doubt, and it stays rare.
      const failed = ofType(run.events, 'tx_result').filter((r) => r.error_code)
      expect(failed.filter((r) => !DEFINITE_TRANSPORT_FAILURES.has(r.error_code)).map((r) => `${r.idx}: ${r.error_code} ${r.error}`)).toEqual([])
      expect(failed.length).toBeLessThanOrEqual(SPECS / 100)
      // every accepted tx got its receipt event
      expect(o.summary.included).toBe(o.accepted)
      recordFigures({ fault: `chaos: ${name}`, runs: 1, specs: SPECS, faults: injected, requests: proxy.stats.requests, lost: o.missing, failed: o.failed, gaps: o.gaps, peak_rss_mib: Math.round(rss.peak), ms: Math.round(ms) })
    } finally {
      await proxy.close()
    }
  })
})

/**
 * Faults in every phase (issue 13): funding, and a scenario's deploy, setup and spam, all
 * through the proxy with every fault mixed. They send through the same sender units as the
 * workers, so they get the same handling: the run ends by itself, exit 0, one line per fault it
 * could not get past and never a stack trace, every spec once, no nonce gap.
 */
describe('chaos in every phase (all faults mixed, 2 % each)', () => {
  test('behavior: send with funding: the pool is funded through the faults, then 400 specs land; nothing lost, no gap, no stack trace', async () => {
    const proxy = await startChaosProxy({ target: anvil.url, seed: 4300, faults: MIXED, delayMs: [20, 300] })
    try {
      const env = { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: `chaos-funding-${Date.now()}` }
      const run = await runCli(
        ['send', '--rpc-url', proxy.url, '--pool-size', String(POOL), '--receipt-timeout', '30s', '--rpc-timeout', '5s', '--log-level', 'warn'],
        { stdin: jsonl(Array.from({ length: 400 }, (_, i) => ({ to: SINK, value: `${i + 1} wei`, id: `f${i}` }))), env },
      )
      expect(run.code, run.stderr.slice(0, 2000)).toBe(0)
      expect(run.stderr).not.toMatch(/\n\s+at |unexpected error/)
      expect(ALONE.reduce((n, f) => n + proxy.stats[f], 0), 'faults were injected').toBeGreaterThan(0)
      const o = await assertNothingLost(anvil.url, run.events, 400)
      expect(o.failed).toBeLessThanOrEqual(4)
    } finally {
      await proxy.close()
    }
  })

  test('behavior: run erc20: deploy, setup and spam through the faults; every spec once, no gap, no stack trace', async () => {
    const proxy = await startChaosProxy({ target: anvil.url, seed: 4301, faults: MIXED, delayMs: [20, 300] })
    try {
      const env = { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: `chaos-run-${Date.now()}` }
      const run = await runCli(['run', 'erc20', '--rpc-url', proxy.url, '--tps', '40', '--duration', '5s', '--receipt-timeout', '30s', '--rpc-timeout', '5s', '--log-level', 'warn'], { env })
      expect(run.code, run.stderr.slice(0, 2000)).toBe(0)
      expect(run.stderr).not.toMatch(/\n\s+at |unexpected error/)
      const results = ofType(run.events, 'tx_result')
      expect(results.length).toBe(200)
      const accepted = results.filter((r) => !r.error_code)
      expect(results.length - accepted.length).toBeLessThanOrEqual(2)
      // every accepted spec's tx is on chain, once, with its receipt (the setup steps' txs are not specs)
      const receipts = ofType(run.events, 'tx_receipt')
      expect(receipts.filter((r) => r.status === 'success').length).toBe(accepted.length)
      expect(new Set(receipts.map((r) => r.idx)).size).toBe(accepted.length)
      // no nonce gap: once settled, no signer has anything pending, and no two specs share a nonce
      const signers = [...new Set(accepted.map((r) => r.from as string))]
      const mined = await settledNonces(anvil.url, signers)
      for (const sg of signers) expect(await rpcNumber(anvil.url, 'eth_getTransactionCount', [sg, 'pending'])).toBe(mined.get(sg))
      for (const sg of signers) {
        const nonces = accepted.filter((r) => r.from === sg).map((r) => r.nonce)
        expect(new Set(nonces).size).toBe(nonces.length)
      }
    } finally {
      await proxy.close()
    }
  })
})
