import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { BackpressureGauge } from '../../../src/dispatch/backpressure.js'
import { BoundedQueue } from '../../../src/dispatch/boundedQueue.js'
import { runEvents } from '../../helpers/runEvents.js'
import type { FloodgateEvent } from '../../../src/events/types.js'

describe('BackpressureGauge', () => {
  test('behavior: one episode per saturation, however many pushes wait in it', async () => {
    const events: FloodgateEvent[] = []
    const { events: w } = runEvents(new PassThrough(), { views: [(e) => events.push(e)] })
    const q = new BoundedQueue<number>(2)
    const g = new BackpressureGauge(q, w, 'worker', 3)
    // a consumer that takes one item every 2 ms
    let taken = 0
    const consumer = (async () => {
      while ((await q.shift()) !== undefined) {
        taken++
        await new Promise((r) => setTimeout(r, 2))
      }
    })()
    for (let i = 0; i < 20; i++) await g.push(i)
    g.finish()
    q.close()
    await consumer
    expect(taken).toBe(20)
    const bp = events.filter((e) => e.type === 'backpressure')
    const end = events.filter((e) => e.type === 'backpressure_end')
    expect(bp).toHaveLength(1)
    expect(bp[0]).toMatchObject({ stage: 'worker', worker: 3, queued: 2, capacity: 2 })
    expect(end).toHaveLength(1)
    expect(end[0]!.type === 'backpressure_end' && end[0]!.blocked_ms).toBeGreaterThan(10)
  })

  test('behavior: no event when the queue never fills', async () => {
    const events: FloodgateEvent[] = []
    const { events: w } = runEvents(new PassThrough(), { views: [(e) => events.push(e)] })
    const q = new BoundedQueue<number>(8)
    const g = new BackpressureGauge(q, w, 'reader')
    for (let i = 0; i < 5; i++) {
      await g.push(i)
      await q.shift()
    }
    g.finish()
    expect(events).toEqual([])
  })
})
