import { describe, expect, test } from 'vitest'
import { ReportBuilder } from '../../../src/report/analyze.js'
import { reportHtml } from '../../../src/report/html.js'
import { reportTable } from '../../../src/report/table.js'

const FROM = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const hash = (i: number) => `0x${i.toString(16).padStart(64, '0')}`
const T0 = 1_764_000_000_000
const line = (o: object) => JSON.stringify({ version: 1, ...o })
const sent = (idx: number) => line({ type: 'tx_result', idx, line: idx + 1, from: FROM, nonce: idx, tx_hash: hash(idx), start_timestamp_ms: T0 + idx, send_ms: 2, attempts: 1 })
const receipt = (idx: number) => line({ type: 'tx_receipt', idx, line: idx + 1, tx_hash: hash(idx), block_number: 1, block_timestamp: T0 / 1000, status: 'success', gas_used: 21_000, effective_gas_price: '1', inclusion_ms: 900 })
const stopped = (idx: number) => line({ type: 'tx_timeout', idx, line: idx + 1, tx_hash: hash(idx), pending: true, waited_ms: 500, reason: 'run_stopped' })
const block = line({ type: 'block', number: 1, timestamp: T0 / 1000, tx_count: 2, ours: 2, gas_used: 42_000, gas_limit: 30_000_000, base_fee_per_gas: '7', backlog: 2 })

/** A `--duration` run of 4 sends (2 included, 2 pending at the stop) and 3 specs not sent. */
function durationLog(summary: object): string[] {
  const notSent = [4, 5, 6].map((idx) => line({ type: 'tx_result', idx, line: idx + 1, from: FROM, nonce: null, start_timestamp_ms: T0 + 50, send_ms: 0, attempts: 0, status: 'not_sent' }))
  return [block, sent(0), sent(1), sent(2), sent(3), receipt(0), receipt(1), ...notSent, stopped(2), stopped(3), line({ type: 'summary', ...summary })]
}

const SUMMARY = { sent: 4, failed: 0, not_sent: 3, invalid: 0, duration_ms: 2000, tps: 2, errors: {}, included: 2, reverted: 0, timed_out: 0, pending_at_stop: 2, reason: 'duration', capacity: { tps: 123.4, gas_per_s: 2_591_400 } }

function report(lines: string[]) {
  const r = new ReportBuilder()
  for (const l of lines) r.line(l)
  return r.finish()
}

describe('report of a stopped run', () => {
  test('behavior: specs not sent and txs pending at the stop are shown apart, not as failed, errors or timed out; the text matches the summary', () => {
    const r = report(durationLog(SUMMARY))
    expect(r.figures).toMatchObject({ sent: 4, failed: 0, not_sent: 3, errors: {}, included: 2, timed_out: 0, pending_at_stop: 2 })
    const t = reportTable(r, 'run.jsonl')
    expect(t).toMatch(/\n {2}failed +0\n/)
    expect(t).toMatch(/\n {2}not sent \(run stopped\) +3\n/)
    expect(t).toMatch(/\n {2}timed out +0\n/)
    expect(t).toMatch(/\n {2}pending at stop +2\n/)
    expect(t).toMatch(/errors by code\n {2}none\n/)
    expect(t).not.toContain('differs')
    // the timeline has the 4 sends, nothing failed
    expect(r.timeline.reduce((s, p) => s + p.sent, 0)).toBe(4)
    expect(r.timeline.reduce((s, p) => s + p.failed, 0)).toBe(0)
  })

  test('behavior: the HTML shows not sent and pending at stop as plain rows, no error bar, and the capacity found', () => {
    const html = reportHtml(report(durationLog(SUMMARY)), 'run.jsonl')
    expect(html).toContain('<tr><th>not sent (run stopped)</th><td>3</td>')
    expect(html).toContain('<tr><th>pending at stop</th><td>2</td>')
    expect(html).toContain('<tr><th>failed</th><td>0</td>')
    expect(html).toContain('<p id="capacity">capacity found: 123.4 tx/s of ours, 2,591,400 gas/s</p>')
    const data = JSON.parse(/<script id="report-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!) as { errors: unknown[] }
    expect(data.errors).toEqual([])
  })

  test('behavior: without a capacity in the summary, the HTML has no capacity line', () => {
    const { capacity: _c, ...plain } = SUMMARY
    expect(reportHtml(report(durationLog(plain)), 'run.jsonl')).not.toContain('capacity found')
  })

  test('behavior: a log written before not_sent and pending_at_stop (its timed_out counted the stop) is not said to differ', () => {
    const { not_sent: _n, pending_at_stop: _p, ...old } = SUMMARY
    const t = reportTable(report(durationLog({ ...old, timed_out: 2 })), 'old.jsonl')
    expect(t).not.toContain('differs')
    // and a summary that truly differs still says so
    expect(reportTable(report(durationLog({ ...SUMMARY, pending_at_stop: 1 })), 'x.jsonl')).toContain('differs from its events on pending_at_stop')
  })
})
