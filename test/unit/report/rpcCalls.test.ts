import { describe, expect, test } from 'vitest'
import { endOfRunTable } from '../../../src/cli/endTable.js'
import { ReportBuilder } from '../../../src/report/analyze.js'
import { reportHtml } from '../../../src/report/html.js'
import { reportTable } from '../../../src/report/table.js'

const FROM = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const hash = (i: number) => `0x${i.toString(16).padStart(64, '0')}`

/** 4 sent txs and a summary with the given RPC figures. */
function log(rpc: Record<string, unknown>): string[] {
  const lines: unknown[] = []
  for (let i = 0; i < 4; i++) lines.push({ version: 1, type: 'tx_result', idx: i, line: i + 1, from: FROM, nonce: i, tx_hash: hash(i), start_timestamp_ms: 1_764_000_000_000 + i, send_ms: 1, attempts: 1 })
  lines.push({ version: 1, type: 'summary', sent: 4, failed: 0, not_sent: 0, invalid: 0, duration_ms: 1_000, tps: 4, errors: {}, send_latency_ms: {}, included: 0, reverted: 0, timed_out: 0, pending_at_stop: 0, inclusion_latency_ms: {}, included_tps: 0, gas_used: '0', by_kind: {}, backpressure_episodes: 0, worker_panics: 0, reason: 'eof', ...rpc })
  return lines.map((l) => JSON.stringify(l))
}

const report = (lines: string[]) => {
  const b = new ReportBuilder()
  for (const l of lines) b.line(l)
  return b.finish()
}

const RPC = { rpc_calls: { eth_sendRawTransaction: 5, eth_getBlockByNumber: 2, eth_getTransactionReceipt: 4, eth_chainId: 1 }, rpc_http_requests: 9, watch_calls_per_1k_txs: 1750 }

describe("the report's RPC calls (synthetic logs)", () => {
  test('behavior: the text report: the watch line, then every method with its calls per 1,000 txs sent, most first, and the HTTP requests', () => {
    const text = reportTable(report(log(RPC)), 'run.jsonl')
    const section = text.slice(text.indexOf('rpc calls'))
    // 7 calls but the sends over 4 txs
    expect(section).toContain('RPC calls to watch the chain: 7 (1,750.00 per 1,000 txs)\n')
    expect(section).toMatch(/eth_sendRawTransaction\s+5\s+1,250\.00\n\s+eth_getTransactionReceipt\s+4\s+1,000\.00\n\s+eth_getBlockByNumber\s+2\s+500\.00\n\s+eth_chainId\s+1\s+250\.00\n\s+all\s+12\s+3,000\.00\n/)
    expect(section).toContain('in 9 HTTP requests')
  })

  test('behavior: the HTML report has the same table', () => {
    const html = reportHtml(report(log(RPC)), 'run.jsonl')
    expect(html).toContain('RPC calls to watch the chain: 7 (1,750 per 1,000 txs)')
    expect(html).toContain('<tr><th>eth_getTransactionReceipt</th><td>4</td><td>1,000</td></tr>')
  })

  test('behavior: the end-of-run table on a terminal: the one line, no table per method', () => {
    let out = ''
    const t = endOfRunTable({ isTTY: true, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream)
    for (const l of log(RPC)) for (const o of t.observers) o(JSON.parse(l))
    t.print('this run')
    expect(out).toContain('RPC calls to watch the chain: 7 (1,750.00 per 1,000 txs)')
    expect(out).not.toContain('eth_getTransactionReceipt')
  })

  test('behavior: a log without rpc_calls (an older floodgate) has no section', () => {
    const r = report(log({}))
    expect(r.rpc).toBeUndefined()
    expect(reportTable(r, 'old.jsonl')).not.toContain('rpc calls')
  })

  test('error: a tampered log: a count that is not one is left out, a method name reaches the HTML escaped, and the report does not throw', () => {
    const evil = '<img src=x onerror=alert(1)>'
    const r = report(log({ rpc_calls: { eth_chainId: 1, [evil]: 3, eth_call: 'many', eth_getLogs: -2 }, rpc_http_requests: 4 }))
    expect(r.rpc?.methods.map((m) => m.method)).toEqual([evil, 'eth_chainId'])
    const html = reportHtml(r, 'evil.jsonl')
    expect(html).not.toContain(evil)
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;')
    // rpc_calls not an object: not an event of the schema's types, so not the summary
    expect(report(log({ rpc_calls: [1, 2] })).rpc).toBeUndefined()
  })
})
