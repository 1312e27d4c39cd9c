import { describe, expect, test } from 'vitest'
import { AutoRate, type Steering } from '../../../src/dispatch/autoRate.js'
import { SteerToCapacity } from '../../../src/dispatch/steerToCapacity.js'
import { SteerToGasTarget } from '../../../src/dispatch/steerToGasTarget.js'

const TRANSFER = 21_000

/**
 * A simulated chain of 1 s blocks with room for `capacity` transfers. The rate changes when a
 * block is read, `readLag` s after it was built (the sends of the next block are partly at the old
 * rate); each block includes `others(n)` transfers of someone else's first, then what we sent up
 * to it, as far as the gas allows; the rest waits. The block event's backlog counts what we sent
 * until it was read. The base fee follows EIP-1559 (target: half the limit, at most ±12.5 %).
 */
function simulate(steering: Steering, capacity: number, blocks: number, opts: { others?: (n: number) => number; readLag?: number } = {}) {
  const auto = new AutoRate(steering)
  const lag = opts.readLag ?? 0.3
  let backlog = 0
  let carry = 0
  let rate = auto.tps
  let base = 1
  const trace: { rate: number; ours: number; backlog: number; fullness: number; base: number }[] = []
  for (let n = 1; n <= blocks; n++) {
    // one second of sends: the part before the last block was read at the rate before it
    const sent = rate * lag + auto.tps * (1 - lag) + carry
    carry = sent - Math.floor(sent)
    backlog += Math.floor(sent)
    rate = auto.tps
    const others = Math.min(capacity, opts.others?.(n) ?? 0)
    const ours = Math.min(capacity - others, backlog)
    backlog -= ours
    const fullness = (ours + others) / capacity
    base *= 1 + (fullness - 0.5) / 0.5 / 8
    // read `lag` later: what we sent meanwhile is waiting too
    auto.block({ type: 'block', number: n, timestamp: n, tx_count: ours + others, ours, gas_used: (ours + others) * TRANSFER, gas_limit: capacity * TRANSFER, backlog: backlog + Math.floor(auto.tps * lag) })
    trace.push({ rate: auto.tps, ours, backlog, fullness, base })
  }
  return { auto, trace }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

describe('AutoRate: --tps auto (steered to the capacity)', () => {
  test.each([100, 700])('behavior: on a chain of %i tx/s the rate settles within ±10 % of it, the backlog under two blocks\' worth', (capacity) => {
    const { auto, trace } = simulate(new SteerToCapacity(), capacity, 40)
    for (const s of trace.slice(-20)) {
      expect(s.rate).toBeGreaterThanOrEqual(capacity * 0.9)
      expect(s.rate).toBeLessThanOrEqual(capacity * 1.1)
      expect(s.backlog).toBeLessThan(2 * capacity)
    }
    expect(auto.capacity).toBeGreaterThanOrEqual(capacity * 0.95)
    expect(auto.capacity).toBeLessThanOrEqual(capacity * 1.05)
  })

  test('behavior: the first full block sets the rate to the capacity: the ramp\'s blocks (with room) do not pull it down, and it never goes above 1.1 × the capacity', () => {
    const { trace } = simulate(new SteerToCapacity(), 100, 30)
    const first = trace.findIndex((s) => s.fullness >= 0.9)
    expect(first).toBeGreaterThan(0)
    for (const s of trace.slice(first)) {
      expect(s.rate).toBeGreaterThanOrEqual(90)
      expect(s.rate).toBeLessThanOrEqual(110.001)
    }
  })

  test('behavior: other traffic takes half of each block from block 20 on: the rate follows our share (50 tx/s) within ±10 %, the backlog under two blocks\' worth of it', () => {
    const { trace } = simulate(new SteerToCapacity(), 100, 60, { others: (n) => (n >= 20 ? 50 : 0) })
    for (const s of trace.slice(-20)) {
      expect(s.rate).toBeGreaterThanOrEqual(45)
      expect(s.rate).toBeLessThanOrEqual(55)
      expect(s.backlog).toBeLessThan(100)
    }
  })

  test('behavior: the others leave again: the rate finds the room (raised at once by a block that took more of ours)', () => {
    const { trace } = simulate(new SteerToCapacity(), 100, 60, { others: (n) => (n < 20 ? 50 : 0) })
    for (const s of trace.slice(-15)) expect(s.rate).toBeGreaterThanOrEqual(90)
  })
})

describe('AutoRate: --tps gas-target (steered to blocks half full)', () => {
  test.each([100, 700])('behavior: on a chain of %i transfers a block the blocks settle half full and the base fee flat', (capacity) => {
    const { auto, trace } = simulate(new SteerToGasTarget(), capacity, 60)
    const settled = trace.slice(-40)
    expect(mean(settled.map((s) => s.fullness))).toBeGreaterThanOrEqual(0.47)
    expect(mean(settled.map((s) => s.fullness))).toBeLessThanOrEqual(0.53)
    for (const s of settled) expect(s.rate).toBeGreaterThanOrEqual(capacity * 0.4)
    for (const s of settled) expect(s.rate).toBeLessThanOrEqual(capacity * 0.6)
    expect(settled.at(-1)!.base / settled[0]!.base).toBeGreaterThan(0.9)
    expect(settled.at(-1)!.base / settled[0]!.base).toBeLessThan(1.1)
    expect(auto.capacity).toBeUndefined()
  })

  test('behavior: with others taking 20 % of each block, ours fill up to the target (30 %)', () => {
    const { trace } = simulate(new SteerToGasTarget(), 100, 60, { others: () => 20 })
    const settled = trace.slice(-30)
    expect(mean(settled.map((s) => s.fullness))).toBeGreaterThanOrEqual(0.47)
    expect(mean(settled.map((s) => s.fullness))).toBeLessThanOrEqual(0.53)
    expect(mean(settled.map((s) => s.ours))).toBeGreaterThanOrEqual(27)
    expect(mean(settled.map((s) => s.ours))).toBeLessThanOrEqual(33)
  })

  test('behavior: blocks already above the target from others: the rate falls to its floor (1 tx/s), it never adds to them', () => {
    const { trace } = simulate(new SteerToGasTarget(), 100, 60, { others: () => 80 })
    expect(trace.at(-1)!.rate).toBe(1)
  })
})

describe('AutoRate: the pacer', () => {
  test('behavior: slots are spaced by the current rate', () => {
    let now = 0
    const auto = new AutoRate(new SteerToCapacity(), () => now)
    expect(auto.take()).toBeUndefined() // the first slot is now
    const wait = auto.take() // the next one is 1/10 s later at the starting 10 tx/s
    expect(wait).toBeInstanceOf(Promise)
    now = 250
    expect(auto.take()).toBeUndefined() // late: due at 200 ms
  })
})
