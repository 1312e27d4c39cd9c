import { describe, expect, test } from 'vitest'
import { MAX_BUCKETS, ReportBuilder } from '../../../src/report/analyze.js'
import { reportTable } from '../../../src/report/table.js'

const FROM = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const hash = (i: number) => `0x${i.toString(16).padStart(64, '0')}`
const T0 = 1_764_000_000_000

function log(seconds: number, perSecond: number): string[] {
  const lines: string[] = []
  let idx = 0
  for (let s = 0; s < seconds; s++) {
    for (let k = 0; k < perSecond; k++, idx++) {
      const start = T0 + s * 1000 + k
      lines.push(JSON.stringify({ version: 1, type: 'tx_result', idx, line: idx + 1, kind: idx % 2 ? 'a' : 'b', from: FROM, nonce: idx, tx_hash: hash(idx), start_timestamp_ms: start, send_ms: 2, attempts: 1 }))
      lines.push(JSON.stringify({ version: 1, type: 'tx_receipt', idx, line: idx + 1, kind: idx % 2 ? 'a' : 'b', tx_hash: hash(idx), block_number: s + 1, block_timestamp: T0 / 1000 + s, status: 'success', gas_used: 21_000, effective_gas_price: '1', inclusion_ms: 1_000 }))
    }
  }
  return lines
}

describe('ReportBuilder', () => {
  test('behavior: a long run keeps at most MAX_BUCKETS time buckets; totals and rates survive the merging', () => {
    const r = new ReportBuilder()
    for (const l of log(1_000, 3)) r.line(l)
    const report = r.finish()
    expect(report.timeline.length).toBeLessThanOrEqual(MAX_BUCKETS)
    expect(report.bucketMs).toBe(8_000)
    expect(report.timeline.reduce((s, p) => s + p.sent, 0)).toBe(3_000)
    expect(report.timeline.reduce((s, p) => s + p.included, 0)).toBe(3_000)
    // a steady 3 tx/s shows as 3 tx/s in every full bucket
    expect(report.timeline.slice(1, -2).every((p) => p.tps === 3 && p.included_tps === 3)).toBe(true)
    expect(report.figures).toMatchObject({ sent: 3_000, included: 3_000, gas_used: String(3_000 * 21_000) })
    expect(report.figures.inclusion_latency_ms.p99).toBe(1_000)
    expect(report.histogram.reduce((s, b) => s + b.inclusion, 0)).toBe(3_000)
    expect(report.histogram.reduce((s, b) => s + b.send, 0)).toBe(3_000)
  })

  test('behavior: the span starts at the earliest send, not at the first result written (results come out as sends complete)', () => {
    const r = new ReportBuilder()
    const result = (idx: number, start: number, sendMs: number) =>
      JSON.stringify({ version: 1, type: 'tx_result', idx, line: idx + 1, kind: 'a', from: FROM, nonce: idx, tx_hash: hash(idx), start_timestamp_ms: start, send_ms: sendMs, attempts: 1 })
    // idx 1 started 7 ms later than idx 0 but answered first
    r.line(result(1, T0 + 7, 3))
    r.line(result(0, T0, 40))
    r.line(result(2, T0 + 100, 5))
    const report = r.finish()
    expect(report.startedAt).toBe(T0)
    expect(report.figures.duration_ms).toBe(105)
  })

  test('behavior: non-event lines are counted and skipped; the table says the log has no summary', () => {
    const r = new ReportBuilder()
    for (const l of [...log(2, 2), 'oops', '[1,2]', '']) r.line(l)
    const report = r.finish()
    expect(report.ignored).toBe(2)
    const table = reportTable(report, 'x.jsonl')
    expect(table).toContain('the log has no summary line')
    expect(table).toMatch(/\n {2}sent +4 /)
    expect(table).toMatch(/\n {2}a +2 +0 +2 /)
  })

  test('behavior: a paced run\'s table says how far the sends fell behind their schedule', () => {
    const r = new ReportBuilder()
    for (const l of log(2, 2)) r.line(l)
    r.line(JSON.stringify({ version: 1, type: 'summary', sent: 4, failed: 0, invalid: 0, duration_ms: 2000, tps: 2, errors: {}, included: 4, reverted: 0, timed_out: 0, reason: 'eof', pacing: { target_tps: 1000, missed_slots: 1500, late_slots: 4, max_lag_ms: 812.5 } }))
    const table = reportTable(r.finish(), 'x.jsonl')
    expect(table).toContain('paced at 1,000 tx/s: 4 sends started > 10 ms after their slot (worst 813 ms), 1,500 slots missed')
  })
})
