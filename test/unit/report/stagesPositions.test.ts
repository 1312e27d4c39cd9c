import { describe, expect, test } from 'vitest'
import { ReportBuilder } from '../../../src/report/analyze.js'
import { reportTable } from '../../../src/report/table.js'

const FROM = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const hash = (i: number) => `0x${i.toString(16).padStart(64, '0')}`
const T0 = 1_764_000_000_000

/** A staged run's log: stage a at 10 tx/s for 2 s (scenarios x and y, 3 to 1), stage b 4 per block for 1 s; a tx sent in second s lands in block s + 1. */
function stagedLog(): string[] {
  const lines: string[] = []
  let idx = 0
  const send = (stage: string, at: number, kind: string, index: number, blockTxs: number) => {
    lines.push(JSON.stringify({ version: 1, type: 'tx_result', idx, line: idx + 1, kind, stage, from: FROM, nonce: idx, tx_hash: hash(idx), start_timestamp_ms: at + 5, scheduled_timestamp_ms: at, send_ms: 2, attempts: 1 }))
    lines.push(JSON.stringify({ version: 1, type: 'tx_receipt', idx, line: idx + 1, kind, stage, tx_hash: hash(idx), block_number: Math.floor((at - T0) / 1000) + 1, block_timestamp: 1, status: 'success', gas_used: 21_000, effective_gas_price: '1', inclusion_ms: 900, scheduled_inclusion_ms: 905, tx_index: index, block_tx_count: blockTxs }))
    idx++
  }
  for (let k = 0; k < 20; k++) send('a', T0 + k * 100, k % 4 === 3 ? 'y/t' : 'x/t', k % 10, 20)
  for (let k = 0; k < 4; k++) send('b', T0 + 2_000 + k * 250, 'y', k, 4)
  lines.push(JSON.stringify({ version: 1, type: 'summary', sent: 24, failed: 0, invalid: 0, duration_ms: 3000, tps: 8, errors: {}, included: 24, reverted: 0, timed_out: 0, reason: 'eof', pacing: { target_tps: 8, missed_slots: 0, late_slots: 0, max_lag_ms: 0, stages: [{ name: 'a', duration_ms: 2000, from_tps: 10, to_tps: 10 }, { name: 'b', duration_ms: 1000, per_block: 4 }] } }))
  return lines
}

describe('report: stages and positions', () => {
  test('behavior: each stage its target, achieved rate, mix by scenario (kind prefix), schedule-based latency', () => {
    const b = new ReportBuilder()
    for (const l of stagedLog()) b.line(l)
    const r = b.finish()
    expect(r.stages.map((s) => [s.name, s.target, s.sent, s.tps])).toEqual([['a', '10 tx/s', 20, 10], ['b', '4/block', 4, 4]])
    expect(r.stages[0]!.shares).toEqual({ x: 75, y: 25 })
    expect(r.stages[0]!.scheduled_send_latency_ms.max).toBeCloseTo(7, 0)
    expect(r.figures.scheduled_inclusion_latency_ms!.max).toBeCloseTo(905, -1)
    const table = reportTable(r, 'log')
    expect(table).toContain('stages')
    expect(table).toMatch(/a\s+10 tx\/s\s+20\s+10\.00/)
  })

  test('behavior: where our txs landed: tx_index percentiles, and our share of the blocks holding them', () => {
    const b = new ReportBuilder()
    for (const l of stagedLog()) b.line(l)
    const p = b.finish().positions!
    // blocks 1 and 2: 10 of ours in 20 each (50 %); block 3: 4 of 4 (100 %)
    expect(p).toMatchObject({ txs: 24, blocks: 3, share: { min: 50, max: 100, overall: 54.5 } })
    expect(p.index.max).toBe(9)
    expect(p.first_pct).toBeCloseTo((100 * 3) / 24, 0)
    expect(reportTable(b.finish(), 'log')).toContain('position in the block')
  })
})
