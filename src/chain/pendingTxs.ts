/** The table of sent txs not yet seen in a block (add, match, due/expire), and the recent blocks' hashes a late tx_result is matched against. */
import type { Hex } from 'viem'
import type { ErrorCode } from '../base/errors.js'
import { keyOf, type Key } from '../base/key.js'
import type { FillReason, SendEnd, TxRef } from '../sender/txFates.js'
import type { PlainTx } from './plainTx.js'
import type { ParsedReceipt, RpcReceipt } from './receipts.js'

export type { TxRef }

export interface Pending {
  ref: TxRef
  hash: Hex & Key
  /** tx_result.start_timestamp_ms (wall clock). */
  startMs: number
  /** tx_result.scheduled_timestamp_ms (wall clock), in a paced run. */
  scheduledMs?: number
  /** Wei the tx moves away from its signer (SendEnd.value), for its tx_receipt. */
  value?: bigint
  /** performance.now() after which it times out. */
  deadline: number
  /** The hashes it had before it was replaced (`tx_replaced`): any of them may be the one mined. */
  oldHashes?: Key[]
  /** The hash found in a block, when it was one of `oldHashes` (the replacement came too late). */
  minedHash?: Hex & Key
  /**
   * Set for a tx its sender waits for itself (`ReceiptTracker.track`: funding, setup): they are
   * handed its receipt, or null when none came, and no event is written for it.
   */
  waiters?: ReceiptWaiter[]
  /** Its nonce went to a filler (`ReceiptTracker.filled`): it ends when the filler is mined, unless it is mined itself. */
  fill?: Fill
  /** A tx whose block may tell its outcome (`BlockOutcomes`), as signed. */
  plain?: PlainTx
  /** Its receipt as its block told it, while such receipts are still checked against the node's. */
  derived?: ParsedReceipt
}

/** A filler that took a pending tx's nonce: why, its hash, and the code the spec ends with. */
export interface Fill {
  reason: FillReason
  fillerHash: Hex & Key
  code: ErrorCode
}

/** A wait for one tx's receipt: the receipt as the node gave it, or null (timed out, stopped). */
export type ReceiptWaiter = (r: RpcReceipt | null) => void

/**
 * Hands `r` to the waiters of a waited-for tx (once: later calls hand nothing). False for a
 * spec's tx, whose end is an event.
 */
export function settleWaiters(p: Pending, r: RpcReceipt | null): boolean {
  if (!p.waiters) return false
  for (const w of p.waiters.splice(0)) w(r)
  return true
}

/** A block read, remembered for a while by its tx hashes. */
export interface SeenBlock {
  number: number
  timestamp: number
  /** performance.now() when the block was read, for the recent window. */
  readAt: number
  hashes: Key[]
}

export interface PendingTxsOptions {
  /** A tx is due this long after it was added. */
  timeoutMs: number
  /** How long the hashes of blocks read are kept. */
  recentWindowMs: number
  /** At most this many of them (oldest blocks dropped first). */
  recentHashCap: number
  /**
   * A tx added (or rehashed) after a block holding it was read: it is taken out of the table
   * (as by `include`) and handed over with that block.
   */
  onIncluded?: (p: Pending, b: SeenBlock) => void
}

export class PendingTxs {
  private readonly byHash = new Map<Key, Pending>()
  /** A replaced tx's earlier hashes → its entry: the old tx may still be the one mined. */
  private readonly aliases = new Map<Key, Pending>()
  private readonly recent: RecentBlocks

  constructor(private readonly o: PendingTxsOptions) {
    this.recent = new RecentBlocks(o.recentWindowMs, o.recentHashCap)
  }

  get size(): number {
    return this.byHash.size
  }

  /**
   * The tx the node took for `end`'s spec is pending from now; if a block read earlier holds it,
   * it is included at once. With `waiter`, it is a tx its sender waits for (a second wait for a
   * tx still pending joins the first).
   */
  add(end: SendEnd & { hash: Hex }, waiter?: ReceiptWaiter, plain?: PlainTx): void {
    const hash = keyOf(end.hash)
    const had = this.byHash.get(hash)
    if (had) {
      if (waiter) (had.waiters ??= []).push(waiter)
      return
    }
    const p: Pending = { ref: end.ref, hash, startMs: end.startMs, deadline: performance.now() + this.o.timeoutMs }
    if (end.scheduledMs !== undefined) p.scheduledMs = end.scheduledMs
    if (end.value !== undefined) p.value = end.value
    if (plain) p.plain = plain
    if (waiter) p.waiters = [waiter]
    this.byHash.set(hash, p)
    this.includeIfSeen(p)
  }

