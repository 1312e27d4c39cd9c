/** Pushing into a bounded queue (or the reorder window) while reporting its saturation episodes as backpressure events. */
import type { DrainingSink } from '../events/eventSink.js'
import type { BackpressureStage } from '../events/types.js'
import type { BoundedQueue } from './boundedQueue.js'

/** What a gauge pushes into: a `BoundedQueue`, or anything that fills and waits like one (`ReorderWindow`). */
export type GaugedQueue<T> = Pick<BoundedQueue<T>, 'size' | 'capacity' | 'isFull' | 'offer' | 'push'>

/**
 * Pushes into one bounded queue and reports saturation episodes. An episode starts when a
 * push finds the queue full (`backpressure`). It goes on while the queue stays at least
 * half full — a paced consumer frees one slot at a time, and each freed slot is not the end
 * of the saturation — and ends at the first push that finds it below half, or at
 * `finish()` (`backpressure_end`, with the total time the producer spent waiting).
 */
export class BackpressureGauge<T> {
  private inEpisode = false
  private blockedMs = 0

  constructor(
    private readonly queue: GaugedQueue<T>,
    private readonly events: DrainingSink,
    private readonly stage: BackpressureStage,
    private readonly worker?: number,
  ) {}

  /** Pushes now if the queue has room (no promise, for hot paths); false: await `push` instead. */
  tryPush(item: T): boolean {
    if (this.queue.isFull) return false
    if (this.queue.size < this.queue.capacity / 2) this.finish()
    return this.queue.offer(item)
  }

  push(item: T): Promise<void> {
    if (!this.queue.isFull) {
      if (this.queue.size < this.queue.capacity / 2) this.finish()
      return this.queue.push(item)
    }
    if (!this.inEpisode) {
      this.inEpisode = true
      this.blockedMs = 0
      this.events.emit({
        type: 'backpressure',
        stage: this.stage,
        ...(this.worker !== undefined ? { worker: this.worker } : {}),
        queued: this.queue.size,
        capacity: this.queue.capacity,
      })
    }
    const t = performance.now()
    return this.queue.push(item).finally(() => {
      this.blockedMs += performance.now() - t
    })
  }

  /** Ends an open episode. */
  finish(): void {
    if (!this.inEpisode) return
    this.inEpisode = false
    this.events.emit({
      type: 'backpressure_end',
      stage: this.stage,
      ...(this.worker !== undefined ? { worker: this.worker } : {}),
      blocked_ms: Math.round(this.blockedMs * 1000) / 1000,
    })
  }
}
