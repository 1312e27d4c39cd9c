/** What a run spends, per account and per run: the cost of a signer's window of txs in flight, its spend per second, the funding that follows, and the funder's runway. */
import type { FeeSnapshot } from '../tx/fees.js'

/** A tx of the run, as its cost sees it: its gas limit (given, or estimated) and the value it sends. */
export interface TxShape {
  gas: bigint
  value: bigint
}

/** Seconds of its spend an account is funded for before the spam, beside its window (the first background top-up comes long before). */
export const FUNDED_SECONDS = 30

/** The fee cap a new tx bids, and the price per gas it will pay once mined (the base fee + the tip), now. */
export function bidOf(fees: FeeSnapshot): { cap: bigint; price: bigint } {
  if (fees.type === 'legacy') return { cap: fees.gasPrice, price: fees.gasPrice }
  return { cap: fees.maxFeePerGas, price: fees.baseFeePerGas + fees.maxPriorityFeePerGas }
}

/** The most a signer's window of `inFlight` txs can cost at fee cap `cap`: what the node holds back for them together. */
export function windowCost(inFlight: number, tx: TxShape, cap: bigint): bigint {
  return BigInt(inFlight) * (tx.gas * cap + tx.value)
}

/** What an account sending `txPerS` such txs spends per second at `price` per gas (the gas limit: an upper bound of the gas used). */
export function spendPerS(txPerS: number, tx: TxShape, price: bigint): bigint {
  return (BigInt(Math.ceil(txPerS * 1_000)) * (tx.gas * price + tx.value)) / 1_000n
}

export interface SpamFunding {
  /** What each account is brought up to (never below `minBalance`). */
  perAccount: bigint
  /** Its parts: the window at the first bid's fee cap, and FUNDED_SECONDS of the account's spend. */
  window: bigint
  spend: bigint
}

/**
 * What each of `accounts` needs before the spam: its window of `inFlight` of the run's costliest
 * tx at the fee cap of the first bid, plus FUNDED_SECONDS of its share of `tps` (unpaced: one
 * window a second) at the price it will pay; `minBalance` stays the floor.
 */
export function spamFunding(o: { tx: TxShape; inFlight: number; tps: number; accounts: number; fees: FeeSnapshot; minBalance: bigint }): SpamFunding {
  const { cap, price } = bidOf(o.fees)
  const window = windowCost(o.inFlight, o.tx, cap)
  const perAccountTps = o.tps > 0 ? o.tps / Math.max(1, o.accounts) : o.inFlight
  const spend = spendPerS(perAccountTps, o.tx, price) * BigInt(FUNDED_SECONDS)
  const need = window + spend
  return { perAccount: need > o.minBalance ? need : o.minBalance, window, spend }
}
