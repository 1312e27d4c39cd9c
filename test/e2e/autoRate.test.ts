import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { runCli, ofType } from '../helpers/cli.js'
import { runSend } from '../helpers/inProcess.js'

/**
 * `--tps auto` on a chain that fills: 2.1M gas, 1 s blocks, so 100 transfers a block. A rate
 * within ±15 % of the chain's: in the `timing` project (vitest.config.ts), alone on the machine.
 */
const SINK = '0x000000000000000000000000000000000000dEaD'
const GAS_LIMIT = 2_100_000n
const POOL = 16
const transfers = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ to: SINK, value: '1 wei', id: `t${i}` })).join('\n') + '\n'

const send = (anvil: AnvilInstance, seed: string, stdin: string, extra: string[] = [], timeoutMs = 150_000) =>
  runCli(['send', '--rpc-url', anvil.url, '--pool-size', String(POOL), '--log-level', 'warn', ...extra], { stdin, timeoutMs, env: { FLOODGATE_SEED: seed, FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY } })

describe('--tps auto (anvil, 2.1M-gas 1 s blocks)', () => {
  let anvil: AnvilInstance
  beforeAll(async () => {
    anvil = await startAnvil({ blockTime: 1, gasLimit: GAS_LIMIT, logger: null, silent: true, hardfork: 'prague' })
  })
  afterAll(async () => {
    await anvil?.stop()
  })

  test('behavior: the rate settles at the chain\'s capacity (100 tx/s) within ±15 %, the backlog under two blocks\' worth, and the summary reports the capacity found', { timeout: 180_000 }, async () => {
    const seed = `auto-${Date.now()}`
    await runSend(anvil.url, [], { seed, poolSize: POOL, minBalance: 100n * 10n ** 18n })
    const run = await send(anvil, seed, transfers(4_000), ['--tps', 'auto', '--duration', '30s'], 90_000)
    expect(run.code).toBe(0)
    const blocks = ofType(run.events, 'block').filter((b) => b.ours > 0)
    // the steady part: the last 15 blocks with ours before the run stopped
    const steady = blocks.slice(-16, -1)
    expect(steady.length).toBe(15)
    const perBlock = steady.reduce((n, b) => n + b.ours, 0) / steady.length
    expect(perBlock).toBeGreaterThanOrEqual(85)
    expect(perBlock).toBeLessThanOrEqual(115)
    expect(Math.max(...steady.map((b) => b.backlog))).toBeLessThan(200)
    const summary = ofType(run.events, 'summary')[0]!
    expect(summary.pacing.auto).toBe(true)
    expect(summary.capacity.tps).toBeGreaterThanOrEqual(85)
    expect(summary.capacity.tps).toBeLessThanOrEqual(115)
  })
})
