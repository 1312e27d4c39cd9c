/** Where a unit's events go: the run's events (stamped, observed, written), or nowhere in a phase that writes none. */
import type { EventBody, FloodgateEvent } from './types.js'

export interface EventSink {
  emit(body: EventBody): void
  /** An event its caller built whole (`version` first), handed over without a copy (the hot path's `tx_result`). */
  emitOwned(event: FloodgateEvent): void
}

/** Funding and setup write no events: what their senders would report goes to the log. */
export const NO_EVENTS: EventSink = { emit: () => {}, emitOwned: () => {} }

/** A sink whose consumer can fall behind: the hot path checks `needsDrain` and awaits `drained()`. */
export interface DrainingSink extends EventSink {
  readonly needsDrain: boolean
  drained(): Promise<void>
}
