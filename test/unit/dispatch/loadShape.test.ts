import { describe, expect, test } from 'vitest'
import { UsageError } from '../../../src/base/errors.js'
import { parseDuration } from '../../../src/cli/parseFlags.js'
import { constantShape, describeShape, type LoadShape, parseRamp, parseStages, rateAt, rateSlotCount, rateSlotDueMs, shapeDurationMs, shapeSlotCount, type Stage } from '../../../src/dispatch/loadShape.js'
import { createShapedPacer, type HeadSource, type Slot } from '../../../src/dispatch/pacer.js'

type RateStage = Extract<Stage, { kind: 'rate' }>

/** Every slot the shape hands out, on a virtual clock where each taker arrives exactly when its slot is due. */
async function schedule(shape: LoadShape): Promise<Slot[]> {
  let now = 0
  let ended = false
  const pacer = createShapedPacer(shape, { now: () => now, maxLagMs: 0, onEnd: () => (ended = true) })
  const slots: Slot[] = []
  while (!ended && slots.length < 100_000) {
    const slot: Slot = {}
    pacer.take(undefined, slot) // the clock is virtual: never wait
    if (ended) break
    slots.push(slot)
    now = slot.dueMs!
  }
  return slots
}

/** Slots per whole second of a schedule. */
function perSecond(slots: Slot[]): number[] {
  const counts: number[] = []
  for (const s of slots) {
    const sec = Math.floor(s.dueMs! / 1000)
    counts[sec] = (counts[sec] ?? 0) + 1
  }
  return Array.from(counts, (c) => c ?? 0)
}

describe('rate stages', () => {
  test('behavior: a constant stage is k/rate, rate × duration slots', async () => {
    const slots = await schedule([{ kind: 'rate', from: 200, to: 200, durationMs: 2000 }])
    expect(slots.length).toBe(400)
    expect(slots.slice(0, 3).map((s) => s.dueMs)).toEqual([0, 5, 10])
    expect(slots.at(-1)!.dueMs).toBeCloseTo(1995, 6)
  })

  test('behavior: a ramp 50→500 over 10 s gives each second the ramp\'s mean rate in it', async () => {
    const ramp: RateStage = { kind: 'rate', from: 50, to: 500, durationMs: 10_000 }
    const slots = await schedule([ramp])
    expect(slots.length).toBe(rateSlotCount(ramp)) // (50 + 500) / 2 × 10
    expect(slots.length).toBe(2750)
    const counts = perSecond(slots)
    expect(counts.length).toBe(10)
    counts.forEach((n, s) => expect(Math.abs(n - rateAt(ramp, (s + 0.5) * 1000))).toBeLessThanOrEqual(1))
    // strictly increasing due times, denser as it goes
    for (let i = 1; i < slots.length; i++) expect(slots[i]!.dueMs!).toBeGreaterThan(slots[i - 1]!.dueMs!)
  })

  test('behavior: a falling ramp and a ramp from 0 are well defined', async () => {
    const down: RateStage = { kind: 'rate', from: 300, to: 100, durationMs: 4000 }
    const counts = perSecond(await schedule([down]))
    expect(counts.reduce((a, b) => a + b)).toBe(800)
    // a slot due exactly on a second's boundary may fall on either side of it (float rounding)
    ;[275, 225, 175, 125].forEach((n, i) => expect(Math.abs(counts[i]! - n)).toBeLessThanOrEqual(1))
    const fromZero: RateStage = { kind: 'rate', from: 0, to: 100, durationMs: 2000 }
    expect(rateSlotDueMs(fromZero, 0)).toBe(0)
    expect(perSecond(await schedule([fromZero]))).toEqual([25, 75])
  })

  test('behavior: stages follow each other on the schedule and name their slots', async () => {
    const shape = parseStages(['warm=1s:100', '2s:10..30', 'hold=1s:50'], parseDuration, '--stage')
    expect(shapeDurationMs(shape)).toBe(4000)
    expect(shapeSlotCount(shape)).toBe(100 + 40 + 50)
    const slots = await schedule(shape)
    expect(slots.length).toBe(190)
    expect(perSecond(slots)).toEqual([100, 15, 25, 50])
    expect(slots[0]).toMatchObject({ stage: 'warm', dueMs: 0 })
    expect(slots[100]).toMatchObject({ stage: '2', dueMs: 1000 })
    expect(slots[140]).toMatchObject({ stage: 'hold', dueMs: 3000 })
  })

  test('behavior: a late taker skips the slots more than maxLag old, counted as missed, across a stage end', async () => {
    let now = 0
    const pacer = createShapedPacer(parseStages(['1s:100', '1s:10'], parseDuration, '--stage'), { now: () => now, maxLagMs: 100 })
    pacer.take()
    now = 1500 // the rest of stage 1 (99 slots) and stage 2's slots before 1400 (4) are more than 100 ms old
    const slot: Slot = {}
    pacer.take(undefined, slot)
    expect(pacer.missed).toBe(99 + 4)
    expect(slot).toMatchObject({ stage: '2', dueMs: 1400 })
  })
})

