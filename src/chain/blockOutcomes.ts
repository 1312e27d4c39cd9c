/** Ours in a block read: the txs whose outcome the block tells (no receipt read), and those whose receipts must be read. */
import type { Logger } from '../log.js'
import type { Key } from '../base/key.js'
import type { CodeReads } from './codeReads.js'
import type { Pending } from './pendingTxs.js'
import { differingField, plainReceipt } from './plainTx.js'
import type { ParsedReceipt } from './receipts.js'

/**
 * The first derived receipts are checked against the node's (their receipts are read, and the
 * events carry the node's): only once this many agree does a block body alone end a tx.
 */
export const DERIVED_CHECKS = 16

/** A told tx waits this long at most for the checks' verdict; then its receipt is read. */
const HOLD_MS = 10_000

/** A tx of ours found in a block: its entry, and its position in the block. */
export interface MinedTx {
  p: Pending
  index: number
}

/** The block a tx was found in, as the tracker saw it. */
export interface BlockAt {
  number: number
  /** Unix seconds. */
  timestamp: number
  /** Txs in it, ours and others. */
  txCount: number
}

/** Where each tx's outcome goes: told by its block (its tx_receipt now), or its receipt to read. */
export interface OutcomeSinks {
  told(p: Pending, receipt: ParsedReceipt, at: BlockAt): void
  read(p: Pending, at: BlockAt): void
}

interface Held {
  p: Pending
  receipt: ParsedReceipt
  at: BlockAt
  /** performance.now() when held. */
  since: number
}

/**
 * Decides which of ours need a receipt read. A plain tx (`PlainTx`: a transfer without calldata)
 * to an address with no code after its block needs none: status success, its intrinsic gas, the
 * price its fees and the block's base fee give. Every other tx is read. Off (`full`), every tx is
 * read. The first DERIVED_CHECKS derived receipts are read too and compared field by field with
 * the node's; one that differs turns derivation off for the run (a chain whose receipts carry more
 * than the block tells: an L2's fees, a client's quirk). Until they agree, the other plain txs
 * are held (a burst's first blocks hold thousands), for HOLD_MS at most.
 */
export class BlockOutcomes {
  private state: 'checking' | 'trusted' | 'off'
  private agreed = 0
  /** Checks whose receipts are being read. */
  private checks = 0
  private held: Held[] = []

  constructor(
    private readonly codes: CodeReads,
    private readonly sinks: OutcomeSinks,
    private readonly log: Logger,
    full: boolean,
  ) {
    this.state = full ? 'off' : 'checking'
  }

  /** Whether a sent tx's plain fields are worth keeping (derivation is not off). */
  get deriving(): boolean {
    return this.state !== 'off'
  }

  /** Txs held for the checks' verdict. */
  get holding(): number {
    return this.held.length
  }

  /** Hands on ours in block `at` (base fee `baseFee`, undefined without one). Never rejects. */
  async split(at: BlockAt, baseFee: bigint | undefined, mined: readonly MinedTx[]): Promise<void> {
    const candidates: MinedTx[] = []
    const addresses = new Set<Key>()
    for (const m of mined) {
      // a replaced tx (either hash may be the one mined, at other fees) and a waited-for tx read their receipts
      if (this.state === 'off' || !m.p.plain || m.p.oldHashes || m.p.waiters) this.sinks.read(m.p, at)
      else {
        candidates.push(m)
        addresses.add(m.p.plain.to)
      }
    }
    if (candidates.length === 0) return
    const codeless = await this.codes.codeless(addresses, at.number)
    for (const { p, index } of candidates) {
      const receipt = codeless.has(p.plain!.to) ? plainReceipt(p.plain!, at.number, index, baseFee) : undefined
      if (!receipt || this.state === 'off') this.sinks.read(p, at)
      else if (this.state === 'trusted') this.sinks.told(p, receipt, at)
      else if (this.checks < DERIVED_CHECKS - this.agreed) {
        // read, and the node's receipt compared with what the block told
        p.derived = receipt
        this.checks++
        this.sinks.read(p, at)
      } else this.held.push({ p, receipt, at, since: performance.now() })
    }
  }

  /** The node's receipt of a tx whose outcome was derived while checking: do they agree? */
  check(derived: ParsedReceipt, node: ParsedReceipt, hash: string): void {
    if (this.state !== 'checking') return
    this.checks = Math.max(0, this.checks - 1)
    const field = differingField(derived, node)
    if (field !== undefined) {
      this.state = 'off'
      this.log.warn({ tx: hash, field, node: node[field], derived: derived[field] }, `a receipt the block body told differs from the node's in ${field}: reading every receipt from the node for the rest of the run`)
      this.release(this.held.length)
      return
    }
    if (++this.agreed < DERIVED_CHECKS) return
    this.state = 'trusted'
    this.log.debug({ checked: this.agreed }, 'receipts told by block bodies agree with the node: reading receipts only of txs the block does not tell')
    for (const h of this.held.splice(0)) this.sinks.told(h.p, h.receipt, h.at)
  }

  /**
   * Held txs past HOLD_MS go to be read (a check whose receipt never came: its tx timed out, a
   * reorg); the checks start over with the next plain txs.
   */
  releaseStale(now = performance.now()): void {
    let k = 0
    while (k < this.held.length && this.held[k]!.since <= now - HOLD_MS) k++
    if (k === 0) return
    this.checks = 0
    this.release(k)
  }

  /** Every held tx goes to be read (the run stops). */
  flush(): void {
    this.release(this.held.length)
  }

  private release(k: number): void {
    for (const h of this.held.splice(0, k)) this.sinks.read(h.p, h.at)
  }
}
