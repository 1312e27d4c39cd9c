import { describe, expect, test } from 'vitest'
import { HeadPoller } from '../../../src/chain/headPoller.js'
import { HeadWatcher } from '../../../src/chain/headWatcher.js'

describe('HeadWatcher', () => {
  test('behavior: a block keeps the time it was first seen; later sightings do not move it', () => {
    const heads = new HeadWatcher()
    heads.saw(10, 12, 1_000)
    heads.saw(11, 14, 2_000)
    expect([10, 11, 12, 13, 14].map((n) => heads.firstSeen(n))).toEqual([1_000, 1_000, 1_000, 2_000, 2_000])
  })

  test('behavior: a block not seen (or forgotten past the cap, oldest first) counts as seen now', () => {
    const heads = new HeadWatcher(3)
    heads.saw(1, 5, 1_000)
    const before = Date.now()
    expect(heads.firstSeen(2)).toBeGreaterThanOrEqual(before)
    expect(heads.firstSeen(99)).toBeGreaterThanOrEqual(before)
    expect([3, 4, 5].map((n) => heads.firstSeen(n))).toEqual([1_000, 1_000, 1_000])
  })

  test('behavior: watching a poller records each new head when the poller reads it, skips failed reads, and stops on abort', async () => {
    const heads = new HeadWatcher()
    const script: (number | Error)[] = [9, 10, new Error('blip'), 10, 12]
    const readAt: number[] = []
    const stop = new AbortController()
    const readHead = async () => {
      readAt.push(Date.now())
      const next = script.shift()
      if (script.length === 0) stop.abort()
      if (next instanceof Error || next === undefined) throw next ?? new Error('done')
      return next
    }
    const poller = new HeadPoller(readHead, 5)
    heads.watch(poller)
    await poller.run(stop.signal, 9)
    expect(readAt).toHaveLength(5)
    const [, second, , , fifth] = readAt
    expect(heads.firstSeen(10) - second!).toBeGreaterThanOrEqual(0)
    expect(heads.firstSeen(10) - second!).toBeLessThan(5)
    for (const n of [11, 12]) expect(heads.firstSeen(n) - fifth!).toBeLessThan(5)
    expect(heads.firstSeen(11)).toBeGreaterThan(heads.firstSeen(10))
  })
})
