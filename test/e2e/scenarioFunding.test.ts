import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { useAnvil } from '../helpers/anvil.js'
import { assertAccounted, runCli, tempStateDir } from '../helpers/cli.js'
import { contenderScenarios } from '../helpers/compat.js'

/**
 * Issue 13: scenario accounts are topped up to what their deploy and setup steps will cost, not
 * only to a flat --min-balance. contender's uniV2 (six contracts, six setup calls) against an
 * external anvil with the default --min-balance (0.01 ETH then; 0.1 ETH now) failed with SETUP_FAILED
 * (insufficient funds at the factory's deploy).
 */
describe('scenario funding from the estimated cost of its steps (real anvil)', () => {
  // 0.5 s blocks: uniV2's deploys and setup calls each wait for a block. An account is topped up
  // whenever its balance is below its step's cost plus --min-balance, whatever the fees
  // (coverStepCosts), so the block time does not decide whether the top-up runs
  const anvil = useAnvil({ blockTime: 0.5, gasLimit: 1_000_000_000n, hardfork: 'prague' })

  test("behavior: contender's uniV2 runs with the default --min-balance: deploy, setup and 20 spam txs, all included", async (ctx) => {
    const dir = contenderScenarios(ctx)
    if (!dir) return
    const r = await runCli(['run', join(dir, 'uniV2.toml'), '--rpc-url', anvil().url, '--max-txs', '20', '--tps', '0', '--accounts-per-pool', '2', '--log-level', 'info'], {
      env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: `univ2-funding-${Date.now()}`, FLOODGATE_STATE_DIR: tempStateDir() },
      timeoutMs: 80_000,
    })
    expect(r.code, r.stderr.slice(-2_000)).toBe(0)
    expect(r.stderr).toContain('topping scenario accounts up to the estimated cost of their next step')
    expect(assertAccounted(r.events, 20)).toMatchObject({ sent: 20, failed: 0, included: 20, reverted: 0 })
  })
})

/**
 * The default --min-balance lasts an account one --keep-funded period (10 s) of the costliest
 * built-in scenario at run's default rate: `run storage` with default flags (100 tx/s over 10
 * accounts, 10 s, ≈470k gas a tx) against an external anvil. With 0.01 ETH (the default
 * before) 775 of its 1,000 specs ended INSUFFICIENT_FUNDS.
 */
describe('the default --min-balance (real anvil, 1 s blocks)', () => {
  const anvil = useAnvil({ blockTime: 1, gasLimit: 1_000_000_000n, hardfork: 'prague' })

  test('behavior: run storage with default flags: 1,000 specs, none INSUFFICIENT_FUNDS, all included', async () => {
    const r = await runCli(['run', 'storage', '--rpc-url', anvil().url, '--log-level', 'warn'], {
      env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: `default-min-balance-${Date.now()}`, FLOODGATE_STATE_DIR: tempStateDir() },
      timeoutMs: 80_000,
    })
    expect(r.code, r.stderr.slice(-2_000)).toBe(0)
    expect(r.events.filter((e) => e.type === 'tx_result' && e.error_code).map((e) => e.error_code)).toEqual([])
    expect(assertAccounted(r.events, 1_000)).toMatchObject({ sent: 1_000, failed: 0, included: 1_000, reverted: 0 })
  })
})
