import { describe, expect, test } from 'vitest'
import { parseReceipt, receiptEvent } from '../../../src/chain/receipts.js'
import { validateEvent } from '../../../src/events/schema.js'
import type { FloodgateEvent } from '../../../src/events/types.js'
import { RunStats } from '../../../src/metrics/runStats.js'

const FROM = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const hash = (i: number) => `0x${i.toString(16).padStart(64, '0')}` as const

/** A paced send that started `queued` ms after its slot was due and took `send_ms`. */
const paced = (idx: number, queued: number, send_ms: number): FloodgateEvent => ({
  version: 1, type: 'tx_result', idx, line: idx + 1, from: FROM, nonce: idx, tx_hash: hash(idx), start_timestamp_ms: 10_000 + queued, scheduled_timestamp_ms: 10_000, send_ms, attempts: 1,
})

describe('latency from the schedule', () => {
  test('behavior: the wait before a send is in the schedule-based figures, not the send-based ones', () => {
    const s = new RunStats(() => 0)
    // 98 sends on time, 2 that queued 2 s behind a stall
    for (let i = 0; i < 98; i++) s.observe(paced(i, 0, 2))
    s.observe(paced(98, 2_000, 2))
    s.observe(paced(99, 2_000, 2))
    const sum = s.summary('eof')
    expect(sum.send_latency_ms.max).toBeCloseTo(2, 1)
    expect(sum.scheduled_send_latency_ms!.max).toBeCloseTo(2_002, -1)
    expect(sum.scheduled_send_latency_ms!.p50).toBeCloseTo(2, 1)
  })

  test('behavior: an unpaced run has no schedule-based figures', () => {
    const s = new RunStats(() => 0)
    s.observe({ version: 1, type: 'tx_result', idx: 0, line: 1, from: FROM, nonce: 0, tx_hash: hash(0), start_timestamp_ms: 1, send_ms: 1, attempts: 1 })
    const sum = s.summary('eof')
    expect(sum.scheduled_send_latency_ms).toBeUndefined()
    expect(sum.scheduled_inclusion_latency_ms).toBeUndefined()
  })

  test('behavior: a tx_receipt carries tx_index and, for a paced tx, its inclusion from the schedule', () => {
    const r = { transactionHash: hash(1), blockNumber: '0x10', status: '0x1', gasUsed: '0x5208', effectiveGasPrice: '0x7', transactionIndex: '0x2a' }
    const e = receiptEvent({ ref: { idx: 1, line: 2, stage: 'warm' }, hash: hash(1), startMs: 10_050, scheduledMs: 10_000 }, parseReceipt(r), 'receipt', { timestamp: 5, seenMs: 11_000 })
    expect(e).toMatchObject({ idx: 1, stage: 'warm', block_number: 16, tx_index: 42, inclusion_ms: 950, scheduled_inclusion_ms: 1_000 })
    expect(validateEvent({ version: 1, ...e })).toEqual([])
    const plain = receiptEvent({ ref: { idx: 1, line: 2 }, hash: hash(1), startMs: 10_050 }, parseReceipt({ ...r, transactionIndex: null }), 'receipt', { timestamp: 5, seenMs: 11_000 })
    expect(plain).not.toHaveProperty('scheduled_inclusion_ms')
    expect(plain).not.toHaveProperty('tx_index')
  })
})
