/** `--tps auto`: the rate steered to the highest the chain includes of ours without a growing backlog. */
import type { BlockBody } from '../events/types.js'
import type { Steering } from './autoRate.js'

/** The rate grows ×1.5 a block until the chain shows its capacity. */
const RAISE = 1.5
/** A block this full (gas used ÷ limit) had no room left: what it took of ours is the capacity. */
const FULL = 0.9
/** How strongly the backlog's distance from its target (one block's worth) steers the rate. */
const GAIN = 0.5
/** Bounds of the rate around the capacity once found: a backlog below its target pulls it up at most 10 %. */
const HIGH = 1.1
const LOW = 0.5
/** Weight of a full block in the capacity's moving average (it is lowered slowly, raised at once). */
const SMOOTH = 0.3
/** Blocks the inclusion is averaged over where no block was full (the backlog grew without it). */
const WINDOW = 6

/**
 * While blocks have room and the backlog stays small, the rate grows ×1.5 a block. The first
 * full block (or a backlog growing past two blocks' worth) shows the capacity: the number of ours
 * a full block takes. Only full blocks measure it (a block with room took what we sent, not what
 * the chain could take); a block that took more of ours raises it at once. From then on the rate
 * is the capacity, corrected by how far the backlog is from one block's worth (GAIN), within
 * 0.5–1.1 × the capacity: below its target the backlog fills by at most a tenth of a block's
 * worth a block, so it settles at its target without overshooting it.
 */
export class SteerToCapacity implements Steering {
  /** Ours in a full block (a moving average); undefined before a full block with ours. */
  private perFull: number | undefined
  private readonly recent: number[] = []
  private found = false
  private lastBacklog = 0

  steer(e: BlockBody, rate: number, blockS: number): number {
    const full = e.gas_limit > 0 && e.gas_used / e.gas_limit >= FULL
    this.recent.push(e.ours)
    if (this.recent.length > WINDOW) this.recent.shift()
    if (this.perFull === undefined ? full && e.ours > 0 : e.ours > this.perFull) this.perFull = e.ours
    else if (full && this.perFull !== undefined) this.perFull += SMOOTH * (e.ours - this.perFull)
    const growing = e.backlog > this.lastBacklog && e.backlog > 2 * rate * blockS
    this.lastBacklog = e.backlog
    if (full || growing) this.found = true
    const per = this.perBlock()
    if (!this.found || per === undefined) return rate * RAISE
    const correction = 1 + (GAIN * (per - e.backlog)) / per
    return (per / blockS) * Math.min(HIGH, Math.max(LOW, correction))
  }

  capacity(blockS: number): number | undefined {
    const per = this.found ? this.perBlock() : undefined
    return per === undefined ? undefined : per / blockS
  }

  /** Ours a block can take: as full blocks showed it, else the inclusion of the last blocks. */
  private perBlock(): number | undefined {
    if (this.perFull !== undefined) return this.perFull
    const ours = this.recent.reduce((n, s) => n + s, 0)
    return ours > 0 ? Math.max(1, ours / this.recent.length) : undefined
  }
}
