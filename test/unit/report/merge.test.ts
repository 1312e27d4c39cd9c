import { describe, expect, test } from 'vitest'
import { LatencyHistogram } from '../../../src/metrics/latencyHistogram.js'
import { ReportBuilder } from '../../../src/report/analyze.js'
import { mergeReports } from '../../../src/report/merge.js'
import { reportHtml } from '../../../src/report/html.js'
import { reportTable } from '../../../src/report/table.js'

const FROM = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const hash = (i: number) => `0x${i.toString(16).padStart(64, '0')}`
const T0 = 1_764_000_000_000

/** A shard's log: `count` sends from `startMs`, each `sendMs` long and included `inclMs` later; idx from 0 in every log. */
function shardLog(shard: string | undefined, startMs: number, count: number, sendMs: number, inclMs: number): string {
  const lines: string[] = []
  const tag = shard !== undefined ? { shard } : {}
  for (let idx = 0; idx < count; idx++) {
    const start = startMs + idx * 10
    lines.push(JSON.stringify({ version: 1, type: 'tx_result', idx, line: idx + 1, from: FROM, nonce: idx, tx_hash: hash(idx), start_timestamp_ms: start, send_ms: sendMs, attempts: 1, ...tag }))
    lines.push(JSON.stringify({ version: 1, type: 'tx_receipt', idx, line: idx + 1, tx_hash: hash(idx), block_number: 1, block_timestamp: 1, status: 'success', gas_used: 21_000, effective_gas_price: '1', inclusion_ms: inclMs, ...tag }))
  }
  lines.push(JSON.stringify({ version: 1, type: 'summary', sent: count, failed: 0, invalid: 0, duration_ms: count * 10, tps: 100, errors: {}, included: count, reverted: 0, timed_out: 0, reason: 'eof', ...tag }))
  return lines.join('\n') + '\n'
}

const input = (text: string) => ({ open: async function* () { yield Buffer.from(text) } })

describe('mergeReports', () => {
  test('behavior: several logs merge into totals over the union, rates over its span, percentiles from all events (not averaged); a row per shard', async () => {
    // shard 1 started a second earlier than shard 0; shard 2 is slow to send and to include
    const logs = [
      { name: 'a.jsonl', ...input(shardLog('0/3', T0 + 1_000, 100, 2, 500)) },
      { name: 'b.jsonl', ...input(shardLog('1/3', T0, 100, 2, 500)) },
      { name: 'c.jsonl', ...input(shardLog('2/3', T0 + 1_000, 100, 40, 3_000)) },
    ]
    const r = await mergeReports(logs)
    expect(r.figures).toMatchObject({ sent: 300, included: 300, failed: 0, gas_used: String(300 * 21_000) })
    // the union's span: the first send (b, T0) to the last receipt (c: T0+1000 + 990 + 3000)
    expect(r.startedAt).toBe(T0)
    expect(r.figures.duration_ms).toBe(4_990)
    expect(r.figures.included_tps).toBe(Math.round((300 / 4_990) * 1000 * 100) / 100)
    // percentiles of the union: a third of sends took 40 ms, so p50 is 2 ms and p90 40 ms
    const send = new LatencyHistogram()
    for (let i = 0; i < 200; i++) send.recordMs(2)
    for (let i = 0; i < 100; i++) send.recordMs(40)
    expect(r.figures.send_latency_ms).toEqual(send.summary())
    const incl = new LatencyHistogram()
    for (let i = 0; i < 200; i++) incl.recordMs(500)
    for (let i = 0; i < 100; i++) incl.recordMs(3_000)
    expect(r.figures.inclusion_latency_ms).toEqual(incl.summary())
    expect(r.timeline.reduce((s, p) => s + p.included, 0)).toBe(300)
    expect(r.parts?.map((p) => [p.shard, p.figures.sent, p.figures.send_latency_ms.p50])).toEqual([
      ['0/3', 100, 2],
      ['1/3', 100, 2],
      ['2/3', 100, 40],
    ])
    const table = reportTable(r, 'a.jsonl b.jsonl c.jsonl')
    expect(table).toContain('(3 shards merged)')
    expect(table).toContain("by shard\n")
    expect(table).toMatch(/^ {2}2\/3 c\.jsonl +100 +0 +0 +100 /m)
    expect(table).not.toContain('differs')
    // the HTML page has the same rows
    const html = reportHtml(r, 'a.jsonl b.jsonl c.jsonl')
    const rows = /<table id="parts">([\s\S]*?)<\/table>/.exec(html)![1]!.match(/<tr><th>[^<]+<\/th><td>/g)
    expect(rows).toEqual(['<tr><th>0/3 a.jsonl</th><td>', '<tr><th>1/3 b.jsonl</th><td>', '<tr><th>2/3 c.jsonl</th><td>'])
  })

  test('behavior: tx_results that name their endpoint give a row per endpoint: latencies and errors of its own, inclusion matched by idx', async () => {
    const fast = shardLog(undefined, T0, 20, 2, 500).replace(/"type":"tx_result"/g, '"type":"tx_result","endpoint":"http://a/"')
    const slow = shardLog(undefined, T0, 20, 30, 900).replace(/"type":"tx_result"/g, '"type":"tx_result","endpoint":"http://b/"')
    const r = await mergeReports([{ name: 'fast', ...input(fast) }, { name: 'slow', ...input(slow) }])
    expect(r.endpoints?.map((e) => [e.endpoint, e.sent, e.included, e.send_latency_ms.p50, e.inclusion_latency_ms.p50])).toEqual([
      ['http://a/', 20, 20, 2, 500],
      ['http://b/', 20, 20, 30, 900],
    ])
    expect(reportTable(r, 'x')).toMatch(/by endpoint \(latency in ms\)\n.*\n {2}http:\/\/a\/ +20 +0 +20 +2\.00 /)
    expect(reportHtml(r, 'x')).toContain('<table id="endpoints">')
  })

  test('behavior: one log gives the same report as before (no per-log table); a concatenated log of shards gets its rows per shard', async () => {
    const one = shardLog(undefined, T0, 50, 2, 500)
    const b = new ReportBuilder()
    for (const l of one.split('\n')) b.line(l)
    const merged = await mergeReports([{ name: 'x', ...input(one) }])
    expect(merged).toEqual(b.finish())
    const cat = await mergeReports([{ name: 'all.jsonl', ...input(shardLog('0/2', T0, 10, 2, 500) + shardLog('1/2', T0, 10, 2, 500)) }])
    expect(cat.figures.included).toBe(20)
    expect(cat.parts?.map((p) => p.shard)).toEqual(['0/2', '1/2'])
  })
})