describe('per-block stages', () => {
  test('behavior: n slots per new block, due when the block showed; the rest of a block is missed', async () => {
    let now = 0
    let head: () => void = () => {}
    const heads: HeadSource = (onHead) => void (head = onHead)
    const pacer = createShapedPacer([{ kind: 'block', perBlock: 3, durationMs: 10_000 }], { now: () => now, heads })
    const taken: Slot[] = []
    const takers = Array.from({ length: 5 }, () => {
      const slot: Slot = {}
      return pacer.take(undefined, slot)!.then(() => taken.push(slot))
    })
    now = 1000
    head()
    await Promise.resolve()
    await Promise.resolve()
    expect(taken.map((s) => s.dueMs)).toEqual([1000, 1000, 1000])
    now = 2000
    head() // two waiters take 2 of block 2's 3 slots; one is left
    await Promise.all(takers)
    expect(taken.map((s) => s.dueMs)).toEqual([1000, 1000, 1000, 2000, 2000])
    now = 3000
    head()
    expect(pacer.missed).toBe(1)
    pacer.close?.()
  })

  test('behavior: stages counted in blocks end with their last block, late or early, and a stage\'s leftover slots are missed', async () => {
    let now = 0
    let head: () => void = () => {}
    const heads: HeadSource = (onHead) => void (head = onHead)
    let ended = 0
    // durations are only the blocks' expected time: the blocks decide
    const pacer = createShapedPacer(
      [
        { kind: 'block', perBlock: 2, blocks: 2, durationMs: 1, name: 'a' },
        { kind: 'block', perBlock: 3, blocks: 1, durationMs: 1, name: 'b' },
      ],
      { now: () => now, heads, onEnd: () => ended++ },
    )
    const taken: Slot[] = []
    const take = () => {
      const slot: Slot = {}
      return Promise.resolve(pacer.take(undefined, slot)).then(() => taken.push(slot))
    }
    const first = [take(), take()]
    now = 5_000 // long after both durations: still stage a
    head()
    await Promise.all(first)
    const second = [take()] // one of a's second block: the other is missed
    now = 6_000
    head()
    await Promise.all(second)
    now = 7_000
    head() // a had its 2 blocks: this one is b's
    await Promise.all([take(), take(), take()])
    expect(taken.map((s) => `${s.stage}@${s.dueMs}`)).toEqual(['a@5000', 'a@5000', 'a@6000', 'b@7000', 'b@7000', 'b@7000'])
    expect(pacer.missed).toBe(1)
    expect(pacer.take()).toBeUndefined() // b's one block is taken: the shape is over
    expect(ended).toBe(1)
    expect(shapeSlotCount([{ kind: 'block', perBlock: 2, blocks: 2, durationMs: 1 }])).toBe(4)
  })

  test('behavior: the shape ends after its last stage: onEnd, and waiters wake', async () => {
    let ended = 0
    const heads: HeadSource = () => {}
    const pacer = createShapedPacer([{ kind: 'block', perBlock: 2, durationMs: 50 }], { heads, onEnd: () => ended++ })
    await pacer.take() // no block comes: woken at the stage's end
    expect(ended).toBe(1)
    expect(pacer.take()).toBeUndefined()
    expect(ended).toBe(1)
  })
})

describe('flag syntax', () => {
  test('behavior: --stage rates: tx/s, ramps, per block; names default to the position', () => {
    expect(parseStages(['30s:200', 'up=10s:50..500', '20s:20/block'], parseDuration, '--stage')).toEqual([
      { kind: 'rate', from: 200, to: 200, durationMs: 30_000, name: '1' },
      { kind: 'rate', from: 50, to: 500, durationMs: 10_000, name: 'up' },
      { kind: 'block', perBlock: 20, durationMs: 20_000, name: '3' },
    ])
  })

  test('behavior: bad stages and ramps are refused naming the flag', () => {
    expect(() => parseStages(['30s'], parseDuration, '--stage')).toThrow(/--stage #1: "30s" is not <time>:<rate>/)
    expect(() => parseStages(['1s:fast'], parseDuration, '--stage')).toThrow(UsageError)
    expect(() => parseStages(['0s:10'], parseDuration, '--stage')).toThrow(/longer than 0/)
    expect(() => parseRamp('50:500', undefined, '--ramp')).toThrow(/needs --duration/)
    expect(() => parseRamp('50', 1000, '--ramp')).toThrow(/not a ramp/)
    expect(parseRamp('50:500', 10_000, '--ramp')).toEqual([{ kind: 'rate', from: 50, to: 500, durationMs: 10_000 }])
  })

  test('behavior: an open constant shape has no end and no count; 0 tx/s is unpaced', () => {
    expect(shapeSlotCount(constantShape(100))).toBeUndefined()
    expect(constantShape(0)).toEqual([])
    expect(shapeSlotCount([{ kind: 'block', perBlock: 20, durationMs: 10_000 }], 1000)).toBe(200)
  })
})

describe('describeShape (the start-up log names the pacing as given)', () => {
  test('behavior: a flat rate, a ramp and stages, per block, unpaced', () => {
    expect(describeShape(constantShape(100))).toBe('100 tx/s')
    expect(describeShape(constantShape(0))).toBe('unpaced')
    expect(describeShape([{ kind: 'rate', from: 10, to: 200, durationMs: 30_000 }, { kind: 'rate', from: 50, to: 50, durationMs: 60_000, name: 'steady' }])).toBe('ramp 10→200 tx/s 30s, steady: 50 tx/s 1m')
    expect(describeShape([{ kind: 'block', perBlock: 5, durationMs: Number.POSITIVE_INFINITY }])).toBe('5 per block')
  })
})
