import { describe, expect, test } from 'vitest'
import { createPacer, unpaced } from '../../../src/dispatch/pacer.js'

describe('createPacer', () => {
  test('behavior: 0 means unpaced', () => {
    expect(createPacer(0)).toBe(unpaced)
  })

  test('behavior: slots follow the rate on a virtual clock', async () => {
    // a virtual clock that only moves when we say so: take() never needs to sleep
    let now = 0
    const pacer = createPacer(1000, { now: () => now, maxLagMs: 0 })
    const due: number[] = []
    for (let i = 0; i < 5; i++) {
      await pacer.take()
      due.push(now)
      now += 1 // each caller arrives exactly on its slot
    }
    expect(due).toEqual([0, 1, 2, 3, 4])
  })

  test('behavior: many concurrent takers at 500 tx/s take ≈ n/rate in real time', async () => {
    const pacer = createPacer(500)
    const t0 = performance.now()
    await Promise.all(Array.from({ length: 100 }, () => pacer.take()))
    const elapsed = performance.now() - t0
    // 100 slots at 2 ms: the last is due at 198 ms; allow for timer slack, never faster
    expect(elapsed).toBeGreaterThanOrEqual(190)
    expect(elapsed).toBeLessThan(1000)
  })

  test('behavior: a late caller may catch up at most maxLagMs of missed slots', async () => {
    let now = 0
    const pacer = createPacer(100, { now: () => now, maxLagMs: 50 })
    await pacer.take() // slot 0
    now = 1000 // stalled for a second: 99 slots missed
    const t = performance.now()
    for (let i = 0; i < 6; i++) await pacer.take() // 5 catch-up slots (50 ms) then on time
    expect(performance.now() - t).toBeLessThan(100)
  })

  test('behavior: slots older than maxLagMs are given up and counted as missed, never silently', async () => {
    let now = 0
    const pacer = createPacer(100, { now: () => now, maxLagMs: 50 })
    await pacer.take() // slot 0 at 0
    expect(pacer.missed).toBe(0)
    now = 1000 // slots 1..100 were due at 10..1000 ms; 10..950 are more than 50 ms late
    await pacer.take()
    expect(pacer.missed).toBe(94)
    // the rate is kept from there: the caller is handed the slot at 950, then 960, …
    for (let i = 0; i < 5; i++) await pacer.take()
    expect(pacer.missed).toBe(94)
  })

  test('behavior: a stop mid-schedule counts the slots due by then that nobody took as missed (no catch-up is left)', async () => {
    let now = 0
    const pacer = createPacer(100, { now: () => now, maxLagMs: 1_000 })
    await pacer.take() // slot 0 at 0
    now = 500 // slots 1..49 due at 10..490 ms, all inside the catch-up window: none missed yet
    await pacer.take()
    expect(pacer.missed).toBe(0)
    now = 800 // the router noticed the stop late: what counts is when it came
    pacer.close!(500) // stopped at 500 ms: slots 2..48 were due more than 10 ms before it and will never be taken
    expect(pacer.missed).toBe(47)
  })

  test('behavior: a schedule that ran out of input (close without a stop) misses nothing more', async () => {
    let now = 0
    const pacer = createPacer(100, { now: () => now, maxLagMs: 1_000 })
    await pacer.take()
    now = 500
    pacer.close!()
    expect(pacer.missed).toBe(0)
  })

  test('behavior: a pool that keeps up misses nothing', async () => {
    let now = 0
    const pacer = createPacer(1000, { now: () => now })
    for (let i = 0; i < 1000; i++) {
      await pacer.take()
      now += 1.2 // every caller 0.2 ms late per slot: 200 ms behind at the end, inside the window
    }
    expect(pacer.missed).toBe(0)
    // 0.2 ms later per slot: the lag grows to ≈200 ms, so most slots were taken late
    expect(pacer.late).toBeGreaterThan(900)
    expect(pacer.maxLagMs).toBeCloseTo(199.8, 0)
  })

  test('behavior: callers on time are never late', async () => {
    let now = 0
    const pacer = createPacer(100, { now: () => now })
    for (let i = 0; i < 100; i++) {
      await pacer.take()
      now += 10
    }
    expect(pacer.late).toBe(0)
    expect(pacer.maxLagMs).toBe(0)
  })
})
