/** `--tps auto` and `--tps gas-target`: a pacer whose rate is steered, block by block, by what the chain does with our txs. */
import { sleep } from '../base/sleep.js'
import type { BlockBody } from '../events/types.js'
import type { Pacer, Slot } from './pacer.js'

/** The first rate, tx/s: low enough for any chain; a steering raises it while blocks have room. */
export const START_TPS = 10
/** Blocks the block time is averaged over. */
const WINDOW = 6

/** How the rate follows the blocks: the capacity (`steerToCapacity.ts`) or the gas target (`steerToGasTarget.ts`). */
export interface Steering {
  /** The rate after block `e`, tx/s, from the current `rate` and the mean block time `blockS` (s). */
  steer(e: BlockBody, rate: number, blockS: number): number
  /** The chain's capacity for our txs as found, tx/s; undefined before (or never, for a steering that stays below it). */
  capacity(blockS: number): number | undefined
}

/**
 * A pacer whose slots are spaced by a rate its steering sets after each block the receipt
 * tracker reads (the return path). Steered by inclusion and block gas, which every node reports
 * (polygon-cli's adaptive rate reads `txpool_status`, which not every node has).
 */
export class AutoRate implements Pacer {
  private rate = START_TPS
  private next: number | undefined
  private lastAt: number | undefined
  private readonly gaps: number[] = []
  missed = 0
  late = 0
  maxLagMs = 0

  constructor(
    private readonly steering: Steering,
    private readonly now: () => number = () => performance.now(),
  ) {}

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

  /** The chain's capacity as found, tx/s; undefined before (and in gas-target mode). */
  get capacity(): number | undefined {
    return this.steering.capacity(this.blockSeconds())
  }

  /** A block the tracker read (the return path): the steering sets the next rate. */
  block(e: BlockBody): void {
    const dt = this.lastAt === undefined ? 0 : e.timestamp - this.lastAt
    this.lastAt = e.timestamp
    if (dt > 0) {
      this.gaps.push(dt)
      if (this.gaps.length > WINDOW) this.gaps.shift()
    }
    this.rate = Math.max(1, this.steering.steer(e, this.rate, this.blockSeconds()))
  }

  /** The mean time between the last blocks, s (1 before two blocks). */
  private blockSeconds(): number {
    if (this.gaps.length === 0) return 1
    return this.gaps.reduce((n, s) => n + s, 0) / this.gaps.length
  }
}
