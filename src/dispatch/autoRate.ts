/** `--tps auto`: a send rate steered by inclusion, toward the highest rate the chain includes without a growing backlog. */
import { sleep } from '../base/sleep.js'
import type { BlockBody } from '../events/types.js'
import type { Pacer, Slot } from './pacer.js'

/** The first rate, tx/s: low enough for any chain; raised ×1.5 a block while blocks have room. */
const START_TPS = 10
const RAISE = 1.5
/** A block this full (gas used ÷ limit) has no room left: the rate has found the chain's capacity. */
const FULL = 0.9
/** How strongly the backlog's distance from its target (one block's worth) steers the rate. */
const GAIN = 0.5
/** Blocks the inclusion rate is averaged over. */
const WINDOW = 6

/**
 * A pacer whose rate follows the chain. While blocks have room and the backlog stays under a
 * block's worth, the rate grows ×1.5 a block. Once blocks are full (or the backlog grows) it
 * has found the chain's capacity: from then on the rate is the measured inclusion rate of
 * ours, corrected by how far the backlog is from one block's worth (GAIN), within
 * 0.5–1.25 × that rate. Steered by inclusion, which every node reports (polygon-cli's
 * adaptive rate reads `txpool_status`, which not every node has).
 */
export class AutoRate implements Pacer {
  private rate = START_TPS
  private next: number | undefined
  private lastAt: number | undefined
  private readonly recent: { ours: number; dt: number }[] = []
  private found = false
  private lastBacklog = 0
  missed = 0
  late = 0
  maxLagMs = 0

  constructor(private readonly now: () => number = () => performance.now()) {}

  take(signal?: AbortSignal, into?: Slot): Promise<void> | undefined {
    const t = this.now()
    // a sender idle for longer than a second does not bank slots for a burst
    if (this.next === undefined || this.next < t - 1_000) this.next = t
    const slot = this.next
    this.next = slot + 1000 / this.rate
    if (into) into.dueMs = slot
    const wait = slot - t
    if (wait >= 1) return sleep(wait, signal)
    if (-wait > this.maxLagMs) this.maxLagMs = -wait
    if (-wait > 10) this.late++
    return undefined
  }

  /** The current rate, tx/s. */
  get tps(): number {
    return this.rate
  }

  /** The chain's capacity as found (the inclusion rate once blocks were full), tx/s; undefined before. */
  get capacity(): number | undefined {
    return this.found ? this.inclusionTps() : undefined
  }

  /** A block the tracker read (the return path): the rate follows inclusion. */
  block(e: BlockBody): void {
    const at = e.timestamp
    const dt = this.lastAt === undefined ? 0 : at - this.lastAt
    this.lastAt = at
    if (dt > 0) {
      this.recent.push({ ours: e.ours, dt })
      if (this.recent.length > WINDOW) this.recent.shift()
    }
    const full = e.gas_limit > 0 && e.gas_used / e.gas_limit >= FULL
    const included = this.inclusionTps()
    const blockS = this.blockSeconds()
    if (!this.found && (full || (e.backlog > this.lastBacklog && e.backlog > this.rate * blockS * 2))) this.found = true
    this.lastBacklog = e.backlog
    if (!this.found || included === undefined) {
      this.rate = this.rate * RAISE
    } else {
      const target = Math.max(1, included * blockS)
      const correction = 1 + (GAIN * (target - e.backlog)) / target
      this.rate = included * Math.min(1.25, Math.max(0.5, correction))
    }
    this.rate = Math.max(1, this.rate)
  }

  /** Ours included per second over the window; undefined before two blocks. */
  private inclusionTps(): number | undefined {
    if (this.recent.length === 0) return undefined
    const ours = this.recent.reduce((n, s) => n + s.ours, 0)
    const dt = this.recent.reduce((n, s) => n + s.dt, 0)
    return dt > 0 ? ours / dt : undefined
  }

  private blockSeconds(): number {
    if (this.recent.length === 0) return 1
    return this.recent.reduce((n, s) => n + s.dt, 0) / this.recent.length
  }
}
