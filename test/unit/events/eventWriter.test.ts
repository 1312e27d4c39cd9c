import { PassThrough, Writable } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { runEvents } from '../../helpers/runEvents.js'
import { validateEvent } from '../../../src/events/schema.js'

function collect(stream: PassThrough): () => string[] {
  let text = ''
  stream.on('data', (c: Buffer) => (text += c.toString()))
  return () => text.split('\n').filter(Boolean)
}

const invalid = (line: number) => ({ type: 'invalid_spec', line, error: 'bad', error_code: 'INVALID_JSON' }) as const

describe('EventWriter (through RunEvents)', () => {
  test('behavior: one versioned JSON object per line, in emit order', async () => {
    const out = new PassThrough()
    const lines = collect(out)
    const { events: w } = runEvents(out)
    for (let i = 1; i <= 500; i++) w.emit(invalid(i))
    await w.end()
    const events = lines().map((l) => JSON.parse(l))
    expect(events).toHaveLength(500)
    expect(events.map((e) => e.line)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1))
    for (const e of events) expect(validateEvent(e)).toEqual([])
  })

  test('behavior: needsDrain while the consumer is slow, drained() resolves when it catches up', async () => {
    let release: () => void = () => {}
    const slow = new Writable({
      highWaterMark: 1024,
      write(_c, _e, cb) {
        release = cb
      },
    })
    const { events: w } = runEvents(slow, { flushBytes: 512 })
    for (let i = 0; i < 50; i++) w.emit(invalid(i))
    expect(w.needsDrain).toBe(true)
    let drained = false
    const p = w.drained().then(() => (drained = true))
    await new Promise((r) => setTimeout(r, 5))
    expect(drained).toBe(false)
    // let the sink consume everything
    slow._write = (_c, _e, cb) => cb()
    release()
    await p
    expect(drained).toBe(true)
  })

  test('behavior: EPIPE closes the writer once, later events are dropped, views still see them', async () => {
    const out = new PassThrough()
    let closes = 0
    const seen: string[] = []
    const { events: w } = runEvents(out, { onClosed: () => closes++, views: [(e) => seen.push(e.type)] })
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
    w.emit(invalid(1))
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
    await w.end()
    expect(closes).toBe(1)
    expect(w.closed).toBe(true)
    expect(seen).toEqual(['invalid_spec'])
  })
})
