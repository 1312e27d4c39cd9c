import type { ChildProcess } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { withAnvil } from '../helpers/anvil.js'
import { runCli, ofType, type Event } from '../helpers/cli.js'
import { runSend } from '../helpers/inProcess.js'

/**
 * The steered rates on a chain that fills: 2.1M gas, 1 s blocks, so 100 transfers a block.
 * Rates within a tolerance: in the `timing` project (vitest.config.ts), alone on the machine.
 * Each test has a fresh chain (the first leaves its base fee ×10).
 */
const SINK = '0x000000000000000000000000000000000000dEaD'
const GAS_LIMIT = 2_100_000n
const POOL = 16
const transfers = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ to: SINK, value: '1 wei', id: `t${i}` })).join('\n') + '\n'
const env = (seed: string) => ({ FLOODGATE_SEED: seed, FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY })
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

/** Txs the node took per second, by their slots, over the last `seconds` of sending. */
function sentRate(events: Event[], seconds: number): number {
  const slots = ofType(events, 'tx_result').filter((r) => r.tx_hash).map((r) => r.scheduled_timestamp_ms as number)
  const end = Math.max(...slots)
  return slots.filter((t) => t > end - seconds * 1000).length / seconds
}

/** Slots of txs the node took in each whole second from `fromMs` to the last second before the last slot (a stop cuts that one short). */
function slotsPerSecond(events: Event[], fromMs: number): number[] {
  const slots = ofType(events, 'tx_result').filter((r) => r.tx_hash).map((r) => r.scheduled_timestamp_ms as number)
  const seconds = Math.floor((Math.max(...slots) - fromMs) / 1000)
  const counts = new Array<number>(Math.max(0, seconds)).fill(0)
  for (const t of slots) if (t >= fromMs && t < fromMs + seconds * 1000) counts[Math.floor((t - fromMs) / 1000)]!++
  return counts
}

/** SIGINT `ms` after the first tx_result. */
const interruptAfter = (ms: number) => (child: ChildProcess) => {
  const onData = (c: Buffer) => {
    if (!c.toString().includes('"tx_result"')) return
    child.stdout!.off('data', onData)
    setTimeout(() => child.kill('SIGINT'), ms)
  }
  child.stdout!.on('data', onData)
}

describe('steered rates (anvil, 2.1M-gas 1 s blocks: 100 transfers a block)', () => {
  test('behavior: --tps auto settles at the capacity: over the last 15 s the rate sent and the rate included within ±10 % of 100 tx/s, the backlog under two blocks\' worth (200) at every block, the capacity found reported; from the first full block on no second\'s rate swings more than 15 % from it', { timeout: 110_000 }, async () => {
    await withAnvil({ blockTime: 1, gasLimit: GAS_LIMIT, silent: true, hardfork: 'prague' }, async (anvil) => {
      const seed = `auto-${Date.now()}`
      await runSend(anvil.url, [], { seed, poolSize: POOL, minBalance: 100n * 10n ** 18n })
      const run = await runCli(['send', '--rpc-url', anvil.url, '--pool-size', String(POOL), '--log-level', 'warn', '--tps', 'auto', '--duration', '30s'], { stdin: transfers(4_000), timeoutMs: 90_000, env: env(seed) })
      expect(run.code, run.stderr.slice(0, 2_000)).toBe(0)
      const blocks = ofType(run.events, 'block').filter((b) => b.ours > 0)
      // settled: the last 15 blocks with ours before the run stopped
      const steady = blocks.slice(-16, -1)
      expect(steady.length).toBe(15)
      const perBlock = mean(steady.map((b) => b.ours))
      expect(perBlock).toBeGreaterThanOrEqual(90)
      expect(perBlock).toBeLessThanOrEqual(110)
      expect(Math.max(...steady.map((b) => b.backlog))).toBeLessThan(200)
      const sent = sentRate(run.events, 15)
      expect(sent).toBeGreaterThanOrEqual(90)
      expect(sent).toBeLessThanOrEqual(110)
      // the ramp ends at the capacity: the first full block does not pull the rate down to the ramp's
      // inclusion, nor does the backlog's pull lift it far above (the pacer's slots, a second each)
      const firstFull = blocks.find((b) => b.gas_used / b.gas_limit >= 0.9)!
      const seconds = slotsPerSecond(run.events, (firstFull.timestamp + 2) * 1000)
      expect(seconds.length).toBeGreaterThanOrEqual(15)
      expect(seconds.filter((n) => n < 85 || n > 115), seconds.join(' ')).toEqual([])
      const summary = ofType(run.events, 'summary')[0]!
      expect(summary.pacing).toMatchObject({ auto: true })
      expect(summary.pacing.gas_target).toBeUndefined()
      expect(summary.capacity.tps).toBeGreaterThanOrEqual(90)
      expect(summary.capacity.tps).toBeLessThanOrEqual(110)
    })
  })

  test('behavior: run transfers --forever --tps gas-target --keep-funded 10s, 30 s then SIGINT: blocks half full once settled, the base fee at the end within ±20 % of where it settled, nothing lost', { timeout: 110_000 }, async () => {
    await withAnvil({ blockTime: 1, gasLimit: GAS_LIMIT, silent: true, hardfork: 'prague' }, async (anvil) => {
      const run = await runCli(['run', 'transfers', '--rpc-url', anvil.url, '--forever', '--tps', 'gas-target', '--keep-funded', '10s', '--log-level', 'warn'], { timeoutMs: 90_000, env: env(`gas-target-${Date.now()}`), onSpawn: interruptAfter(30_000) })
      expect(run.code, run.stderr.slice(0, 2_000)).toBe(130)
      const blocks = ofType(run.events, 'block').filter((b) => b.ours > 0)
      // settled: from the 10th block with ours (the rate grows ×1.5 a block to a quarter full, then closes in)
      const steady = blocks.slice(9, -1)
      expect(steady.length).toBeGreaterThanOrEqual(15)
      const fullness = steady.map((b) => b.gas_used / b.gas_limit)
      expect(mean(fullness)).toBeGreaterThanOrEqual(0.45)
      expect(mean(fullness)).toBeLessThanOrEqual(0.55)
      expect(Math.max(...fullness)).toBeLessThan(0.75)
      const settledBase = Number(steady[0]!.base_fee_per_gas)
      const endBase = Number(steady.at(-1)!.base_fee_per_gas)
      expect(endBase / settledBase).toBeGreaterThanOrEqual(0.8)
      expect(endBase / settledBase).toBeLessThanOrEqual(1.2)
      // half a block's worth of ours (50 transfers) a second
      const sent = sentRate(run.events, 15)
      expect(sent).toBeGreaterThanOrEqual(40)
      expect(sent).toBeLessThanOrEqual(60)
      expect(Math.max(...steady.map((b) => b.backlog))).toBeLessThan(100)
      const summary = ofType(run.events, 'summary')[0]!
      expect(summary.pacing).toMatchObject({ auto: true, gas_target: true })
      // the signal leaves what was queued unsent (not failed), and cuts the wait for the last second's
      // receipts (pending at the stop, not timed out); only a spec refused once and waiting for its
      // top-up at the signal may end CANCELLED
      expect(Object.keys(summary.errors ?? {}).filter((code) => code !== 'CANCELLED')).toEqual([])
      expect(summary.not_sent).toBeGreaterThan(0)
      expect(summary.timed_out).toBe(0)
      expect(ofType(run.events, 'tx_timeout').filter((t) => t.reason !== 'run_stopped')).toEqual([])
      expect(ofType(run.events, 'nonce_gap_filled')).toHaveLength(0)
    })
  })
})
