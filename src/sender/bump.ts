/** The fees of a replacement: the current ones, and at least the bump nodes require over the bid it replaces. */
import type { FeeSnapshot } from '../tx/fees.js'

/** geth's and reth's default price bump for a replacement: +10 % on both the tip and the fee cap. */
export const REPLACE_BUMP_PERCENT = 10n

/** `v` raised by the replacement bump, rounded up, plus 1 wei (nodes compare with ≥). */
export function bumpedBid(v: bigint): bigint {
  return v + (v * REPLACE_BUMP_PERCENT + 99n) / 100n + 1n
}

export interface Bid {
  maxFee: bigint
  tip: bigint
}

/**
 * The bid of a replacement of `old`: the current snapshot's (which carries the backlog's
 * headroom), but never less than the bump over `old` on both the cap and the tip; the tip
 * stays within the cap. `undefined` when `maxFee` (`--max-fee`) cannot pay for that bump, or
 * for the current base fee: the tx stays as it is.
 */
export function replacementBid(old: Bid, fees: FeeSnapshot, maxFee?: bigint): Bid | undefined {
  const curCap = fees.type === 'eip1559' ? fees.maxFeePerGas : fees.gasPrice
  const curTip = fees.type === 'eip1559' ? fees.maxPriorityFeePerGas : fees.gasPrice
  const minCap = bumpedBid(old.maxFee)
  const minTip = bumpedBid(old.tip)
  let cap = curCap > minCap ? curCap : minCap
  let tip = curTip > minTip ? curTip : minTip
  if (maxFee !== undefined && cap > maxFee) {
    const base = fees.type === 'eip1559' ? fees.baseFeePerGas : 0n
    if (maxFee < minCap || maxFee <= base) return undefined
    cap = maxFee
  }
  if (tip > cap) {
    if (cap < minTip) return undefined
    tip = cap
  }
  return { maxFee: cap, tip }
}

/** A snapshot that makes `buildTx` bid exactly `bid` (for gas-price types, the cap). */
export function snapshotWith(fees: FeeSnapshot, bid: Bid): FeeSnapshot {
  if (fees.type === 'eip1559') return { ...fees, maxFeePerGas: bid.maxFee, maxPriorityFeePerGas: bid.tip }
  return { ...fees, gasPrice: bid.maxFee }
}

/** A filler's fees: above any bid a lost copy at that nonce had (twice the current fees, plus 1 wei). */
export function fillerFees(f: FeeSnapshot): FeeSnapshot {
  if (f.type === 'eip1559') return { ...f, maxFeePerGas: f.maxFeePerGas * 2n + 1n, maxPriorityFeePerGas: f.maxPriorityFeePerGas * 2n + 1n }
  return { ...f, gasPrice: f.gasPrice * 2n + 1n }
}
