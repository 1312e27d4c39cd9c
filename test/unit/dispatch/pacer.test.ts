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
})
