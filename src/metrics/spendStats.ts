/** The run's economics from its events: what the included txs cost (fees + value moved), the spend rate over the last minute of blocks, and the base fee's course. */
import type { BlockEvent, SummaryEvent, TxReceiptEvent } from '../events/types.js'

/** The spend rate is measured over this much block time (seconds) before the newest receipt's block. */
export const SPEND_WINDOW_S = 60

/** A wei amount from an event: a decimal string (or a safe integer); undefined for anything else (a tampered log). */
export function weiOf(x: unknown): bigint | undefined {
  if (typeof x === 'string') return /^(0|[1-9][0-9]{0,77})$/.test(x) ? BigInt(x) : undefined
  if (Number.isSafeInteger(x) && (x as number) >= 0) return BigInt(x as number)
  return undefined
}

const countOf = (x: unknown): bigint | undefined => (Number.isSafeInteger(x) && (x as number) >= 0 ? BigInt(x as number) : undefined)

/**
 * Sums what the pool paid for its included txs, read from their `tx_receipt` events: gas used ×
 * effective gas price, plus blob gas × blob gas price, plus the value a successful tx moved
 * away (a reverted tx pays its gas and moves nothing). Follows the base fee of the `block`
 * events. Memory is bounded: one sum per block second of the last minute.
 */
export class SpendStats {
  feeWei = 0n
  valueWei = 0n
  /** wei per block timestamp (s), over the last SPEND_WINDOW_S seconds of blocks. */
  private readonly recent = new Map<number, bigint>()
  private newestTs: number | undefined
  private base: { first: bigint; peak: bigint; last: bigint; firstTs: number; lastTs: number } | undefined

  receipt(e: TxReceiptEvent): void {
    const gas = countOf(e.gas_used)
    const price = weiOf(e.effective_gas_price)
    if (gas === undefined || price === undefined) return
    let wei = gas * price
    if (e.blob_gas_used !== undefined) wei += (countOf(e.blob_gas_used) ?? 0n) * (weiOf(e.blob_gas_price) ?? 0n)
    this.feeWei += wei
    if (e.value !== undefined && e.status === 'success') {
      const v = weiOf(e.value) ?? 0n
      this.valueWei += v
      wei += v
    }
    this.inWindow(e.block_timestamp, wei)
  }

  block(e: BlockEvent): void {
    const fee = weiOf(e.base_fee_per_gas)
    if (fee === undefined || !Number.isSafeInteger(e.timestamp)) return
    const b = this.base
    if (!b) this.base = { first: fee, peak: fee, last: fee, firstTs: e.timestamp, lastTs: e.timestamp }
    else {
      b.last = fee
      b.lastTs = e.timestamp
      if (fee > b.peak) b.peak = fee
    }
  }

  /**
   * wei per second over the last minute of blocks: what the blocks after the oldest one in the
   * window cost, over the time since it (the oldest block is the fence). Undefined before
   * receipts of two block timestamps.
   */
  weiPerS(): bigint | undefined {
    if (this.newestTs === undefined || this.recent.size < 2) return undefined
    let oldest = this.newestTs
    for (const ts of this.recent.keys()) if (ts < oldest) oldest = ts
    let wei = 0n
    for (const [ts, w] of this.recent) if (ts > oldest) wei += w
    return wei / BigInt(this.newestTs - oldest)
  }

  /** The latest base fee ÷ the first one read (1 before two blocks; undefined before a block, or when the first was 0). */
  baseFeeRatio(): number | undefined {
    return this.base ? ratio(this.base.last, this.base.first) : undefined
  }

  /** The latest base fee, wei. */
  get lastBaseFee(): bigint | undefined {
    return this.base?.last
  }

  /** The summary's `spend` (when a receipt was read) and `base_fee` (when a block had one). */
  summary(): Pick<SummaryEvent, 'spend' | 'base_fee'> {
    const out: Pick<SummaryEvent, 'spend' | 'base_fee'> = {}
    if (this.newestTs !== undefined) {
      const rate = this.weiPerS()
      out.spend = { fee_wei: this.feeWei.toString(), value_wei: this.valueWei.toString(), total_wei: (this.feeWei + this.valueWei).toString(), ...(rate !== undefined ? { wei_per_s: rate.toString() } : {}) }
    }
    const b = this.base
    if (b) {
      const r = ratio(b.last, b.first)
      const span = b.lastTs - b.firstTs
      const perMin = r !== undefined && span > 0 ? r ** (60 / span) : undefined
      out.base_fee = { first: b.first.toString(), peak: b.peak.toString(), last: b.last.toString(), span_s: span }
      if (r !== undefined) out.base_fee.ratio = sig4(r)
      if (perMin !== undefined && Number.isFinite(perMin)) out.base_fee.growth_per_min = sig4(perMin)
    }
    return out
  }

  private inWindow(ts: number, wei: bigint): void {
    if (!Number.isSafeInteger(ts)) return
    if (this.newestTs === undefined || ts > this.newestTs) {
      this.newestTs = ts
      for (const old of this.recent.keys()) if (old < ts - SPEND_WINDOW_S) this.recent.delete(old)
    }
    // a receipt of a block older than the window (a late timeout lookup) counts in the totals only
    if (ts < this.newestTs - SPEND_WINDOW_S) return
    this.recent.set(ts, (this.recent.get(ts) ?? 0n) + wei)
  }
}

/** a ÷ b for wei amounts, as a number; undefined when b is 0. */
function ratio(a: bigint, b: bigint): number | undefined {
  if (b === 0n) return undefined
  // 12 significant digits survive the division even past 2^53
  return Number((a * 10n ** 12n) / b) / 1e12
}

const sig4 = (x: number): number => Number(x.toPrecision(4))
