import { afterEach, describe, expect, test, vi } from 'vitest'
import { NodeHealth } from '../../../src/rpc/nodeHealth.js'

describe('NodeHealth', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  test('behavior: down from the first failure until an answer; dead once an outage outlasts the budget, and then for good', () => {
    vi.useFakeTimers()
    const deaths: number[] = []
    const h = new NodeHealth(1_000, (ms) => deaths.push(ms))
    expect(h.down).toBe(false)
    h.failed()
    expect(h.down).toBe(true)
    vi.advanceTimersByTime(600)
    h.ok() // an answer ends the outage: its time does not carry over
    expect(h.down).toBe(false)
    h.failed()
    vi.advanceTimersByTime(900)
    h.failed()
    expect(h.dead).toBe(false)
    vi.advanceTimersByTime(200)
    h.failed()
    expect(h.dead).toBe(true)
    expect(deaths).toHaveLength(1)
    expect(deaths[0]).toBeGreaterThan(1_000)
    h.ok()
    h.failed()
    expect(h.dead).toBe(true) // a dead node stays dead for the run
    expect(deaths).toHaveLength(1)
  })
})
