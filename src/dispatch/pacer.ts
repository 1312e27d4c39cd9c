/** The send schedule all workers share: slots handed out by a load shape (constant rate, ramps, per block, stages), each with its intended send time. */
import { sleep } from '../base/sleep.js'
import type { IndexedSpec } from '../stream/spec.js'
import { constantShape, type LoadShape, rateSlotCount, rateSlotDueMs, type Stage } from './loadShape.js'

/**
 * Hands out send slots following a load shape, in spec order (the router takes one per spec
 * before handing it to its worker). A rate stage's slot k
 * is due at the stage's start + N⁻¹(k) (k/rate for a constant rate); a worker that is late
 * may use the slots it missed, up to `maxLagMs` worth, so stalls are caught up and the
 * long-run rate stays exact. Slots older than that are given up and counted: a pool too
 * small for the rate shows as `missed`, never as a silently lower rate. A per-block stage
 * hands out its n slots when a new block shows up; the ones not taken by the next block are
 * missed. A per-block stage of `blocks` blocks ends once its last block's slots are taken
 * (or at the next block), not at a time.
 */
export interface Pacer {
  /**
   * Takes the next slot: nothing to wait for (undefined, no promise on the hot path), or a
   * promise that resolves when the slot is due. Returns early when `signal` aborts. The
   * slot's due time (the `now` clock) and its stage's name are written into `slot`.
   */
  take(signal?: AbortSignal, slot?: Slot): Promise<void> | undefined
  /** Slots given up because every taker was later than `maxLagMs` behind them. */
  readonly missed: number
  /** Slots taken more than 10 ms after they were due (a send that started late). */
  readonly late: number
  /** The most any taken slot was behind its due time, in ms. */
  readonly maxLagMs: number
  /**
   * Stops the head watch and timers (after the last take). `stoppedAt`: when the run was
   * stopped (`--duration`, a signal) with the schedule still running, on the pacer's clock: the
   * slots due before it that nobody took are missed too, as there is no catch-up left for them.
   */
  close?(stoppedAt?: number): void
}

/** A spec the router paced: its slot's due time and stage ride along to the worker. */
export type PacedSpec = IndexedSpec & Slot

/** Where `take` says which slot a taker got. */
export interface Slot {
  /** When the slot was due, on the pacer's clock (performance.now() by default). */
  dueMs?: number
  /** The slot's stage, when the shape names its stages. */
  stage?: string
}

/** Calls `onHead` each time a new block shows up, until `stop` aborts. */
export type HeadSource = (onHead: () => void, stop: AbortSignal) => void

export const unpaced: Pacer = { take: () => undefined, missed: 0, late: 0, maxLagMs: 0 }

/** A slot taken this much after it was due counts as late. */
const LATE_MS = 10

/** How far behind its schedule the pacer lets workers catch up (a GC pause, a slow block). */
export const DEFAULT_MAX_LAG_MS = 1_000

export interface PacerOptions {
  maxLagMs?: number
  now?: () => number
  /** New blocks, for per-block stages (required when the shape has one). */
  heads?: HeadSource
  /** Called once when the shape's last stage is over (the run should stop); later takes get no wait. */
  onEnd?: () => void
}

export function createPacer(tps: number, opts: PacerOptions = {}): Pacer {
  return tps > 0 ? new ShapedPacer(constantShape(tps), opts) : unpaced
}

/** A pacer for `shape`; an empty shape is unpaced. */
export function createShapedPacer(shape: LoadShape, opts: PacerOptions = {}): Pacer {
  return shape.length > 0 ? new ShapedPacer(shape, opts) : unpaced
}

interface Waiter {
  signal: AbortSignal | undefined
  slot: Slot | undefined
  resolve: (v: Promise<void> | undefined) => void
}

