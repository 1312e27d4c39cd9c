/** Where our txs landed in their blocks (`tx_index`) and what share of each block was ours (`block_tx_count`). */
import type { FloodgateEvent } from '../events/types.js'

/** Blocks followed at most; past it, further blocks are counted in the positions only. */
const MAX_BLOCKS = 200_000

export interface Positions {
  /** Receipts that gave a position. */
  txs: number
  /** Percentiles of `tx_index` (0 = first in its block). */
  index: { p50: number; p90: number; max: number }
  /** Share of our txs that were the first of their block (%). */
  first_pct: number
  /** Blocks that held txs of ours and said how many they hold. */
  blocks: number
  /** Our txs as a share of each such block, in %: percentiles over the blocks, and over all their txs. */
  share: { p50: number; min: number; max: number; overall: number }
}

/** Collects positions from tx_receipt events; null when the log has none (an older floodgate, or no receipts). */
export class PositionStats {
  private readonly indexCounts = new Map<number, number>()
  private txs = 0
  private first = 0
  private readonly blocks = new Map<number, { ours: number; total: number }>()

  observe(e: FloodgateEvent): void {
    if (e.type !== 'tx_receipt' || e.tx_index === undefined) return
    this.txs++
    if (e.tx_index === 0) this.first++
    this.indexCounts.set(e.tx_index, (this.indexCounts.get(e.tx_index) ?? 0) + 1)
    if (e.block_tx_count === undefined) return
    const b = this.blocks.get(e.block_number)
    if (b) b.ours++
    else if (this.blocks.size < MAX_BLOCKS) this.blocks.set(e.block_number, { ours: 1, total: e.block_tx_count })
  }

  finish(): Positions | null {
    if (this.txs === 0) return null
    const sorted = [...this.indexCounts].sort((a, b) => a[0] - b[0])
    const at = (q: number) => {
      let seen = 0
      for (const [i, n] of sorted) if ((seen += n) >= q * this.txs) return i
      return sorted.at(-1)![0]
    }
    const shares = [...this.blocks.values()].map((b) => (100 * b.ours) / Math.max(b.ours, b.total)).sort((a, b) => a - b)
    const ours = [...this.blocks.values()].reduce((s, b) => s + b.ours, 0)
    const total = [...this.blocks.values()].reduce((s, b) => s + Math.max(b.ours, b.total), 0)
    const round = (x: number) => Math.round(x * 10) / 10
    return {
      txs: this.txs,
      index: { p50: at(0.5), p90: at(0.9), max: sorted.at(-1)![0] },
      first_pct: round((100 * this.first) / this.txs),
      blocks: shares.length,
      share: shares.length ? { p50: round(shares[Math.floor((shares.length - 1) / 2)]!), min: round(shares[0]!), max: round(shares.at(-1)!), overall: round((100 * ours) / total) } : { p50: 0, min: 0, max: 0, overall: 0 },
    }
  }
}
