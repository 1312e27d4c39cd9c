import { describe, expect, test } from 'vitest'
import { PendingTxs, type PendingTxsOptions, type SeenBlock } from '../../../src/chain/pendingTxs.js'
import { keyOf } from '../../../src/base/key.js'
import { hashOf, sentOf, txResult } from '../../helpers/fakeChain.js'

const key = (i: number) => keyOf(hashOf(i))

const table = (o: { timeoutMs?: number; recentWindowMs?: number; recentHashCap?: number; onIncluded?: PendingTxsOptions['onIncluded'] } = {}) =>
  new PendingTxs({ timeoutMs: o.timeoutMs ?? 1_000, recentWindowMs: o.recentWindowMs ?? 30_000, recentHashCap: o.recentHashCap ?? 1_000, ...(o.onIncluded ? { onIncluded: o.onIncluded } : {}) })
const block = (number: number, ...hashes: string[]): SeenBlock => ({ number, timestamp: 1_700_000_000 + number, readAt: performance.now(), hashes: hashes.map((h) => keyOf(h)) })

describe('PendingTxs', () => {
  test('behavior: a tx is pending under its lowercase hash, with the spec it came from; a second tx_result for it changes nothing', () => {
    const t = table()
    const upper = `0x${hashOf(0).slice(2).toUpperCase()}` as const
    t.add(sentOf(txResult(3, upper, { id: 'x', kind: 'transfer', start_timestamp_ms: 42 })))
    t.add(sentOf(txResult(9, hashOf(0))))
    expect(t.size).toBe(1)
    expect(t.get(key(0))).toMatchObject({ ref: { idx: 3, line: 4, id: 'x', kind: 'transfer' }, hash: hashOf(0), startMs: 42 })
    expect(t.has(keyOf(upper))).toBe(true) // the node's or the event's spelling: one key
  })

  test('behavior: takeDue gives the txs past their deadline, oldest first, and removes them', () => {
    const t = table({ timeoutMs: 100 })
    for (let i = 0; i < 3; i++) t.add(sentOf(txResult(i, hashOf(i))))
    expect(t.takeDue(performance.now())).toEqual([])
    expect(t.takeDue(performance.now() + 100).map((p) => p.ref.idx)).toEqual([0, 1, 2])
    expect(t.size).toBe(0)
    t.add(sentOf(txResult(5, hashOf(5))))
    expect(t.takeAll().map((p) => p.ref.idx)).toEqual([5])
    expect(t.size).toBe(0)
  })

  test('behavior: a tx added after a block holding it was read is included at once, with that block, and leaves the table', () => {
    const included: [number, number][] = []
    const t = table({ onIncluded: (p, b) => included.push([p.ref.idx, b.number]) })
    t.remember(block(7, hashOf(0), hashOf(1)))
    t.add(sentOf(txResult(0, hashOf(0))))
    t.add(sentOf(txResult(2, hashOf(2))))
    expect(included).toEqual([[0, 7]])
    expect(t.size).toBe(1)
    expect(t.get(key(0))).toBeUndefined()
    t.rehash(hashOf(2), hashOf(1)) // its replacement is in block 7
    expect(included).toEqual([
      [0, 7],
      [2, 7],
    ])
    expect(t.size).toBe(0)
  })

  test('behavior: include takes a tx out of the table (no deadline, no second match) saying which hash was mined; reinstate brings it back with a fresh deadline', () => {
    const t = table({ timeoutMs: 100 })
    t.add(sentOf(txResult(0, hashOf(0))))
    t.rehash(hashOf(0), hashOf(1))
    t.add(sentOf(txResult(2, hashOf(2))))
    const p = t.get(key(0))!
    t.include(p, key(0))
    expect(p.minedHash).toBe(hashOf(0))
    expect(t.get(key(0))).toBeUndefined()
    expect(t.get(key(1))).toBeUndefined()
    expect(t.takeDue(performance.now() + 150).map((x) => x.ref.idx)).toEqual([2])
    t.reinstate(p)
    expect(p.minedHash).toBeUndefined()
    expect(t.get(key(1))).toBe(p)
    expect(t.takeDue(performance.now() + 50)).toEqual([])
    expect(t.takeDue(performance.now() + 150)).toEqual([p])
  })

  test('behavior: blocks are forgotten past the hash cap or the window, oldest first; the last block read is always kept', () => {
    const seen: number[] = []
    const capped = table({ recentHashCap: 3, onIncluded: (_, b) => seen.push(b.number) })
    capped.remember(block(1, hashOf(1), hashOf(2)))
    capped.remember(block(2, hashOf(3), hashOf(4)))
    capped.add(sentOf(txResult(1, hashOf(1))))
    capped.add(sentOf(txResult(3, hashOf(3))))
    expect(seen).toEqual([2])
    expect(capped.size).toBe(1)

    const seenW: number[] = []
    const windowed = table({ recentWindowMs: 50, recentHashCap: 0, onIncluded: (_, b) => seenW.push(b.number) })
    windowed.remember({ ...block(1, hashOf(1)), readAt: performance.now() - 100 })
    windowed.remember(block(2, hashOf(2)))
    windowed.add(sentOf(txResult(1, hashOf(1))))
    windowed.add(sentOf(txResult(2, hashOf(2))))
    expect(seenW).toEqual([2])
  })

  test('behavior: a replaced tx stays findable under its earlier hash (the replacement may come too late), which says it was the one mined; once resolved, neither hash is pending', () => {
    const t = table()
    t.add(sentOf(txResult(4, hashOf(0))))
    t.rehash(hashOf(0), hashOf(1))
    expect(t.size).toBe(1)
    expect(t.get(key(1))).toMatchObject({ ref: { idx: 4 }, hash: hashOf(1) })
    expect(t.get(key(1))!.minedHash).toBeUndefined()
    const viaOld = t.get(key(0))!
    expect(viaOld).toMatchObject({ ref: { idx: 4 }, hash: hashOf(1), minedHash: hashOf(0) })
    t.delete(viaOld)
    expect(t.get(key(0))).toBeUndefined()
    expect(t.get(key(1))).toBeUndefined()
    expect(t.size).toBe(0)
  })
})
