/** A signer's nonces and its ledger of accepted, not yet mined txs: what gap checks and rebroadcasts read. */
import type { Hex } from 'viem'
import type { TxRequest } from './txRequest.js'

/** A sent tx the node accepted and that was not yet seen mined. */
export interface Unmined {
  /** The signed bytes to rebroadcast; not kept for blob txs (≈256 KiB a blob with its sidecar: built again from `req`). */
  raw?: Hex
  hash: Hex
  /** The spec's index; -1 for a gap filler. */
  idx: number
  id?: string
  line?: number
  /** What it was built from, to re-sign it at other fees (same nonce, same payload); none for a filler. */
  req?: TxRequest
  /** What it bids per gas: the fee cap and the tip (a legacy tx's gas price is both). */
  maxFee?: bigint
  tip?: bigint
  /** A blob tx's max fee per blob gas: with `req` and the bid, its bytes (not kept) are built again, the same. */
  blobFee?: bigint
  /** The most it can cost the account at its bid (gas × fee cap + value, + blob gas × blob fee cap): what its sender's purse holds back for it. */
  cost?: bigint
  /** How often it was replaced so far. */
  replacements?: number
  /** Replacements the node found underpriced since the last one it took: each asks one more bump. */
  askedMore?: number
}

/** Unmined txs a ledger remembers at most (older ones are forgotten; a lost one is then filled, not rebroadcast). */
const MAX_UNMINED = 4_096
/** Signed txs longer than this (hex characters: blob txs) are not kept: a lost one is built again from its request (`SignerSender.sameBytes`). */
const MAX_KEPT_RAW = 64 * 1024

/**
 * One per signer, held by that signer's NonceWindow alone, which makes every write (no lock,
 * no sharing). A send takes its nonce when it starts (several may be in flight, at consecutive
 * nonces); a definite refusal gives the nonce back, and the next send takes the lowest one
 * given back, so no gap is left. The next nonce is forgotten (read again from the node once
 * nothing is in flight) when the node and we may disagree.
 *
 * A *gap* is a nonce below `next` that the node lacks from us and no send holds: given back by
 * a refused send, or found lacking at a resync. The next send takes it; when the input ended
 * first, a filler does.
 */
export class NonceLedger {
  /** The nonce after the highest one taken; undefined: read the node's pending nonce first. */
  next: number | undefined
  /**
   * Set after an accepted self-authorized set-code tx: the nonce the node must have mined
   * before the next send (the authorization's nonce is counted only once the tx is mined).
   */
  mineFirst: number | undefined
  /** Accepted txs by nonce, in nonce order, until seen mined. */
  readonly unmined = new Map<number, Unmined>()
  /** performance.now() of the next gap check; 0: at the next chance. */
  nextCheck = 0
  /**
   * The gaps: nonces below `next` given back by a refused send while later ones were in flight
   * (or found lacking at a resync, see `resume`), in ascending order. The next sends take them
   * first; filled if the input ends first.
   */
  readonly gaps: number[] = []
  /** What the kept txs can cost at most, together (their `cost`): held back from the account's balance. */
  committed = 0n
  /** What the txs seen mined (or forgotten) could have cost at most, all together since the start: a running count. */
  minedCost = 0n
  /** The highest nonce in `unmined` (they are kept in nonce order). */
  private last = -1
  /**
   * Nonces below this one were mined (the highest latest count seen), or may have been accepted
   * and forgotten past the cap: never taken for gaps.
   */
  private keptFrom = 0

  /** `keep`: remember accepted txs for gap checks (off for dry runs and when gap checks are off). */
  constructor(private readonly keep: boolean) {}

  /** The node may hold a different view of our nonce: read it again before the next send. */
  forget(): void {
    this.next = undefined
    this.gaps.length = 0
  }

  /** The node may have lost txs of ours: check at the next chance. */
  checkSoon(): void {
    this.nextCheck = 0
  }

  /**
   * The nonce after the highest accepted, unmined tx kept (0 when none): a floor for the node's
   * pending count, which some nodes (ganache) give without their pool.
   */
  get afterUnmined(): number {
    return this.last + 1
  }

  /**
   * The node's pending count, read after `forget`, sets `next`: never below a tx of ours the
   * node took (a node may count its pool out: ganache). A nonce between the two that no kept tx
   * holds is one the node lacks (a send that failed without the node's word, a gap forgotten
   * with the rest): a gap again, for the next send to take (filled if the input ended), so the
   * kept txs above it are not left waiting behind it.
   */
  resume(pending: number): void {
    this.gaps.length = 0
    const top = this.afterUnmined
    if (pending >= top) {
      this.next = pending
      return
    }
    for (let n = Math.max(pending, this.keptFrom); n < top; n++) if (!this.unmined.has(n)) this.gaps.push(n)
    this.next = top
  }

