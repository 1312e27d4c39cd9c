import { describe, expect, test } from 'vitest'
import { BoundedQueue } from '../../../src/dispatch/boundedQueue.js'

describe('BoundedQueue', () => {
  test('behavior: FIFO order across waits', async () => {
    const q = new BoundedQueue<number>(2)
    const pushed = (async () => {
      for (let i = 0; i < 100; i++) await q.push(i)
      q.close()
    })()
    const got: number[] = []
    for (let v = await q.shift(); v !== undefined; v = await q.shift()) got.push(v)
    await pushed
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })

  test('behavior: push waits while full', async () => {
    const q = new BoundedQueue<number>(1)
    await q.push(1)
    let done = false
    const p = q.push(2).then(() => (done = true))
    await new Promise((r) => setTimeout(r, 10))
    expect(done).toBe(false)
    expect(q.size).toBe(1)
    expect(await q.shift()).toBe(1)
    await p
    expect(done).toBe(true)
  })

  test('behavior: close wakes takers with undefined after the rest', async () => {
    const q = new BoundedQueue<number>(4)
    await q.push(7)
    q.close()
    expect(await q.shift()).toBe(7)
    expect(await q.shift()).toBeUndefined()
  })

  test('behavior: drain empties and frees pushers', async () => {
    const q = new BoundedQueue<number>(1)
    await q.push(1)
    const p = q.push(2)
    expect(q.drain()).toEqual([1])
    await p
    expect(q.drain()).toEqual([2])
  })

  test('error: capacity below 1', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError)
  })
})
