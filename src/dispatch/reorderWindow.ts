/** `--ordered`: the gate before routing that bounds the reorder stash — spec `idx` goes on only while `idx < next result to write + window`. */
import type { ReorderStash } from '../events/reorderStash.js'
import type { IndexedSpec } from '../stream/spec.js'

/**
 * The router passes each spec through this gate, in idx order, before it takes a slot and a
 * worker queue. Spec `idx` may go on while `idx < stash.nextIdx + capacity`: so at most
 * `capacity` specs are past the gate without their result written, and the stash, which
 * holds only results of specs past the gate, never holds more than `capacity − 1`. It cannot
 * deadlock: the spec whose result the stash waits for (`nextIdx`) is already past the gate,
 * in a worker queue or in a send, and workers never wait on the stash.
 *
 * Shaped like a queue (`size`, `capacity`, `isFull`, `offer`, `push`) so a `BackpressureGauge`
 * reports its waits (`backpressure` with `stage: "reorder"`); nothing is stored in it.
 */
export class ReorderWindow {
  /** One past the last idx let through. */
  private passed = 0
  private waiting: { idx: number; resolve: () => void } | undefined

  constructor(
    private readonly stash: ReorderStash,
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`reorder window must be ≥ 1, got ${capacity}`)
    stash.onAdvance(() => this.wake())
  }

  /** Specs let through whose result is not written yet. */
  get size(): number {
    return Math.max(0, this.passed - this.stash.nextIdx)
  }

  get isFull(): boolean {
    return this.size >= this.capacity
  }

  /** Lets `spec` through now if it fits the window (no promise, for the hot path). */
  offer(spec: IndexedSpec): boolean {
    if (!this.fits(spec.idx)) return false
    this.pass(spec.idx)
    return true
  }

  /** Resolves when `spec` fits the window (the router waits on one spec at a time). */
  push(spec: IndexedSpec): Promise<void> {
    if (this.offer(spec)) return Promise.resolve()
    return new Promise((resolve) => {
      this.waiting = { idx: spec.idx, resolve }
    })
  }

  private fits(idx: number): boolean {
    return idx < this.stash.nextIdx + this.capacity
  }

  private pass(idx: number): void {
    if (idx >= this.passed) this.passed = idx + 1
  }

  private wake(): void {
    const w = this.waiting
    if (w === undefined || !this.fits(w.idx)) return
    this.waiting = undefined
    this.pass(w.idx)
    w.resolve()
  }
}

/**
 * The window when `--reorder-window` is not given: what the pool holds past the router anyway
 * (every worker's queue, plus the sends in its hands: `--in-flight`), so ordering costs no more memory than
 * the queues do and, while workers keep pace with each other, never holds the router back
 * before the worker queues would.
 */
export function defaultReorderWindow(workers: number, queueCapacity: number, inFlight: number): number {
  return workers * (queueCapacity + inFlight)
}
