/** The chain's side of a run, from its event log: blocks (backlog, base fee, fullness), replacements, timeouts by cause, saturation. */
import type { FloodgateEvent, SummaryEvent } from '../events/types.js'

/** At most this many block points are kept for the charts (past it, every other one is dropped). */
const MAX_POINTS = 600

export interface BlockPoint {
  /** Seconds since the first block of the log. */
  t: number
  number: number
  backlog: number
  ours: number
  /** gas used ÷ gas limit, 0–1. */
  fullness: number
  /** gwei; null without EIP-1559. */
  base_fee_gwei: number | null
}

export interface ChainSide {
  blocks: number
  /** Our txs per block, mean over the blocks that held any. */
  ours_per_block: number
  /** Mean fullness over all blocks read. */
  fullness: number
  base_fee_gwei: { first: number | null; max: number | null; last: number | null }
  max_backlog: number
  replaced: { total: number; by_reason: Record<string, number> }
  /** tx_timeout events by cause: the node dropped it, it was still pending, --max-fee held it back, the run stopped. */
  timeouts: { dropped: number; pending: number; fee_cap: number; run_stopped: number }
  filled: number
  saturation?: { episodes: number; saturated_ms: number }
  capacity?: { tps: number; gas_per_s: number }
  points: BlockPoint[]
}

export class ChainSideBuilder {
  private blocks = 0
  private oursBlocks = 0
  private ours = 0
  private fullnessSum = 0
  private firstTs: number | undefined
  private points: BlockPoint[] = []
  private stride = 1
  private baseFirst: number | null = null
  private baseMax: number | null = null
  private baseLast: number | null = null
  private maxBacklog = 0
  private replacedTotal = 0
  private readonly replacedBy: Record<string, number> = {}
  private readonly timeouts = { dropped: 0, pending: 0, fee_cap: 0, run_stopped: 0 }
  private filled = 0
  private logged: Pick<SummaryEvent, 'saturation' | 'capacity'> | undefined

  observe(e: FloodgateEvent): void {
    switch (e.type) {
      case 'block': {
        this.blocks++
        if (e.ours > 0) {
          this.oursBlocks++
          this.ours += e.ours
        }
        const fullness = e.gas_limit > 0 ? e.gas_used / e.gas_limit : 0
        this.fullnessSum += fullness
        const gwei = e.base_fee_per_gas !== undefined ? Number(BigInt(e.base_fee_per_gas)) / 1e9 : null
        if (gwei !== null) {
          this.baseFirst ??= gwei
          this.baseMax = Math.max(this.baseMax ?? gwei, gwei)
          this.baseLast = gwei
        }
        this.maxBacklog = Math.max(this.maxBacklog, e.backlog)
        this.firstTs ??= e.timestamp
        if ((this.blocks - 1) % this.stride === 0) this.point({ t: e.timestamp - this.firstTs, number: e.number, backlog: e.backlog, ours: e.ours, fullness: round3(fullness), base_fee_gwei: gwei === null ? null : round3(gwei) })
        break
      }
      case 'tx_replaced':
        this.replacedTotal++
        this.replacedBy[e.reason] = (this.replacedBy[e.reason] ?? 0) + 1
        break
      case 'tx_timeout':
        if (e.reason === 'run_stopped') this.timeouts.run_stopped++
        else if (e.reason === 'fee_cap') this.timeouts.fee_cap++
        else if (e.pending) this.timeouts.pending++
        else this.timeouts.dropped++
        break
      case 'nonce_gap_filled':
        this.filled++
        break
      case 'summary':
        this.logged = { ...(e.saturation ? { saturation: e.saturation } : {}), ...(e.capacity ? { capacity: e.capacity } : {}) }
        break
      default:
        break
    }
  }

  finish(): ChainSide | undefined {
    if (this.blocks === 0 && this.replacedTotal === 0 && this.filled === 0) return undefined
    return {
      blocks: this.blocks,
      ours_per_block: this.oursBlocks ? round3(this.ours / this.oursBlocks) : 0,
      fullness: this.blocks ? round3(this.fullnessSum / this.blocks) : 0,
      base_fee_gwei: { first: this.baseFirst, max: this.baseMax, last: this.baseLast },
      max_backlog: this.maxBacklog,
      replaced: { total: this.replacedTotal, by_reason: { ...this.replacedBy } },
      timeouts: { ...this.timeouts },
      filled: this.filled,
      ...(this.logged?.saturation ? { saturation: this.logged.saturation } : {}),
      ...(this.logged?.capacity ? { capacity: this.logged.capacity } : {}),
      points: this.points,
    }
  }

  private point(p: BlockPoint): void {
    this.points.push(p)
    if (this.points.length < MAX_POINTS) return
    this.points = this.points.filter((_, i) => i % 2 === 0)
    this.stride *= 2
  }
}

const round3 = (x: number): number => Number(x.toPrecision(3))
