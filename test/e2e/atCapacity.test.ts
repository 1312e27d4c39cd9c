import { afterAll, describe, expect, test } from 'vitest'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { ofType, runCli, tempStateDir } from '../helpers/cli.js'
import { recordFigures } from '../helpers/figures.js'
import { assertNothingLost } from '../helpers/invariants.js'

/**
 * Issue 21: a minute at exactly the chain's capacity. 10.5M-gas, 1 s blocks hold 500
 * transfers; `run transfers --tps 500 --duration 60s` keeps them full, so the base fee rises
 * 12.5 % a block (about ×1,000 in the minute) and each account's spend with it. At default
 * flags (`--min-balance` 0.1 ETH, `--keep-funded 10s`) and a rich funder, floodgate's funding
 * must follow: no INSUFFICIENT_FUNDS, no filler, no timeout, at least 97 % included (measured
 * before the spend model: 1,999 INSUFFICIENT_FUNDS of 30,000).
 */
describe('a minute at capacity (anvil, 10.5M-gas 1 s blocks: 500 transfers a block)', () => {
  let anvil: AnvilInstance | undefined
  afterAll(async () => {
    await anvil?.stop()
  })

  test('behavior: run transfers --tps 500 --duration 60s, default funding flags, a rich funder: no INSUFFICIENT_FUNDS, no filler, no timeout, ≥ 97 % included, nonces whole', { timeout: 240_000 }, async () => {
    anvil = await startAnvil({ blockTime: 1, gasLimit: 10_500_000n, logger: null, silent: true, hardfork: 'prague' })
    const run = await runCli(['run', 'transfers', '--rpc-url', anvil.url, '--tps', '500', '--duration', '60s', '--log-level', 'warn'], {
      timeoutMs: 200_000,
      env: { FLOODGATE_SEED: `cap-${Date.now()}`, FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_STATE_DIR: tempStateDir() },
    })
    expect(run.code, run.stderr.slice(0, 2_000)).toBe(0)
    const { events } = run
    const results = ofType(events, 'tx_result')
    expect(results).toHaveLength(30_000)
    expect(results.filter((r) => r.error_code === 'INSUFFICIENT_FUNDS')).toHaveLength(0)
    expect(ofType(events, 'nonce_gap_filled')).toHaveLength(0)
    expect(ofType(events, 'tx_timeout')).toHaveLength(0)
    const included = ofType(events, 'tx_receipt').length
    expect(included / 30_000).toBeGreaterThanOrEqual(0.97)
    await assertNothingLost(anvil.url, events, 30_000)
    const blocks = ofType(events, 'block').filter((b) => b.base_fee_per_gas)
    const growth = Number(BigInt(blocks.at(-1)!.base_fee_per_gas)) / Number(BigInt(blocks[0]!.base_fee_per_gas))
    recordFigures({ test: 'a minute at capacity', specs: 30_000, included, replaced: ofType(events, 'tx_replaced').length, base_fee_growth: Math.round(growth) })
  })
})
