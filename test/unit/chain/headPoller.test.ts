import { describe, expect, test } from 'vitest'
import { HeadPoller } from '../../../src/chain/headPoller.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A head that reads `heads` in turn (the last repeats), counting the reads. */
function chainOf(heads: number[]) {
  let reads = 0
  return { readHead: async () => heads[Math.min(reads++, heads.length - 1)]!, reads: () => reads }
}

describe('HeadPoller', () => {
  test('behavior: without a known head the first read only sets the starting point; then one call per poll that found a higher block', async () => {
    const chain = chainOf([5, 5, 6, 6, 9, 9])
    const poller = new HeadPoller(chain.readHead, 2)
    const seen: [number, number][] = []
    poller.onHead((head, prev) => seen.push([head, prev]))
    const stop = new AbortController()
    const running = poller.run(stop.signal)
    while (chain.reads() < 6) await sleep(2)
    stop.abort()
    await running
    expect(seen).toEqual([
      [6, 5],
      [9, 6],
    ])
  })

  test('behavior: one poll feeds every subscriber (the tracker\'s first-seen times and the pacer\'s ticks): one read per period, not one per consumer', async () => {
    const chain = chainOf([1, 2, 3, 4])
    const poller = new HeadPoller(chain.readHead, 20)
    const firstSeen: number[] = []
    poller.onHead((head) => firstSeen.push(head))
    const ticks: number[] = []
    const pacing = new AbortController()
    const stop = new AbortController()
    poller.follow(() => ticks.push(firstSeen.at(-1)!), pacing.signal)
    const running = poller.run(stop.signal, 1)
    while (ticks.length < 1) await sleep(1)
    pacing.abort() // the pacer closes: it stops following; the poller goes on for the tracker
    while (chain.reads() < 4) await sleep(1)
    stop.abort()
    await running
    expect(chain.reads()).toBe(4)
    expect(firstSeen).toEqual([2, 3, 4])
    expect(ticks).toEqual([2])
  })

  test('behavior: a read that fails is asked again at the next period, and the poller stops at once on abort', async () => {
    let reads = 0
    const stop = new AbortController()
    const poller = new HeadPoller(async () => {
      reads++
      throw new Error('down')
    }, 5)
    const t0 = performance.now()
    const running = poller.run(stop.signal)
    await sleep(40)
    stop.abort()
    await running
    expect(performance.now() - t0).toBeLessThan(200)
    expect(reads).toBeGreaterThan(2)
    expect(reads).toBeLessThan(15) // a period between reads, not a busy loop
  })
})