class ShapedPacer implements Pacer {
  missed = 0
  late = 0
  maxLagMs = 0
  private readonly now: () => number
  private readonly maxLag: number
  private start: number | undefined
  private stageIdx = 0
  /** The current stage's start, in ms after `start` (on the schedule, not when it was reached). */
  private stageStart = 0
  /** Rate stages: the next slot's index in the stage, and the stage's slot count. */
  private k = 0
  private count: number
  /** Per-block stages: slots left of the last block, when it was seen, the takers waiting for the next. */
  private available = 0
  /** Blocks the current per-block stage has handed out slots for. */
  private blocksSeen = 0
  private headAt = 0
  private readonly waiters: Waiter[] = []
  private stageTimer: NodeJS.Timeout | undefined
  private ended = false
  private readonly stopHeads = new AbortController()

  constructor(
    private readonly shape: LoadShape,
    private readonly o: PacerOptions,
  ) {
    this.now = o.now ?? (() => performance.now())
    this.maxLag = o.maxLagMs ?? DEFAULT_MAX_LAG_MS
    this.count = this.slotsOf(shape[0]!)
    if (shape.some((s) => s.kind === 'block')) {
      if (!o.heads) throw new Error('a per-block load shape needs a head source')
      o.heads(() => this.onHead(), this.stopHeads.signal)
    }
  }

  take(signal?: AbortSignal, slot?: Slot): Promise<void> | undefined {
    const t = this.now()
    this.start ??= t
    const stage = this.stageAt(t)
    if (!stage) return this.end()
    if (stage.kind === 'block') return this.takeBlockSlot(stage, t, signal, slot)
    let due = this.start + this.stageStart + rateSlotDueMs(stage, this.k)
    if (due < t - this.maxLag) {
      // give up the slots more than maxLag behind: from the first one due at or after t − maxLag
      const first = Math.min(this.count, Math.ceil(cumulative(stage, t - this.maxLag - this.start - this.stageStart) - 1e-9))
      this.missed += first - this.k
      this.k = first
      if (this.k >= this.count) return this.take(signal, slot) // the stage's slots are all gone: the next stage
      due = this.start + this.stageStart + rateSlotDueMs(stage, this.k)
    }
    this.k++
    return this.hand(stage, due, t, signal, slot)
  }

  close(stoppedAt?: number): void {
    // a slot due in the last LATE_MS before the stop was not late yet: its taker may have been on its way
    if (stoppedAt !== undefined) this.giveUpDue(stoppedAt - LATE_MS)
    this.stopHeads.abort()
    clearTimeout(this.stageTimer)
    this.stageTimer = undefined
  }

  /** Counts as missed every slot due before `t` that was not taken (the schedule stopped there). */
  private giveUpDue(t: number): void {
    if (this.start === undefined || this.ended) return
    for (;;) {
      const stage = this.stageAt(t)
      if (!stage) return
      if (stage.kind === 'block') {
        this.missed += this.available
        this.available = 0
        return
      }
      const due = Math.min(this.count, Math.ceil(cumulative(stage, t - this.start - this.stageStart) - 1e-9))
      if (due <= this.k) return
      this.missed += due - this.k
      this.k = due
      if (this.k < this.count) return
    }
  }

  /** The stage slots are taken from at `t`, moving on past stages that are over; undefined after the last. */
  private stageAt(t: number): Stage | undefined {
    for (;;) {
      const stage = this.shape[this.stageIdx]
      if (!stage) return undefined
      if (!this.over(stage, t)) return stage
      if (stage.kind === 'block') this.missed += this.available
      this.available = 0
      this.blocksSeen = 0
      // a stage counted in blocks ended when it did: the next one's schedule starts there
      this.stageStart = stage.kind === 'block' && stage.blocks !== undefined ? t - this.start! : this.stageStart + stage.durationMs
      this.stageIdx++
      this.k = 0
      const next = this.shape[this.stageIdx]
      this.count = next ? this.slotsOf(next) : 0
    }
  }

