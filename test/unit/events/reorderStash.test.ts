import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { runEvents } from '../../helpers/runEvents.js'
import { ReorderStash } from '../../../src/events/reorderStash.js'
import type { FloodgateEvent, TxResultEvent } from '../../../src/events/types.js'

const FROM = '0x000000000000000000000000000000000000dEaD'

function result(idx: number): TxResultEvent {
  return { version: 1, type: 'tx_result', idx, line: idx + 1, from: FROM, nonce: idx, start_timestamp_ms: 0, send_ms: 1, attempts: 1 }
}

/** A stash whose writes are recorded as `r<idx>` (results) or `<type>:<idx>`. */
function recorded() {
  const out: string[] = []
  const stash = new ReorderStash((e) => out.push(e.type === 'tx_result' ? `r${e.idx}` : `${e.type}:${(e as { idx?: number }).idx}`))
  const take = (e: FloodgateEvent) => {
    if (!stash.take(e)) out.push(`now:${e.type}`)
  }
  return { out, stash, take }
}

describe('ReorderStash', () => {
  test('behavior: results in order are written at once and nothing is held', () => {
    const { out, stash, take } = recorded()
    for (let i = 0; i < 5; i++) take(result(i))
    expect(out).toEqual(['r0', 'r1', 'r2', 'r3', 'r4'])
    expect(stash.nextIdx).toBe(5)
    expect(stash.maxHeld).toBe(0)
  })

  test('behavior: out-of-order results wait for the gap before them, and come out in idx order once it is filled', () => {
    const { out, stash, take } = recorded()
    for (const i of [2, 1, 4, 5]) take(result(i))
    expect(out).toEqual([])
    expect(stash.size).toBe(4)
    take(result(0))
    expect(out).toEqual(['r0', 'r1', 'r2'])
    expect(stash.nextIdx).toBe(3)
    take(result(3))
    expect(out).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5'])
    expect(stash.size).toBe(0)
    expect(stash.maxHeld).toBe(4)
  })

  test('behavior: a shuffled thousand come out 0..999, each once', () => {
    const { out, take } = recorded()
    const idxs = Array.from({ length: 1000 }, (_, i) => i)
    // a deterministic shuffle: each block of 50 reversed, blocks in a scrambled order
    const blocks = Array.from({ length: 20 }, (_, b) => idxs.slice(b * 50, b * 50 + 50).reverse())
    for (const b of [3, 0, 19, 7, 1, 2, 18, 4, 5, 6, 8, 17, 9, 10, 16, 11, 12, 15, 13, 14]) for (const i of blocks[b]!) take(result(i))
    expect(out).toEqual(idxs.map((i) => `r${i}`))
  })

  test('behavior: an event about a held spec waits behind its result; other events and events of written specs pass', () => {
    const { out, take } = recorded()
    take(result(1))
    take({ version: 1, type: 'tx_receipt', idx: 1, line: 2, tx_hash: '0x01' } as unknown as FloodgateEvent)
    take({ version: 1, type: 'invalid_spec', line: 9, error: 'bad', error_code: 'INVALID_JSON' })
    // a panic report comes before its spec's result: nothing of idx 0 is held yet
    take({ version: 1, type: 'worker_panic', worker: 0, signer: FROM, idx: 0, error: 'x' })
    expect(out).toEqual(['now:invalid_spec', 'now:worker_panic'])
    take(result(0))
    take({ version: 1, type: 'tx_receipt', idx: 0, line: 1, tx_hash: '0x00' } as unknown as FloodgateEvent)
    expect(out).toEqual(['now:invalid_spec', 'now:worker_panic', 'r0', 'r1', 'tx_receipt:1', 'now:tx_receipt'])
  })

  test('behavior: flush writes what is held in idx order over a gap, and says how many', () => {
    const { out, stash, take } = recorded()
    for (const i of [5, 2, 3]) take(result(i))
    expect(stash.flush()).toBe(3)
    expect(out).toEqual(['r2', 'r3', 'r5'])
    expect(stash.nextIdx).toBe(6)
    expect(stash.flush()).toBe(0)
  })

  test('behavior: a repeated idx is written, not lost', () => {
    const { out, take } = recorded()
    take(result(0))
    take(result(0))
    take(result(2))
    take(result(2))
    expect(out).toEqual(['r0', 'now:tx_result', 'now:tx_result'])
  })

  test('behavior: onAdvance is called when the next idx moves on', () => {
    const { stash, take } = recorded()
    const seen: number[] = []
    stash.onAdvance(() => seen.push(stash.nextIdx))
    take(result(1))
    take(result(0))
    take(result(2))
    expect(seen).toEqual([2, 3])
  })
})

describe('RunEvents with a reorder stash (--ordered)', () => {
  test('behavior: stdout gets tx_result lines in idx order while observers see them as they come', async () => {
    const out = new PassThrough()
    let text = ''
    out.on('data', (c: Buffer) => (text += c.toString()))
    const observed: number[] = []
    const { events: w, stash } = runEvents(out, { ordered: true, views: [(e) => e.type === 'tx_result' && observed.push(e.idx)] })
    for (const i of [1, 0, 3, 2]) {
      const { version: _, ...body } = result(i)
      w.emit(body)
    }
    w.emit({ type: 'progress' } as never)
    expect(stash.flush()).toBe(0)
    await w.end()
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as FloodgateEvent)
    expect(observed).toEqual([1, 0, 3, 2])
    expect(lines.filter((e) => e.type === 'tx_result').map((e) => (e as TxResultEvent).idx)).toEqual([0, 1, 2, 3])
  })

  test('behavior: after stdout closed, results still move the stash on (the run end waits on it)', () => {
    const out = new PassThrough()
    const { events: w, stash } = runEvents(out, { ordered: true })
    out.destroy()
    out.emit('close')
    for (const i of [1, 0]) {
      const { version: _, ...body } = result(i)
      w.emit(body)
    }
    expect(stash.nextIdx).toBe(2)
    expect(stash.size).toBe(0)
  })
})