  /** The nonce the next send would take (the lowest gap, else `next`), without taking it. */
  get upcoming(): number | undefined {
    return this.gaps.length > 0 ? this.gaps[0] : this.next
  }

  /**
   * Takes the nonce of a send: the lowest gap, else `next` (advanced by `step`: 2 for a
   * self-authorized set-code tx, which never takes a gap). `next` must be known.
   */
  take(step: number): number {
    if (step === 1 && this.gaps.length > 0) return this.gaps.shift()!
    const nonce = this.next!
    this.next = nonce + step
    return nonce
  }

  /**
   * A send at `nonce` (taken with `step`) was definitely refused: its nonces are free again. The
   * top one lowers `next` (with any gaps just below it); one below later nonces in flight
   * becomes a gap. Ignored after `forget` (the node's count decides then).
   */
  release(nonce: number, step = 1): void {
    for (let n = nonce + step - 1; n >= nonce; n--) this.releaseOne(n)
  }

  private releaseOne(nonce: number): void {
    if (this.next === undefined || nonce >= this.next) return
    if (nonce !== this.next - 1) {
      let i = this.gaps.length
      while (i > 0 && this.gaps[i - 1]! > nonce) i--
      if (this.gaps[i - 1] !== nonce) this.gaps.splice(i, 0, nonce)
      return
    }
    this.next = nonce
    while (this.gaps.length > 0 && this.gaps[this.gaps.length - 1] === this.next - 1) this.next = this.gaps.pop()!
  }

  /**
   * The node has the tx at `nonce` (taken with `step`; a self-authorized set-code tx's next
   * send then waits for it to be mined): remember it until it is mined.
   */
  accepted(nonce: number, step: number, tx?: Unmined): void {
    if (step > 1) this.mineFirst = nonce + step
    if (!this.keep || !tx) return
    if (tx.raw !== undefined && tx.raw.length > MAX_KEPT_RAW) delete tx.raw
    this.remember(nonce, tx)
  }

  /** Keeps `tx` at `nonce`, in nonce order (the oldest is forgotten past the cap). */
  remember(nonce: number, tx: Unmined): void {
    this.committed += (tx.cost ?? 0n) - (this.unmined.get(nonce)?.cost ?? 0n)
    if (nonce > this.last || this.unmined.has(nonce)) {
      this.unmined.set(nonce, tx)
      if (nonce > this.last) this.last = nonce
    } else {
      // below the newest kept one (a send answered after a later one of its window, a filler):
      // the kept ones above it, a few nonces at most, move behind it
      const above: [number, Unmined][] = []
      for (let n = nonce + 1; n <= this.last; n++) {
        const v = this.unmined.get(n)
        if (v === undefined) continue
        above.push([n, v])
        this.unmined.delete(n)
      }
      this.unmined.set(nonce, tx)
      for (const [n, v] of above) this.unmined.set(n, v)
    }
    if (this.unmined.size > MAX_UNMINED) {
      const oldest = this.unmined.keys().next().value!
      this.spent(this.unmined.get(oldest)!)
      this.unmined.delete(oldest)
      this.keptFrom = Math.max(this.keptFrom, oldest + 1)
    }
  }

  /** Everything sent is mined: nothing to remember. */
  allMined(): void {
    this.minedCost += this.committed
    this.committed = 0n
    this.unmined.clear()
    this.last = -1
  }

  /** Forgets the txs below `latest` (mined). */
  minedBelow(latest: number): void {
    if (latest > this.keptFrom) this.keptFrom = latest
    for (const n of this.unmined.keys()) {
      if (n >= latest) break // insertion order is nonce order
      this.spent(this.unmined.get(n)!)
      this.unmined.delete(n)
    }
    if (this.unmined.size === 0) this.last = -1
  }

  /** A kept tx's bid changed (a replacement): so did what it can cost. */
  recost(tx: Unmined, cost: bigint): void {
    this.committed += cost - (tx.cost ?? 0n)
    tx.cost = cost
  }

  /** A kept tx left the ledger mined (or forgotten): what it held back is spent, at most. */
  private spent(tx: Unmined): void {
    const cost = tx.cost ?? 0n
    this.committed -= cost
    this.minedCost += cost
  }

  /**
   * The highest nonce the node should count as ours: `next`, less a set-code tx's authorization
   * nonce while that tx is unmined (the node counts it only once mined: no gap of ours).
   */
  get counted(): number | undefined {
    if (this.next === undefined) return undefined
    return this.mineFirst !== undefined ? this.next - 1 : this.next
  }
}
