/** `--tps gas-target`: the rate steered to the chain's gas target (blocks half full), where the base fee stays flat. */
import type { BlockBody } from '../events/types.js'
import type { Steering } from './autoRate.js'

/**
 * EIP-1559's gas target: half the block gas limit (its elasticity is 2). A block above it raises
 * the next base fee by up to 12.5 %, one below lowers it as much; blocks at it keep it flat.
 */
export const GAS_TARGET = 0.5
/** The rate grows ×1.5 a block while blocks are under half the target. */
const RAISE = 1.5
/** How strongly a block's distance from the target changes the rate (a fraction of the rate per block at a full or empty block). */
const GAIN = 0.3
/** Blocks the fullness is averaged over (the loop's noise: a block holds a few more or fewer of ours). */
const AVERAGE = 2
/** At most this change of the rate in one block. */
const STEP = 0.25

/**
 * While blocks are under half the gas target, the rate grows ×1.5 a block. From then on the
 * rate changes each block by GAIN × how far the last blocks' fullness (gas used ÷ limit, all
 * txs, ours or not) is from the target, as a fraction of the target (at most ±25 % a block):
 * an integral controller, so the blocks' mean fullness settles at the target and the base fee
 * neither climbs nor sinks over hours; other traffic leaves ours less room. The rate is not
 * raised while our backlog exceeds two blocks' worth (the chain is not including what we send).
 */
export class SteerToGasTarget implements Steering {
  private readonly fullness: number[] = []
  private settled = false

  steer(e: BlockBody, rate: number, blockS: number): number {
    if (e.gas_limit <= 0) return rate
    this.fullness.push(e.gas_used / e.gas_limit)
    if (this.fullness.length > AVERAGE) this.fullness.shift()
    const f = this.fullness.reduce((n, x) => n + x, 0) / this.fullness.length
    const behind = e.backlog > 2 * rate * blockS
    if (!this.settled && f < GAS_TARGET / 2 && !behind) return rate * RAISE
    this.settled = true
    const step = Math.min(STEP, Math.max(-STEP, (GAIN * (GAS_TARGET - f)) / GAS_TARGET))
    return behind && step > 0 ? rate : rate * (1 + step)
  }

  /** Steered below it: the capacity is not found. */
  capacity(): undefined {
    return undefined
  }
}
