import { describe, expect, test } from 'vitest'
import { useAnvil } from '../helpers/anvil.js'
import type { Event } from '../helpers/cli.js'
import { recordFigures } from '../helpers/figures.js'
import { runSend } from '../helpers/inProcess.js'
import { assertNothingLost } from '../helpers/invariants.js'

/**
 * Issue 13: a long run keeps its pool funded. 300 transfers of 0.0002 ETH at 20 tx/s over 2
 * signers spend ≈0.03 ETH per signer, three times the --min-balance (0.01 ETH) they start
 * with: without the background top-up most end INSUFFICIENT_FUNDS; with it (a check every
 * second), none does, while the funder has money.
 */
const SINK = '0x000000000000000000000000000000000000dEaD'
const MIN_BALANCE = 10n ** 16n
const specs = Array.from({ length: 300 }, (_, i) => ({ to: SINK, value: '0.0002 eth', id: `k${i}` }))
const failures = (events: Event[]) => events.filter((e) => e.type === 'tx_result' && e.error_code === 'INSUFFICIENT_FUNDS').length

describe('the background top-up (real anvil, 1 s blocks)', () => {
  const anvil = useAnvil({ blockTime: 1 })

  test('behavior: without --keep-funded the pool runs dry (the test can fail); with it, 0 INSUFFICIENT_FUNDS, every tx mined, no nonce gap', async () => {
    // (a short receipt wait: anvil takes a few txs the drained signer can no longer pay, which are never mined)
    const dry = await runSend(anvil().url, specs, { poolSize: 2, tps: 20, minBalance: MIN_BALANCE, keepFundedMs: 0, receiptTimeoutMs: 3_000, seed: `dry-${Date.now()}` })
    expect(failures(dry.events)).toBeGreaterThan(100)

    const kept = await runSend(anvil().url, specs, { poolSize: 2, tps: 20, minBalance: MIN_BALANCE, keepFundedMs: 1_000, seed: `kept-${Date.now()}` })
    expect(failures(kept.events)).toBe(0)
    const o = await assertNothingLost(anvil().url, kept.events, specs.length)
    expect(o).toMatchObject({ accepted: 300, failed: 0, gaps: 0, missing: 0 })
    recordFigures({ test: 'keep-funded', specs: 300, spent_per_signer_eth: 0.03, min_balance_eth: 0.01, insufficient_without: failures(dry.events), insufficient_with: failures(kept.events) })
  })
})
