import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { NonceLedger } from '../../../src/sender/nonceLedger.js'

const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`
const tx = (n: number, raw: Hex = '0x02f86c') => ({ hash: hash(n), raw, idx: n })

/** A ledger at `next` that accepted txs at next … next + count - 1. */
function ledgerWith(count: number, next = 0): NonceLedger {
  const l = new NonceLedger(true)
  l.next = next
  for (let i = 0; i < count; i++) l.accepted(l.take(1), 1, tx(next + i))
  return l
}

describe('NonceLedger', () => {
  test('behavior: take advances next by one; accepted remembers the tx (bytes, hash, idx, id) by nonce until mined', () => {
    const l = new NonceLedger(true)
    l.next = 5
    l.accepted(l.take(1), 1, { hash: hash(1), raw: '0xaa', idx: 3, id: 'x' })
    expect(l.next).toBe(6)
    expect(l.counted).toBe(6)
    expect([...l.unmined]).toEqual([[5, { hash: hash(1), raw: '0xaa', idx: 3, id: 'x' }]])
  })

  test('behavior: a ledger that does not keep (dry runs, gap checks off) only advances', () => {
    const l = new NonceLedger(false)
    l.next = 0
    l.accepted(l.take(1), 1, tx(0))
    expect(l.next).toBe(1)
    expect(l.unmined.size).toBe(0)
  })

  test('behavior: blob-sized signed bytes are not kept for rebroadcast; the hash and idx are', () => {
    const l = new NonceLedger(true)
    l.next = 0
    const blob = `0x03${'ab'.repeat(32 * 1024)}` as Hex
    l.accepted(l.take(1), 1, tx(0, blob))
    expect(l.unmined.get(0)).toEqual({ hash: hash(0), idx: 0 })
  })

  test('behavior: a refused top nonce lowers next; one below later nonces becomes a gap that the next take fills first', () => {
    const l = new NonceLedger(true)
    l.next = 10
    const [a, b, c, d] = [l.take(1), l.take(1), l.take(1), l.take(1)] // 10..13 in flight
    expect(l.next).toBe(14)
    l.release(d) // the top one: next goes back
    expect(l.next).toBe(13)
    l.release(a) // below 11 and 12: a gap
    l.release(b)
    expect(l.gaps).toEqual([10, 11])
    expect(l.upcoming).toBe(10)
    expect(l.take(1)).toBe(10)
    expect(l.gaps).toEqual([11])
    l.release(c) // 12 was the top: next falls to 12, then through the gap at 11
    expect(l.next).toBe(11)
    expect(l.gaps).toEqual([])
    expect(l.take(1)).toBe(11)
  })

  test('behavior: a self-authorized set-code tx (step 2) takes from next, never a gap; forget drops the gaps with the nonce', () => {
    const l = new NonceLedger(true)
    l.next = 0
    const [a] = [l.take(1), l.take(1)]
    l.release(a)
    expect(l.take(2)).toBe(2)
    expect(l.next).toBe(4)
    expect(l.gaps).toEqual([0])
    l.release(2, 2) // refused: both of its nonces come back
    expect(l.next).toBe(2)
    l.forget()
    expect(l.gaps).toEqual([])
    l.release(1) // ignored after forget: the node's count decides
    expect(l.next).toBeUndefined()
  })

  test('behavior: forget drops the next nonce (read again from the node) and keeps the unmined txs for gap checks', () => {
    const l = ledgerWith(2)
    l.forget()
    expect(l.next).toBeUndefined()
    expect(l.counted).toBeUndefined()
    expect([...l.unmined.keys()]).toEqual([0, 1])
  })

  test('behavior: minedBelow forgets exactly the txs below the mined nonce', () => {
    const l = ledgerWith(4, 10)
    l.minedBelow(12)
    expect([...l.unmined.keys()]).toEqual([12, 13])
    l.minedBelow(0)
    expect([...l.unmined.keys()]).toEqual([12, 13])
    l.minedBelow(100)
    expect(l.unmined.size).toBe(0)
  })

  test('behavior: at most 4,096 unmined txs are remembered; the lowest nonce goes first', () => {
    const l = ledgerWith(4_097)
    expect(l.unmined.size).toBe(4_096)
    expect(l.unmined.has(0)).toBe(false)
    expect(l.unmined.has(1)).toBe(true)
    expect(l.unmined.has(4_096)).toBe(true)
  })

  test('behavior: sends of a window answered out of order are kept in nonce order (what gap checks and minedBelow read)', () => {
    const l = new NonceLedger(true)
    for (const n of [2, 5, 0, 3, 1, 4]) l.remember(n, { hash: hash(n), idx: n })
    expect([...l.unmined.keys()]).toEqual([0, 1, 2, 3, 4, 5])
    expect(l.afterUnmined).toBe(6)
    l.minedBelow(3)
    expect([...l.unmined.keys()]).toEqual([3, 4, 5])
  })

  // a filler (GapFiller.fill, through the window) is remembered for a gap whose tx was already evicted (more than 4,096 unmined)
  test('behavior: a gap filler remembered for a nonce the ledger had already evicted keeps nonce order: the oldest is evicted, and it is forgotten once mined', () => {
    const l = ledgerWith(4_097) // nonce 0 evicted
    l.remember(0, { hash: hash(99), raw: '0x02f8', idx: -1 }) // the filler at the gap
    expect(l.unmined.has(1)).toBe(true)
    l.minedBelow(1)
    expect(l.unmined.has(0)).toBe(false)
  })

  test('behavior: a self-authorized set-code tx advances by two; until it is mined the node counts one nonce less', () => {
    const l = ledgerWith(1)
    l.accepted(l.take(2), 2, tx(1))
    expect(l.next).toBe(3)
    expect(l.mineFirst).toBe(3)
    expect(l.counted).toBe(2)
    l.mineFirst = undefined // the sender saw it mined
    expect(l.counted).toBe(3)
  })

  test('behavior: checkSoon makes the next gap check due at once', () => {
    const l = new NonceLedger(true)
    l.nextCheck = performance.now() + 10_000
    l.checkSoon()
    expect(l.nextCheck).toBeLessThanOrEqual(performance.now())
  })

  test('behavior: a resync never takes a nonce a look saw mined for a gap (the node\'s pending count may lag it)', () => {
    const l = ledgerWith(3)
    // the node says pending 0 (its count lags), but a look saw nonce 1 mined: only nonces from 1 up may be gaps
    l.minedBelow(1)
    l.unmined.delete(1) // the send at nonce 1 ended without the node's word, and the node lacks it
    l.forget()
    l.resume(0)
    expect(l.gaps).toEqual([1])
    expect(l.next).toBe(3)
  })
})
