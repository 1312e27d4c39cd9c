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

/** A tx of ours found in a block: its entry, and its position in the block. */
export interface MinedTx {
  p: Pending
  index: number
}

export interface BlockSplit {
  /** Txs the block tells, with their receipt as the block tells it. */
  told: { p: Pending; receipt: ParsedReceipt }[]
  /** Txs whose receipts are to be read. */
  read: Pending[]
}

/**
 * Decides, per block, which of ours need a receipt read. A plain tx (`PlainTx`: a transfer
 * without calldata) to an address with no code after the block needs none: status success, its
 * intrinsic gas, the price its fees and the block's base fee give. Every other tx is read. Off
 * (`full`), every tx is read. The first DERIVED_CHECKS derived receipts are read too and
 * compared field by field with the node's; one that differs turns derivation off for the run
 * (a chain whose receipts carry more than the block tells: an L2's fees, a client's quirk).
 */
export class BlockOutcomes {
  private state: 'checking' | 'trusted' | 'off'
  private agreed = 0

  constructor(
    private readonly codes: CodeReads,
    private readonly log: Logger,
    full: boolean,
  ) {
    this.state = full ? 'off' : 'checking'
  }

  /** Whether a sent tx's plain fields are worth keeping (derivation is not off). */
  get deriving(): boolean {
    return this.state !== 'off'
  }

  /** Splits ours in block `n` (base fee `baseFee`, undefined without one). Never rejects. */
  async split(n: number, baseFee: bigint | undefined, mined: readonly MinedTx[]): Promise<BlockSplit> {
    const out: BlockSplit = { told: [], read: [] }
    const candidates: MinedTx[] = []
    const addresses = new Set<Key>()
    for (const m of mined) {
      // a replaced tx (either hash may be the one mined, at other fees) and a waited-for tx read their receipts
      if (this.state === 'off' || !m.p.plain || m.p.oldHashes || m.p.waiters) out.read.push(m.p)
      else {
        candidates.push(m)
        addresses.add(m.p.plain.to)
      }
    }
    if (candidates.length === 0) return out
    const codeless = await this.codes.codeless(addresses, n)
    for (const m of candidates) {
      const receipt = codeless.has(m.p.plain!.to) ? plainReceipt(m.p.plain!, n, m.index, baseFee) : undefined
      if (receipt && this.state === 'trusted') out.told.push({ p: m.p, receipt })
      else {
        // while checking, the node's receipt is read and compared with what the block told
        if (receipt && this.state === 'checking') m.p.derived = receipt
        out.read.push(m.p)
      }
    }
    return out
  }

  /** The node's receipt of a tx whose outcome was derived while checking: do they agree? */
  check(derived: ParsedReceipt, node: ParsedReceipt, hash: string): void {
    if (this.state !== 'checking') return
    const field = differingField(derived, node)
    if (field !== undefined) {
      this.state = 'off'
      this.log.warn({ tx: hash, field, node: node[field], derived: derived[field] }, `a receipt the block body told differs from the node's in ${field}: reading every receipt from the node for the rest of the run`)
      return
    }
    if (++this.agreed < DERIVED_CHECKS) return
    this.state = 'trusted'
    this.log.debug({ checked: this.agreed }, 'receipts told by block bodies agree with the node: reading receipts only of txs the block does not tell')
  }
}
