import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { BoundedQueue } from '../../../src/dispatch/boundedQueue.js'
import { ReorderWindow } from '../../../src/dispatch/reorderWindow.js'
import { routeSpecs } from '../../../src/dispatch/router.js'
import type { Worker } from '../../../src/dispatch/worker.js'
import { runEvents } from '../../helpers/runEvents.js'
import type { FloodgateEvent } from '../../../src/events/types.js'
import type { IndexedSpec } from '../../../src/stream/spec.js'

const FROM = '0x000000000000000000000000000000000000dEaD'

/**
 * The router, the window and the stash for real, with fake workers: worker 0 is slow (each
 * spec waits `slowMs`), the others answer at the next turn. Every 20th spec is pinned to the
 * slow one, the rest go round the fast ones. Returns stdout's events and the stash's figures.
 */
async function run(o: { specs: number; window?: number; slowMs: number; queue: number }) {
  const out = new PassThrough()
  let text = ''
  out.on('data', (c: Buffer) => (text += c.toString()))
  const observed: FloodgateEvent[] = []
  const { events, stash } = runEvents(out, { ordered: true, views: [(e) => observed.push(e)] })
  const window = o.window !== undefined ? new ReorderWindow(stash, o.window) : undefined
  let heldMost = 0
  const workers = Array.from({ length: 4 }, (_, i) => ({ index: i, queue: new BoundedQueue<IndexedSpec>(o.queue) }))
  const running = workers.map(async (w) => {
    for (let spec = await w.queue.shift(); spec !== undefined; spec = await w.queue.shift()) {
      await new Promise((r) => (w.index === 0 ? setTimeout(r, o.slowMs) : setImmediate(r)))
      events.emit({ type: 'tx_result', idx: spec.idx, line: spec.line, from: FROM, nonce: null, start_timestamp_ms: 0, send_ms: 0, attempts: 1 })
      heldMost = Math.max(heldMost, stash.size)
    }
  })
  const source = new BoundedQueue<IndexedSpec>(8)
  const feeding = (async () => {
    for (let idx = 0; idx < o.specs; idx++) await source.push({ idx, line: idx + 1, to: FROM } as unknown as IndexedSpec)
    source.close()
  })()
  const route = (spec: IndexedSpec) => (spec.idx % 20 === 0 ? 0 : 1 + (spec.idx % 3))
  await routeSpecs(source, workers as unknown as Worker[], events, route, window ? { window } : {})
  await feeding
  await Promise.all(running)
  const skipped = stash.flush()
  await events.end()
  const written = text.trim().split('\n').map((l) => JSON.parse(l) as FloodgateEvent)
  return { written, observed, maxHeld: stash.maxHeld, heldMost, skipped }
}

const resultIdxs = (es: FloodgateEvent[]) => es.flatMap((e) => (e.type === 'tx_result' ? [e.idx] : []))

describe('ReorderWindow', () => {
  test('behavior: one slow signer: results are written 0..N-1 in order, the stash never holds a window\'s worth, and the wait is reorder backpressure', async () => {
    const r = await run({ specs: 400, window: 16, slowMs: 5, queue: 4 })
    expect(resultIdxs(r.written)).toEqual(Array.from({ length: 400 }, (_, i) => i))
    // the fast workers did finish specs ahead of the slow one: results were held
    expect(r.maxHeld).toBeGreaterThan(0)
    expect(r.maxHeld).toBeLessThan(16)
    expect(r.heldMost).toBe(r.maxHeld)
    expect(r.skipped).toBe(0)
    const bp = r.written.filter((e) => e.type === 'backpressure' && e.stage === 'reorder')
    expect(bp.length).toBeGreaterThan(0)
    expect(bp[0]).toMatchObject({ stage: 'reorder', capacity: 16 })
    expect(bp[0]).not.toHaveProperty('worker')
    expect(r.written.filter((e) => e.type === 'backpressure_end' && e.stage === 'reorder')).toHaveLength(bp.length)
  })

  test('behavior: without the window, the same slow signer makes the stash hold far more (what the window prevents)', async () => {
    const r = await run({ specs: 400, slowMs: 5, queue: 4 })
    expect(resultIdxs(r.written)).toEqual(Array.from({ length: 400 }, (_, i) => i))
    expect(r.maxHeld).toBeGreaterThan(16)
  })

  test('behavior: a window of 1 (one spec at a time) still finishes: no deadlock', async () => {
    const r = await run({ specs: 60, window: 1, slowMs: 1, queue: 4 })
    expect(resultIdxs(r.written)).toEqual(Array.from({ length: 60 }, (_, i) => i))
    expect(r.maxHeld).toBe(0)
  })

  test('behavior: size counts specs let through without their result written; a full window opens as results are written', async () => {
    const out = new PassThrough()
    const { events, stash } = runEvents(out, { ordered: true })
    const w = new ReorderWindow(stash, 2)
    const spec = (idx: number) => ({ idx }) as IndexedSpec
    expect(w.offer(spec(0))).toBe(true)
    expect(w.offer(spec(1))).toBe(true)
    expect(w.isFull).toBe(true)
    expect(w.offer(spec(2))).toBe(false)
    let through = false
    const waiting = w.push(spec(2)).then(() => (through = true))
    // idx 1 done first: held, the window does not move
    events.emit({ type: 'tx_result', idx: 1, line: 2, from: FROM, nonce: null, start_timestamp_ms: 0, send_ms: 0, attempts: 1 })
    await new Promise((r) => setImmediate(r))
    expect(through).toBe(false)
    events.emit({ type: 'tx_result', idx: 0, line: 1, from: FROM, nonce: null, start_timestamp_ms: 0, send_ms: 0, attempts: 1 })
    await waiting
    expect(w.size).toBe(1)
    expect(() => new ReorderWindow(stash, 0)).toThrow(RangeError)
  })
})