  /** Is `stage` (the current one) over at `t`? `head`: a new block just showed up. */
  private over(stage: Stage, t: number, head = false): boolean {
    if (stage.kind === 'rate') return this.k >= this.count
    if (stage.blocks === undefined) return t >= this.start! + this.stageStart + stage.durationMs
    return this.blocksSeen >= stage.blocks && (head || this.available === 0)
  }

  private slotsOf(stage: Stage): number {
    if (stage.kind === 'block') return 0
    return Number.isFinite(stage.durationMs) ? rateSlotCount(stage) : Number.POSITIVE_INFINITY
  }

  /** Records the slot for the taker and the lag figures; a promise when the slot is still ahead. */
  private hand(stage: Stage, due: number, t: number, signal: AbortSignal | undefined, slot: Slot | undefined): Promise<void> | undefined {
    if (slot) {
      slot.dueMs = due
      if (stage.name !== undefined) slot.stage = stage.name
    }
    const wait = due - t
    if (wait >= 1) return sleep(wait, signal)
    if (-wait > LATE_MS) this.late++
    if (-wait > this.maxLagMs) this.maxLagMs = -wait
    return undefined
  }

  private takeBlockSlot(stage: Extract<Stage, { kind: 'block' }>, t: number, signal: AbortSignal | undefined, slot: Slot | undefined): Promise<void> | undefined {
    if (this.available > 0) {
      this.available--
      return this.hand(stage, this.headAt, t, signal, slot)
    }
    if (signal?.aborted) return undefined
    // wait for the next block, or the stage's end (then the next stage decides)
    if (stage.blocks === undefined) this.armStageTimer(this.start! + this.stageStart + stage.durationMs - t)
    return new Promise((resolve) => {
      const w: Waiter = { signal, slot, resolve }
      const onAbort = () => {
        const i = this.waiters.indexOf(w)
        if (i >= 0) this.waiters.splice(i, 1)
        resolve(undefined)
      }
      w.resolve = (v) => {
        signal?.removeEventListener('abort', onAbort)
        resolve(v)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiters.push(w)
    })
  }

  private armStageTimer(ms: number): void {
    if (this.stageTimer !== undefined || !Number.isFinite(ms)) return
    this.stageTimer = setTimeout(() => {
      this.stageTimer = undefined
      this.wakeAll()
    }, Math.max(0, ms))
  }

  /** Every waiter takes again (the stage changed or ended). */
  private wakeAll(): void {
    for (const w of this.waiters.splice(0)) w.resolve(this.take(w.signal, w.slot))
  }

  private onHead(): void {
    if (this.start === undefined || this.ended) return
    const t = this.now()
    // a stage counted in blocks that had its last one: this block is the next stage's
    const current = this.shape[this.stageIdx]
    if (current?.kind === 'block' && current.blocks !== undefined && this.over(current, t, true)) {
      this.missed += this.available
      this.available = 0
    }
    const stage = this.stageAt(t)
    if (!stage || stage.kind !== 'block') {
      this.wakeAll()
      return
    }
    this.missed += this.available
    this.available = stage.perBlock
    this.blocksSeen++
    this.headAt = t
    while (this.available > 0 && this.waiters.length > 0) {
      const w = this.waiters.shift()!
      this.available--
      w.resolve(this.hand(stage, t, t, w.signal, w.slot))
    }
  }

  private end(): undefined {
    if (!this.ended) {
      this.ended = true
      this.close()
      this.o.onEnd?.()
      this.wakeAll()
    }
    return undefined
  }
}

/** How many slots a rate stage has handed out by `ms` into it (its cumulative count N). */
function cumulative(s: Extract<Stage, { kind: 'rate' }>, ms: number): number {
  const t = Math.max(0, ms)
  const slope = Number.isFinite(s.durationMs) ? (s.to - s.from) / s.durationMs : 0
  return (s.from * t) / 1000 + (slope * t * t) / 2000
}
