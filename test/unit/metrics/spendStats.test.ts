import { describe, expect, test } from 'vitest'
import type { BlockEvent, TxReceiptEvent } from '../../../src/events/types.js'
import { ProgressReporter, RUNWAY_SHOWN_BELOW_S } from '../../../src/metrics/progress.js'
import { RunStats } from '../../../src/metrics/runStats.js'
import { SpendStats, weiOf } from '../../../src/metrics/spendStats.js'
import { FundingTally } from '../../../src/accounts/fundingFigures.js'

const GWEI = 10n ** 9n
let n = 0
const receipt = (o: Partial<TxReceiptEvent> & { block_timestamp: number }): TxReceiptEvent => ({
  version: 1,
  type: 'tx_receipt',
  idx: n,
  line: ++n,
  tx_hash: `0x${n.toString(16).padStart(64, '0')}`,
  block_number: o.block_timestamp,
  status: 'success',
  gas_used: 21_000,
  effective_gas_price: String(GWEI),
  inclusion_ms: 500,
  ...o,
})
const block = (timestamp: number, baseFee: bigint | undefined): BlockEvent => ({
  version: 1,
  type: 'block',
  number: timestamp,
  timestamp,
  tx_count: 0,
  ours: 0,
  gas_used: 0,
  gas_limit: 30_000_000,
  ...(baseFee !== undefined ? { base_fee_per_gas: baseFee.toString() } : {}),
  backlog: 0,
})

describe('SpendStats (synthetic events)', () => {
  test('behavior: the spend is gas × effective price, + blob gas × blob price, + the value of a successful tx; a reverted tx pays its gas and moves nothing', () => {
    const s = new SpendStats()
    s.receipt(receipt({ block_timestamp: 100, value: '1000' }))
    s.receipt(receipt({ block_timestamp: 100, status: 'reverted', value: '5000' }))
    s.receipt(receipt({ block_timestamp: 101, blob_gas_used: 131_072, blob_gas_price: '3' }))
    const fee = 3n * 21_000n * GWEI + 131_072n * 3n
    expect(s.summary().spend).toEqual({ fee_wei: fee.toString(), value_wei: '1000', total_wei: (fee + 1000n).toString(), wei_per_s: (21_000n * GWEI + 131_072n * 3n).toString() })
  })

  test('behavior: the rate is over the last minute of blocks, the oldest block in it the fence; none before two block timestamps', () => {
    const s = new SpendStats()
    s.receipt(receipt({ block_timestamp: 1_000 }))
    expect(s.weiPerS()).toBeUndefined()
    expect(s.summary().spend?.wei_per_s).toBeUndefined()
    // 1 tx a second for 100 s, then 4 a second for the last 60 s
    for (let t = 1_001; t <= 1_100; t++) for (let k = 0; k < (t > 1_040 ? 4 : 1); k++) s.receipt(receipt({ block_timestamp: t }))
    expect(s.weiPerS()).toBe(4n * 21_000n * GWEI)
    // a late receipt of a block long gone counts in the total, not in the rate
    s.receipt(receipt({ block_timestamp: 900 }))
    expect(s.weiPerS()).toBe(4n * 21_000n * GWEI)
    expect(s.feeWei).toBe((1n + 100n - 60n + 60n * 4n + 1n) * 21_000n * GWEI)
  })

  test('behavior: the base fee: first, peak, last, last ÷ first, and that growth per minute of block time (×2 in 6 s is ×1,024 a minute)', () => {
    const s = new SpendStats()
    s.block(block(10, GWEI))
    expect(s.summary().base_fee).toEqual({ first: String(GWEI), peak: String(GWEI), last: String(GWEI), span_s: 0, ratio: 1 })
    s.block(block(13, 5n * GWEI))
    s.block(block(16, 2n * GWEI))
    expect(s.summary().base_fee).toEqual({ first: String(GWEI), peak: String(5n * GWEI), last: String(2n * GWEI), span_s: 6, ratio: 2, growth_per_min: 1024 })
    expect(s.baseFeeRatio()).toBe(2)
  })

  test('edge: a growth too large for a number is left out; a first base fee of 0 has no ratio; blocks without a base fee are skipped', () => {
    const s = new SpendStats()
    s.block(block(1, undefined))
    expect(s.summary().base_fee).toBeUndefined()
    s.block(block(2, 7n))
    s.block(block(3, 7n * 10n ** 12n))
    expect(s.summary().base_fee).toMatchObject({ ratio: 1e12, span_s: 1 })
    expect(s.summary().base_fee?.growth_per_min).toBeUndefined()
    const z = new SpendStats()
    z.block(block(1, 0n))
    z.block(block(2, 5n))
    expect(z.summary().base_fee).toEqual({ first: '0', peak: '5', last: '5', span_s: 1 })
  })

  test('error: amounts that are not decimal wei (a tampered log) are not counted and never throw', () => {
    expect([weiOf('12'), weiOf(12), weiOf('0x10'), weiOf('-1'), weiOf('1e3'), weiOf('<b>'), weiOf(1.5), weiOf(null)]).toEqual([12n, 12n, undefined, undefined, undefined, undefined, undefined, undefined])
    const s = new SpendStats()
    s.receipt(receipt({ block_timestamp: 1, effective_gas_price: '<script>' }))
    s.receipt(receipt({ block_timestamp: 1, value: 'lots' }))
    s.block({ ...block(1, GWEI), base_fee_per_gas: '1e9' })
    expect(s.summary().spend).toMatchObject({ fee_wei: String(21_000n * GWEI), value_wei: '0' })
    expect(s.summary().base_fee).toBeUndefined()
  })

  test('behavior: RunStats puts spend and base_fee in the summary; a run without receipts or blocks has neither', () => {
    const stats = new RunStats()
    expect(stats.summary('eof')).not.toHaveProperty('spend')
    expect(stats.summary('eof')).not.toHaveProperty('base_fee')
    stats.observe(block(1, GWEI))
    stats.observe(receipt({ block_timestamp: 1 }))
    expect(stats.summary('eof')).toMatchObject({ spend: { total_wei: String(21_000n * GWEI) }, base_fee: { first: String(GWEI) } })
  })
})

