import { describe, expect, test } from 'vitest'
import { ReportBuilder } from '../../../src/report/analyze.js'
import { economicsRows } from '../../../src/report/economics.js'
import { reportHtml } from '../../../src/report/html.js'
import { mergeReports } from '../../../src/report/merge.js'
import { reportTable } from '../../../src/report/table.js'

const FROM = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const hash = (i: number) => `0x${i.toString(16).padStart(64, '0')}`
const GWEI = 10n ** 9n

/** A small log: 3 blocks whose base fee doubles, 3 transfers of 1 gwei each, and a summary with the given funding. */
function log(funding: unknown, o: { value?: unknown; shard?: string } = {}): string[] {
  const lines: unknown[] = []
  for (let i = 0; i < 3; i++) {
    lines.push({ version: 1, type: 'block', number: i + 1, timestamp: 100 + i, tx_count: 1, ours: 1, gas_used: 21_000, gas_limit: 30_000_000, base_fee_per_gas: String(GWEI << BigInt(i)), backlog: 0 })
    lines.push({ version: 1, type: 'tx_result', idx: i, line: i + 1, from: FROM, nonce: i, tx_hash: hash(i), start_timestamp_ms: 1_764_000_000_000 + i, send_ms: 1, attempts: 1 })
    lines.push({ version: 1, type: 'tx_receipt', idx: i, line: i + 1, tx_hash: hash(i), block_number: i + 1, block_timestamp: 100 + i, status: 'success', gas_used: 21_000, effective_gas_price: String(GWEI), value: o.value ?? String(GWEI), inclusion_ms: 700 })
  }
  lines.push({ version: 1, type: 'summary', sent: 3, failed: 0, invalid: 0, duration_ms: 3_000, tps: 1, errors: {}, send_latency_ms: {}, included: 3, reverted: 0, timed_out: 0, inclusion_latency_ms: {}, included_tps: 1, gas_used: '63000', by_kind: {}, backpressure_episodes: 0, worker_panics: 0, reason: 'eof', ...(funding !== undefined ? { funding } : {}) })
  return lines.map((l) => JSON.stringify(o.shard ? { ...(l as object), shard: o.shard } : l))
}

function report(lines: string[]) {
  const b = new ReportBuilder()
  for (const l of lines) b.line(l)
  return b.finish()
}

const FUNDING = { sent_wei: String(10n ** 17n), top_ups: 2, top_up_wei: String(10n ** 16n), funder_balance_wei: String(5n * 10n ** 18n), runway_s: 4_000 }

describe('the report\'s funds and fees (synthetic logs)', () => {
  test('behavior: the text report shows what the pool spent (recomputed from the receipts), what the funder sent, top-ups, runway, and the base fee\'s growth', () => {
    const text = reportTable(report(log(FUNDING)), 'run.jsonl')
    const section = text.slice(text.indexOf('funds and fees'))
    // 3 × (21,000 gas × 1 gwei + 1 gwei)
    expect(section).toMatch(/pool spent \(fees \+ value moved\)\s+0\.000063003 ETH \(fees 0\.000063 \+ value 0\.000000003\)\n/)
    expect(section).toMatch(/spend rate, last minute of blocks\s+0\.000021001 ETH\/s\n/)
    expect(section).toMatch(/funder sent \(initial \+ top-ups\)\s+0\.1 ETH\n/)
    expect(section).toMatch(/top-ups during the run\s+2 \(0\.01 ETH\)\n/)
    expect(section).toMatch(/funder balance, last read\s+5 ETH\n/)
    expect(section).toMatch(/funder runway at the spend rate\s+1 h 6 min\n/)
    expect(section).toMatch(/base fee first \/ peak \/ last\s+1 \/ 4 \/ 4 gwei\n/)
    expect(section).toMatch(/base fee growth\s+×4 in 2 s \(×1\.15e\+18 per minute\)\n/)
  })

  test('behavior: a log without a funding figure shows the spend and says nothing of the funder; one without receipts or blocks has no section', () => {
    const rows = economicsRows(report(log(undefined)).figures).map(([label]) => label)
    expect(rows).toContain('pool spent (fees + value moved)')
    expect(rows.some((l) => l.startsWith('funder'))).toBe(false)
    expect(reportTable(report([]), 'empty')).not.toContain('funds and fees')
  })

  test('error: a tampered log: a funding figure that is not a number drops (the whole object when a required one), a receipt with a non-decimal value is not an event, nothing of it reaches the HTML raw, and the report does not throw', () => {
    const evil = '<img src=x onerror=alert(1)>'
    const dropped = report(log({ ...FUNDING, sent_wei: evil }, { value: `<svg onload=alert(2)>` }))
    expect(dropped.figures.funding).toBeUndefined()
    // a receipt whose value is not a decimal is not an event (a field of the wrong type): the
    // report counts it among the lines that are not events, and spends nothing of it
    expect(dropped.ignored).toBe(3)
    expect(dropped.figures.spend).toBeUndefined()
    const partly = report(log({ ...FUNDING, funder_balance_wei: 1.5, runway_s: evil }))
    expect(partly.figures.funding).toEqual({ sent_wei: FUNDING.sent_wei, top_ups: 2, top_up_wei: FUNDING.top_up_wei })
    for (const r of [dropped, partly]) {
      const html = reportHtml(r, 'run.jsonl')
      expect(html).not.toContain('alert(1)')
      expect(html).not.toContain('alert(2)')
      const funds = /<table id="funds">([\s\S]*?)<\/table>/.exec(html)![1]!
      // every cell is a label or a figure: no markup in it
      for (const [, cell] of funds.matchAll(/<t[hd]>([^]*?)<\/t[hd]>/g)) expect(cell).toMatch(/^[\w ,.()/+×÷:-]*$/)
    }
    expect(reportHtml(partly, 'x')).toContain('<th>funder runway at the spend rate</th><td>not known</td>')
  })

  test('behavior: several logs (shards) merged: what their funders sent is summed; balances and runways, each log\'s own, are not', async () => {
    const open = (lines: string[]) => () => (async function* () {
      yield lines.join('\n')
    })()
    const r = await mergeReports([
      { name: 'a', open: open(log(FUNDING, { shard: '0/2' })) },
      { name: 'b', open: open(log({ ...FUNDING, top_ups: 1 }, { shard: '1/2' })) },
    ])
    expect(r.figures.funding).toEqual({ sent_wei: String(2n * 10n ** 17n), top_ups: 3, top_up_wei: String(2n * 10n ** 16n) })
  })
})
