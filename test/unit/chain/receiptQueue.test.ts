import { describe, expect, test } from 'vitest'
import type { Pending } from '../../../src/chain/pendingTxs.js'
import { DEFAULT_RECEIPT_PACE, ReceiptQueue, receiptDuty } from '../../../src/chain/receiptQueue.js'
import { keyOf } from '../../../src/base/key.js'
import { hashOf } from '../../helpers/fakeChain.js'

const tx = (i: number, deadline = Infinity): Pending => ({ ref: { idx: i, line: i + 1 }, hash: keyOf(hashOf(i)), startMs: 0, deadline })
const at = (number: number) => ({ number, timestamp: 1_700_000_000 + number, seenMs: 0, txCount: 10 })

describe('ReceiptQueue', () => {
  test('behavior: oldest block first (a late tx_result\'s older block goes before), at most `max` of one block per take; a failed take goes back to the front', () => {
    const q = new ReceiptQueue()
    q.add(at(5), tx(0))
    q.add(at(5), tx(1))
    q.add(at(7), tx(2))
    q.add(at(4), tx(3))
    expect(q.count).toBe(4)
    expect(q.take(10)).toMatchObject({ block: { number: 4 }, txs: [{ hash: hashOf(3) }] })
    const w = q.take(1)!
    expect(w).toMatchObject({ block: { number: 5 }, txs: [{ hash: hashOf(0) }] })
    q.putBack(w)
    expect(q.take(10)!.txs.map((p) => p.ref.idx)).toEqual([0, 1])
    const last = q.take(10)!
    q.putBack(last)
    expect(q.take(10)).toMatchObject({ block: { number: 7 }, txs: [{ hash: hashOf(2) }] })
    expect(q.take(10)).toBeUndefined()
    expect(q.count).toBe(0)
  })

  test('behavior: takeDue takes the txs past their deadline out of every block; takeAll the rest', () => {
    const q = new ReceiptQueue()
    q.add(at(1), tx(0, 10))
    q.add(at(1), tx(1, 30))
    q.add(at(2), tx(2, 5))
    expect(q.takeDue(20).map((p) => p.ref.idx)).toEqual([0, 2])
    expect(q.count).toBe(1)
    expect(q.takeAll().map((p) => p.ref.idx)).toEqual([1])
    expect(q.oldestQueuedAt()).toBeUndefined()
  })

  test('behavior: wait resolves once something is queued, or at once when something is', async () => {
    const q = new ReceiptQueue()
    const stop = new AbortController()
    let woke = false
    const waiting = q.wait(stop.signal).then(() => (woke = true))
    await Promise.resolve()
    expect(woke).toBe(false)
    q.add(at(1), tx(0))
    await waiting
    expect(woke).toBe(true)
    await q.wait(stop.signal)
  })
})

describe('receiptDuty', () => {
  const pace = { ...DEFAULT_RECEIPT_PACE, minDuty: 0.2, fullAgeMs: 10_000, maxQueued: 1_000, busyMs: 500 }
  test('behavior: full speed with no sends in the last busyMs or a full queue; else minDuty, rising with the oldest block\'s age to 1', () => {
    const now = 100_000
    expect(receiptDuty(pace, { now, lastSendAt: now - 500, oldestQueuedAt: now, queued: 1 })).toBe(1)
    expect(receiptDuty(pace, { now, lastSendAt: now, oldestQueuedAt: now, queued: 1_000 })).toBe(1)
    expect(receiptDuty(pace, { now, lastSendAt: now, oldestQueuedAt: undefined, queued: 0 })).toBe(0.2)
    expect(receiptDuty(pace, { now, lastSendAt: now, oldestQueuedAt: now - 5_000, queued: 10 })).toBeCloseTo(0.6)
    expect(receiptDuty(pace, { now, lastSendAt: now, oldestQueuedAt: now - 20_000, queued: 10 })).toBe(1)
  })
})
