/** A signer's accepted, unmined txs as its keeper reads and mends them: a view of the window's ledger, made by the window. */
import type { Hex } from 'viem'
import type { Bid } from './bump.js'
import type { NonceLedger, Unmined } from './nonceLedger.js'

/**
 * The keeper's side of the ledger: what the node mined, the gaps, the fillers and replacements
 * it sent, and when it checks next. The NonceWindow makes it over its own ledger, so every
 * write to a signer's ledger still goes through that signer's window.
 */
export class KeptTxs {
  constructor(private readonly ledger: NonceLedger) {}

  /** Accepted txs by nonce, in nonce order, until seen mined. */
  get unmined(): ReadonlyMap<number, Unmined> {
    return this.ledger.unmined
  }

  /** The gaps, ascending. */
  get gaps(): readonly number[] {
    return this.ledger.gaps
  }

  /** What the kept txs can cost at most, together: held back from the balance (see NonceLedger.committed). */
  get committed(): bigint {
    return this.ledger.committed
  }

  /** What the txs seen mined could have cost at most, all together: a running count (see NonceLedger.minedCost). */
  get minedCost(): bigint {
    return this.ledger.minedCost
  }

  /** The highest nonce the node should count as ours (see NonceLedger.counted). */
  get counted(): number | undefined {
    return this.ledger.counted
  }

  /** performance.now() of the keeper's next check; 0: at the next chance. */
  get checkAt(): number {
    return this.ledger.nextCheck
  }

  /** The keeper's next check comes `inMs` from now. */
  checkIn(inMs: number): void {
    this.ledger.nextCheck = performance.now() + inMs
  }

  /** The node may have lost txs of ours: check at the next chance. */
  checkSoon(): void {
    this.ledger.checkSoon()
  }

  /** The node mined our txs below `latest`. */
  minedBelow(latest: number): void {
    this.ledger.minedBelow(latest)
  }

  /** Everything sent is mined. */
  allMined(): void {
    this.ledger.allMined()
  }

  /** The gaps, taken for fillers (they are no longer the next sends' to take). */
  takeGaps(): number[] {
    return this.ledger.gaps.splice(0)
  }

  /** A filler the node took at `nonce` (at most `cost`): kept until mined, like any tx of ours. */
  filled(nonce: number, hash: Hex, raw: Hex, cost: bigint): void {
    this.ledger.remember(nonce, { raw, hash, idx: -1, cost })
  }

  /** The kept tx `tx` was re-signed and the node took the new one (at most `cost`): `tx` is that one now. */
  replaced(tx: Unmined, hash: Hex, raw: Hex, bid: Bid, cost: bigint): void {
    this.ledger.recost(tx, cost)
    tx.hash = hash
    if (tx.raw !== undefined) tx.raw = raw
    tx.maxFee = bid.maxFee
    tx.tip = bid.tip
    tx.replacements = (tx.replacements ?? 0) + 1
    delete tx.askedMore
  }

  /** The node wanted more than the bump for `tx`'s replacement: the next one bumps over it again. */
  askedMore(tx: Unmined): void {
    tx.askedMore = (tx.askedMore ?? 0) + 1
  }
}
