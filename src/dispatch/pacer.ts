/** `--tps` pacing: send slots at a fixed rate shared by all workers, with missed and late slots counted. */
import { sleep } from '../base/sleep.js'

/**
 * Hands out send slots at a fixed rate, shared by all workers. Slot k is due at
 * start + k/rate; a worker that is late may use the slots it missed, up to `maxLagMs`
 * worth, so stalls are caught up and the long-run rate stays exact. Slots older than
 * that are given up and counted: a pool too small for the rate shows as `missed`, never
 * as a silently lower rate.
 */
export interface Pacer {
  /**
   * Takes the next slot: nothing to wait for (undefined, no promise on the hot path), or a
   * promise that resolves when the slot is due. Returns early when `signal` aborts.
   */
  take(signal?: AbortSignal): Promise<void> | undefined
  /** Slots given up because every taker was later than `maxLagMs` behind them. */
  readonly missed: number
  /** Slots taken more than 10 ms after they were due (a send that started late). */
  readonly late: number
  /** The most any taken slot was behind its due time, in ms. */
  readonly maxLagMs: number
}

export const unpaced: Pacer = { take: () => undefined, missed: 0, late: 0, maxLagMs: 0 }

/** A slot taken this much after it was due counts as late. */
const LATE_MS = 10

/** How far behind its schedule the pacer lets workers catch up (a GC pause, a slow block). */
export const DEFAULT_MAX_LAG_MS = 1_000

export function createPacer(tps: number, opts: { maxLagMs?: number; now?: () => number } = {}): Pacer {
  if (!(tps > 0)) return unpaced
  const now = opts.now ?? (() => performance.now())
  const interval = 1000 / tps
  const maxLag = opts.maxLagMs ?? DEFAULT_MAX_LAG_MS
  let next: number | undefined
  let missed = 0
  let late = 0
  let worstLag = 0
  return {
    take(signal) {
      const t = now()
      if (next === undefined) next = t
      let slot = next
      if (slot < t - maxLag) {
        const skipped = Math.floor((t - maxLag - slot) / interval)
        missed += skipped
        slot += skipped * interval
      }
      next = slot + interval
      const wait = slot - t
      if (wait >= 1) return sleep(wait, signal)
      if (-wait > LATE_MS) late++
      if (-wait > worstLag) worstLag = -wait
      return undefined
    },
    get missed() {
      return missed
    },
    get late() {
      return late
    },
    get maxLagMs() {
      return worstLag
    },
  }
}
