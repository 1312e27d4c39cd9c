/** The run's event stream: every event is stamped, shown to the run's views (stats, progress, metrics, the end table), and written. */
import type { EventWriter } from './eventWriter.js'
import type { DrainingSink } from './eventSink.js'
import type { ReorderStash } from './reorderStash.js'
import { EVENT_VERSION, type EventBody, type FloodgateEvent } from './types.js'

/** A view of the output: it reads events to count or show them, and must not throw. */
export type EventView = (e: FloodgateEvent) => void

export interface RunEventsOptions {
  /** Fields every event carries after its own (`shard` of a sharded run). */
  stamp?: Record<string, string>
  /** The views, in order. */
  views: readonly EventView[]
  /** `--ordered`: `tx_result` lines are written in `idx` order through this stash (views are not delayed). */
  stash?: ReorderStash
}

/**
 * Where every unit of a run emits its events. The views see each event as it is written (the
 * summary counts what the consumer reads); nobody learns a tx's fate here: that travels the
 * fate port (TxFates). Everything is given at construction.
 */
export class RunEvents implements DrainingSink {
  private readonly stash: ReorderStash | undefined
  private readonly stamped: Record<string, string> | undefined
  private readonly views: readonly EventView[]

  constructor(
    private readonly writer: EventWriter,
    o: RunEventsOptions,
  ) {
    // what the stash holds is written by its flush() at the latest (the pipeline's end)
    this.stamped = o.stamp
    this.views = o.views
    this.stash = o.stash
  }

  emit(body: EventBody): void {
    this.emitOwned({ version: EVENT_VERSION, ...body } as FloodgateEvent)
  }

  /**
   * An event its caller built whole (`version` first) and hands over: it is written as it is,
   * with the stamped fields added after its own, without the copy `emit` makes (the hot
   * path's `tx_result`, once per tx).
   */
  emitOwned(event: FloodgateEvent): void {
    if (this.stamped) Object.assign(event, this.stamped)
    for (const v of this.views) v(event)
    // the stash sees results even after stdout closed: the run's end waits for it to move on
    if (this.stash?.take(event)) return
    this.writer.write(event)
  }

  get closed(): boolean {
    return this.writer.closed
  }

  /** True while the consumer is behind (the writer is over its high-water mark). */
  get needsDrain(): boolean {
    return this.writer.needsDrain
  }

  /** Resolves when the consumer has room again. */
  drained(): Promise<void> {
    return this.writer.drained()
  }

  /** Writes what is pending; resolves when it has been handed to the OS. */
  end(): Promise<void> {
    return this.writer.end()
  }
}