  /** The pending tx with this hash, or one it replaced (then `minedHash` says which). */
  get(hash: Hex & Key): Pending | undefined {
    const p = this.byHash.get(hash)
    if (p) return p
    const old = this.aliases.get(hash)
    if (old) old.minedHash = hash
    return old
  }

  /** The pending tx with this hash, or one it replaced, without marking which was mined. */
  peek(hash: Key): Pending | undefined {
    return this.byHash.get(hash) ?? this.aliases.get(hash)
  }

  /** The block read in the recent window that holds this hash, if any. */
  seen(hash: Key): SeenBlock | undefined {
    return this.recent.holding(hash)
  }

  /** Is `p` still pending? */
  has(hash: Key): boolean {
    return this.byHash.has(hash)
  }

  /** The spec's tx was replaced: it is now pending under `newHash` (its deadline unchanged). */
  rehash(oldHash: string, newHash: string): void {
    const p = this.byHash.get(keyOf(oldHash))
    if (!p) return
    this.byHash.delete(p.hash)
    ;(p.oldHashes ??= []).push(p.hash)
    this.aliases.set(p.hash, p)
    p.hash = keyOf(newHash as Hex)
    this.byHash.set(p.hash, p)
    this.includeIfSeen(p)
  }

  /**
   * `p` was found in a block under `minedHash` (its hash, or one it had before): it leaves the
   * table (no deadline, no second match) and says which hash was mined.
   */
  include(p: Pending, minedHash: Hex & Key): void {
    this.delete(p)
    if (minedHash !== p.hash) p.minedHash = minedHash
    else delete p.minedHash
  }

  /**
   * `p`, included earlier, has no receipt after all (a reorg, a node that lost it): it is
   * pending again, under its hashes, with a fresh deadline (so deadlines stay in insertion order).
   */
  reinstate(p: Pending): void {
    delete p.minedHash
    p.deadline = performance.now() + this.o.timeoutMs
    this.byHash.set(p.hash, p)
    for (const h of p.oldHashes ?? []) this.aliases.set(h, p)
  }

  /** `p` is resolved (or handed on): it is no longer pending. */
  delete(p: Pending): void {
    this.byHash.delete(p.hash)
    for (const h of p.oldHashes ?? []) this.aliases.delete(h)
  }

  /** Removes and returns the txs past their deadline. */
  takeDue(now = performance.now()): Pending[] {
    const out: Pending[] = []
    for (const p of this.byHash.values()) {
      if (p.deadline > now) break // insertion order is deadline order
      out.push(p)
    }
    for (const p of out) this.delete(p)
    return out
  }

  /** Removes and returns every pending tx. */
  takeAll(): Pending[] {
    const out = [...this.byHash.values()]
    for (const p of out) this.delete(p)
    return out
  }

  /** A block just read (and matched): a tx_result observed from now on for a tx in it is matched to it. */
  remember(b: SeenBlock): void {
    this.recent.add(b)
  }

  private includeIfSeen(p: Pending): void {
    const seen = this.recent.holding(p.hash)
    if (!seen || !this.o.onIncluded) return
    this.include(p, p.hash)
    this.o.onIncluded(p, seen)
  }
}

/** The blocks read in the last `windowMs`, by tx hash, at most `hashCap` hashes (the last block always). */
class RecentBlocks {
  private readonly blocks: SeenBlock[] = []
  private readonly index = new Map<Key, SeenBlock>()
  private hashes = 0

  constructor(
    private readonly windowMs: number,
    private readonly hashCap: number,
  ) {}

  add(b: SeenBlock): void {
    this.blocks.push(b)
    for (const h of b.hashes) this.index.set(h, b)
    this.hashes += b.hashes.length
    const oldest = performance.now() - this.windowMs
    while (this.blocks.length > 1 && (this.blocks[0]!.readAt < oldest || this.hashes > this.hashCap)) {
      const gone = this.blocks.shift()!
      for (const h of gone.hashes) if (this.index.get(h) === gone) this.index.delete(h)
      this.hashes -= gone.hashes.length
    }
  }

  holding(hash: Key): SeenBlock | undefined {
    return this.index.get(hash)
  }
}
