import { describe, expect, test } from 'vitest'
import type { FloodgateEvent } from '../../../src/events/types.js'
import { LatencyHistogram } from '../../../src/metrics/latencyHistogram.js'
import { ProgressReporter } from '../../../src/metrics/progress.js'
import { MAX_KINDS, OTHER_KINDS, RunStats } from '../../../src/metrics/runStats.js'

const FROM = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const hash = (i: number) => `0x${i.toString(16).padStart(64, '0')}` as const
const sent = (idx: number, send_ms: number, kind?: string): FloodgateEvent => ({
  version: 1, type: 'tx_result', idx, line: idx + 1, ...(kind ? { kind } : {}), from: FROM, nonce: idx, tx_hash: hash(idx), start_timestamp_ms: 1_000, send_ms, attempts: 1,
})
const failed = (idx: number, code: string, kind?: string): FloodgateEvent => ({
  version: 1, type: 'tx_result', idx, line: idx + 1, ...(kind ? { kind } : {}), from: FROM, nonce: null, start_timestamp_ms: 1_000, send_ms: 1, attempts: 1, error: code, error_code: code,
})
const receipt = (idx: number, inclusion_ms: number, status: 'success' | 'reverted', gas: number, kind?: string): FloodgateEvent => ({
  version: 1, type: 'tx_receipt', idx, line: idx + 1, ...(kind ? { kind } : {}), tx_hash: hash(idx), block_number: 3, block_timestamp: 1, status, gas_used: gas, effective_gas_price: '7', inclusion_ms,
})
const timeout = (idx: number, kind?: string): FloodgateEvent => ({
  version: 1, type: 'tx_timeout', idx, line: idx + 1, ...(kind ? { kind } : {}), tx_hash: hash(idx), pending: true, waited_ms: 60_000, reason: 'timeout',
})

const notSent = (idx: number, kind?: string): FloodgateEvent => ({
  version: 1, type: 'tx_result', idx, line: idx + 1, ...(kind ? { kind } : {}), from: FROM, nonce: null, start_timestamp_ms: 5_000, send_ms: 0, attempts: 0, status: 'not_sent',
})

describe('RunStats at a stop', () => {
  test('behavior: specs not sent are not_sent (not failed, not in errors, not in the send rate), txs pending at the stop are pending_at_stop (not timed_out)', () => {
    let clock = 0
    const s = new RunStats(() => clock)
    const stopped = { ...timeout(1, 'a'), reason: 'run_stopped' } as FloodgateEvent
    const events: FloodgateEvent[] = [sent(0, 2, 'a'), sent(1, 3, 'a'), sent(2, 4), receipt(0, 900, 'success', 21_000, 'a'), timeout(2), notSent(3, 'a'), notSent(4), stopped]
    for (const e of events) {
      clock += 100
      s.observe(e)
    }
    const sum = s.summary('duration')
    expect(sum).toMatchObject({ sent: 3, failed: 0, not_sent: 2, errors: {}, included: 1, timed_out: 1, pending_at_stop: 1 })
    expect(sum.by_kind.a).toMatchObject({ sent: 2, failed: 0, not_sent: 1, included: 1, timed_out: 0, pending_at_stop: 1 })
    expect(sum.by_kind['(none)']).toMatchObject({ sent: 1, not_sent: 1, timed_out: 1, pending_at_stop: 0 })
    expect(s.pending).toBe(0)
    // the send phase ends at the last send (300), not at the specs not sent
    expect(sum.tps).toBe(10)
    expect(sum.send_latency_ms.max).toBeLessThan(5)
  })
})

describe('RunStats with receipts', () => {
  test('behavior: included / reverted / timed_out / gas / inclusion percentiles, overall and per kind', () => {
    let clock = 0
    const s = new RunStats(() => clock)
    const events: FloodgateEvent[] = [
      sent(0, 2, 'a'), sent(1, 3, 'a'), sent(2, 4, 'b'), sent(3, 5), failed(4, 'INSUFFICIENT_FUNDS', 'b'),
      receipt(0, 900, 'success', 21_000, 'a'), receipt(1, 1_100, 'reverted', 30_000, 'a'), receipt(2, 2_000, 'success', 50_000, 'b'), timeout(3),
    ]
    for (const e of events) {
      clock += 100
      s.observe(e)
    }
    const sum = s.summary('eof')
    expect(sum).toMatchObject({ sent: 4, failed: 1, included: 3, reverted: 1, timed_out: 1, gas_used: '101000', errors: { INSUFFICIENT_FUNDS: 1 } })
    expect(s.pending).toBe(0)
    // percentiles are those of an HDR histogram of the same values
    const h = new LatencyHistogram()
    for (const v of [900, 1_100, 2_000]) h.recordMs(v)
    expect(sum.inclusion_latency_ms).toEqual(h.summary())
    expect(sum.inclusion_latency_ms.max).toBe(2_000)
    expect(sum.by_kind.a).toMatchObject({ sent: 2, failed: 0, included: 2, reverted: 1, timed_out: 0, gas_used: '51000' })
    expect(sum.by_kind.b).toMatchObject({ sent: 1, failed: 1, included: 1, reverted: 0, gas_used: '50000' })
    expect(sum.by_kind['(none)']).toMatchObject({ sent: 1, included: 0, timed_out: 1 })
    expect(sum.by_kind.a!.inclusion_latency_ms.max).toBe(1_100)
    // tps over the send phase (start → last tx_result at 500), included_tps up to the last receipt (800)
    expect(sum.tps).toBe(8)
    expect(sum.included_tps).toBe(3.75)
  })

  test('behavior: no percentile is above the max (HDR buckets answer their top value)', () => {
    const h = new LatencyHistogram()
    h.recordMs(1082)
    const sum = h.summary()
    expect(sum.max).toBe(1082)
    expect(sum.p99_9).toBeLessThanOrEqual(sum.max)
    expect(sum.p50).toBeGreaterThan(1081)
  })

  test('behavior: kinds past the cap are counted under (other); nothing is lost', () => {
    const s = new RunStats()
    for (let i = 0; i < MAX_KINDS + 10; i++) s.observe(sent(i, 1, `k${i}`))
    const sum = s.summary('eof')
    expect(Object.keys(sum.by_kind)).toHaveLength(MAX_KINDS + 1)
    expect(sum.by_kind[OTHER_KINDS]!.sent).toBe(10)
    expect(Object.values(sum.by_kind).reduce((n, k) => n + k.sent, 0)).toBe(MAX_KINDS + 10)
  })

  test('behavior: progress events carry run totals and the window\'s rate and percentiles, then start a new window', () => {
    const s = new RunStats()
    const p = new ProgressReporter({ stats: s, receipts: true, intervalMs: 1_000 })
    for (const e of [sent(0, 2), sent(1, 4), receipt(0, 1_000, 'success', 21_000)]) {
      s.observe(e)
      p.observe(e)
    }
    const first = p.progress()
    expect(first).toMatchObject({ type: 'progress', sent: 2, failed: 0, included: 1, pending: 1 })
    expect(first.send_latency_ms.p99).toBe(4)
    expect(first.inclusion_latency_ms.p50).toBe(1_000)
    const second = p.progress()
    expect(second).toMatchObject({ sent: 2, included: 1, pending: 1, send_latency_ms: { p50: 0, p99: 0 }, inclusion_latency_ms: { p50: 0, p99: 0 } })
    expect(second.tps).toBe(0)
  })
})