describe('the live status line: base fee and funds', () => {
  const line = (stats: RunStats, funding?: FundingTally) => new ProgressReporter({ stats, receipts: true, ...(funding ? { funding: () => funding.figures() } : {}) }).lineText()

  test('behavior: default: neither the base fee (under ×2 since the first block) nor the funds (runway of 10 min or more) is shown', () => {
    const stats = new RunStats()
    stats.observe(block(1, GWEI))
    stats.observe(block(2, (19n * GWEI) / 10n))
    const funding = new FundingTally()
    // 21,000 gwei a second: 1 ETH lasts 47,619 s
    funding.funderBalance(10n ** 18n)
    for (let t = 1; t <= 3; t++) stats.observe(receipt({ block_timestamp: t }))
    const text = line(stats, funding)
    expect(text).not.toMatch(/base fee|funder|runway/)
  })

  test('behavior: the base fee once it has doubled since the first block, the funder\'s funds once they last under 10 min at the spend rate', () => {
    const stats = new RunStats()
    stats.observe(block(1, GWEI))
    stats.observe(block(2, (5n * GWEI) / 2n))
    for (let t = 1; t <= 3; t++) stats.observe(receipt({ block_timestamp: t }))
    const funding = new FundingTally()
    // 21,000 gwei a second: what lasts 299 s
    funding.funderBalance(299n * 21_000n * GWEI)
    const text = line(stats, funding)
    expect(text).toContain('base fee 2.5 gwei ×2.5')
    expect(text).toContain('funder 0.006279 ETH, runway 4 min 59 s')
    expect(RUNWAY_SHOWN_BELOW_S).toBe(600)
  })
})
