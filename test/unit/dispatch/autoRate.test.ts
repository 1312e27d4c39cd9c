import { describe, expect, test } from 'vitest'
import { AutoRate } from '../../../src/dispatch/autoRate.js'

/**
 * A simulated chain of 1 s blocks with room for `capacity` transfers: each block includes what
 * was sent up to it, at most `capacity`; the rest waits. The controller sees the block events.
 */
function simulate(capacity: number, blocks: number) {
  const auto = new AutoRate()
  let backlog = 0
  const trace: { rate: number; ours: number; backlog: number }[] = []
  for (let n = 1; n <= blocks; n++) {
    backlog += Math.round(auto.tps) // one second of sends at the current rate
    const ours = Math.min(capacity, backlog)
    backlog -= ours
    auto.block({ type: 'block', number: n, timestamp: n, tx_count: ours, ours, gas_used: ours * 21_000, gas_limit: capacity * 21_000, backlog })
    trace.push({ rate: auto.tps, ours, backlog })
  }
  return { auto, trace }
}

describe('AutoRate', () => {
  test.each([100, 700])('behavior: on a chain of %i tx/s the rate settles within ±15 % of it, the backlog under two blocks\' worth', (capacity) => {
    const { auto, trace } = simulate(capacity, 40)
    const steady = trace.slice(-15)
    for (const s of steady) {
      expect(s.rate).toBeGreaterThanOrEqual(capacity * 0.85)
      expect(s.rate).toBeLessThanOrEqual(capacity * 1.15)
      expect(s.backlog).toBeLessThan(2 * capacity)
    }
    expect(auto.capacity).toBeGreaterThanOrEqual(capacity * 0.85)
  })

  test('behavior: slots are spaced by the current rate', () => {
    let now = 0
    const auto = new AutoRate(() => now)
    expect(auto.take()).toBeUndefined() // the first slot is now
    const wait = auto.take() // the next one is 1/10 s later at the starting 10 tx/s
    expect(wait).toBeInstanceOf(Promise)
    now = 250
    expect(auto.take()).toBeUndefined() // late: due at 200 ms
  })
})
