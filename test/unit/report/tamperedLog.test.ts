/** A tampered log: its fields of the wrong type are not events, its names reach neither the terminal nor the page as code (issue 23, defect 5). */
import { describe, expect, test } from 'vitest'
import { ReportBuilder } from '../../../src/report/analyze.js'
import { reportHtml } from '../../../src/report/html.js'
import { reportTable } from '../../../src/report/table.js'

const FROM = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const hash = (i: number) => `0x${i.toString(16).padStart(64, '0')}`
const T0 = 1_764_000_000_000
const XSS = '<img src=x onerror=alert(1)>'

function tamperedLog(): string[] {
  const ok = [0, 1].flatMap((idx) => [
    { version: 1, type: 'tx_result', idx, line: idx + 1, kind: 'ok', from: FROM, nonce: idx, tx_hash: hash(idx), start_timestamp_ms: T0 + idx, send_ms: 2, attempts: 1 },
    { version: 1, type: 'tx_receipt', idx, line: idx + 1, kind: 'ok', tx_hash: hash(idx), block_number: 1, block_timestamp: T0 / 1000, status: 'success', gas_used: 21_000, effective_gas_price: '1', inclusion_ms: 900, tx_index: idx, block_tx_count: 2 },
  ])
  return [
    ...ok.map((e) => JSON.stringify(e)),
    // a kind with a terminal escape sequence (it is a string, so it passes the schema)
    JSON.stringify({ version: 1, type: 'tx_result', idx: 2, line: 3, kind: 'evil\u001b]0;pwned\u0007\u001b[31m', from: FROM, nonce: 2, tx_hash: hash(2), start_timestamp_ms: T0 + 2, send_ms: 2, attempts: 1 }),
    // fields of the wrong type: a string tx_index, a non-numeric base fee, a string tps
    JSON.stringify({ version: 1, type: 'tx_receipt', idx: 2, line: 3, tx_hash: hash(2), block_number: 1, block_timestamp: T0 / 1000, status: 'success', gas_used: 21_000, effective_gas_price: '1', inclusion_ms: 900, tx_index: XSS, block_tx_count: 3 }),
    JSON.stringify({ version: 1, type: 'block', number: 1, timestamp: T0 / 1000, tx_count: 3, ours: 3, gas_used: 63_000, gas_limit: 30_000_000, backlog: 0, base_fee_per_gas: 'abc' }),
    JSON.stringify({ version: 1, type: 'summary', sent: 3, failed: 0, invalid: 0, duration_ms: 1_000, tps: XSS, errors: {}, send_latency_ms: { p50: 2, p90: 2, p99: 2, p99_9: 2, max: 2 }, reason: 'eof' }),
  ]
}

describe('report: a tampered log', () => {
  const r = new ReportBuilder()
  for (const l of tamperedLog()) r.line(l)
  const report = r.finish()

  test('behavior: lines whose fields have the wrong type are not events (counted, not crashed on); the rest is reported', () => {
    expect(report.figures).toMatchObject({ sent: 3, included: 2 })
    expect(report.ignored).toBe(3)
  })

  test('security: the text report carries no control character from a kind (no terminal escape sequence)', () => {
    const text = reportTable(report, 'run.jsonl')
    expect(text).toContain('evil]0;pwned[31m')
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/)
  })

  test('security: the HTML page holds no markup from the log, and its CSP lets only its own two scripts run', () => {
    const html = reportHtml(report, 'run.jsonl')
    expect(html).not.toContain('<img')
    expect(html).not.toContain('onerror=alert')
    const csp = /Content-Security-Policy" content="([^"]*)"/.exec(html)![1]!
    const scriptSrc = /script-src ([^;]*);/.exec(csp)![1]!
    expect(scriptSrc).not.toContain('unsafe-inline')
    expect(scriptSrc.split(' ').map((s) => s.slice(0, 8))).toEqual(["'sha256-", "'sha256-"])
  })
})
