/** A signer's money: what it can still commit to txs (its balance, less the most its unmined txs can cost), and a top-up asked for when that is short. */
import { formatEther, type Address, type TransactionSerializable } from 'viem'
import { sleep } from '../base/sleep.js'
import type { ChainReads } from './chainReads.js'
import { SendFailure } from './txRequest.js'

/** Blob gas per blob (EIP-4844). */
const BLOB_GAS = 131_072n
/** Without a funder, how long a send waits for its signer's txs in flight to be mined (and free what they hold) before it fails INSUFFICIENT_FUNDS. */
const WAIT_FOR_MINED_MS = 30_000
const POLL_MS = 500

/** The most a built tx can cost its sender: gas × fee cap + value, + blob gas × blob fee cap. */
export function maxCost(tx: TransactionSerializable): bigint {
  const t = tx as { gas?: bigint; value?: bigint; gasPrice?: bigint; maxFeePerGas?: bigint; maxFeePerBlobGas?: bigint; blobVersionedHashes?: readonly unknown[] }
  let cost = (t.gas ?? 0n) * (t.maxFeePerGas ?? t.gasPrice ?? 0n) + (t.value ?? 0n)
  if (t.blobVersionedHashes) cost += BigInt(t.blobVersionedHashes.length) * BLOB_GAS * (t.maxFeePerBlobGas ?? 0n)
  return cost
}

/** The ledger's running costs (kept by the signer's NonceWindow, see NonceLedger). */
export interface LedgerCosts {
  /** What the unmined txs can cost at most, together. */
  readonly committed: bigint
  /** What the txs seen mined could have cost at most, all together since the start. */
  readonly minedCost: bigint
}

/** Where a signer's money comes from when its own runs short: the run's funder (`accounts/treasury.ts`). */
export interface Funds {
  /**
   * Tops `address` up by `need` (what it lacks for the tx that asks), and by `more` if it can
   * (a window of such txs), out of turn: resolves once the top-up is mined. Throws SendFailure:
   * FUNDS_EXHAUSTED when the funder cannot pay any more, INSUFFICIENT_FUNDS when `need` alone is
   * more than it holds.
   */
  cover(address: Address, need: bigint, more: bigint): Promise<void>
}

export interface PurseOptions {
  address: Address
  costs: LedgerCosts
  /** Tells the ledger which txs the node mined (their costs then leave `committed` for `minedCost`). */
  settle: () => Promise<void>
  reads: ChainReads
  /** The run's funder; none: a signer short of money waits for its txs in flight, then fails INSUFFICIENT_FUNDS. */
  funds: Funds | undefined
  /** The signer's window (`--in-flight`): a top-up asked for out of turn covers a window of such txs more, not just the one. */
  inFlight: number
}

/**
 * What a signer can still spend. Its balance is read from the node when a send finds it short
 * (the first send included); from then on, the most each tx seen mined could cost is taken off
 * it, and the most the unmined ones can cost is held back. Both err on the safe side (a tx
 * mined before the read but seen after it is taken off twice, until the next read): a tx the
 * purse lets through, the node can pay, and never drops as unpayable.
 */
export class Purse {
  /** The last balance read, and the ledger's `minedCost` just before it was asked for. */
  private read: { balance: bigint; mark: bigint } | undefined
  /** What the sends under way (signed, not yet answered) can cost: held until the ledger has them, or they were refused. */
  private held = 0n
  /** The top-up asked for and not yet mined. */
  private asking: Promise<void> | undefined

  constructor(private readonly o: PurseOptions) {}

  /** What the account can still commit; undefined before its balance was read. */
  get spendable(): bigint | undefined {
    const { read } = this
    if (!read) return undefined
    const { committed, minedCost } = this.o.costs
    return read.balance - (minedCost - read.mark) - committed - this.held
  }

  /** Holds `cost` for a send under way, if the account can commit it (true); concurrent sends never count the same money twice. */
  take(cost: bigint): boolean {
    if (!this.pays(cost)) return false
    this.held += cost
    return true
  }

  /** That send was answered: the ledger holds its cost now, or it was refused. */
  release(cost: bigint): void {
    this.held -= cost
  }

  /** Can the account commit `cost` more now? */
  pays(cost: bigint): boolean {
    const left = this.spendable
    return left !== undefined && cost <= left
  }

  /**
   * Reads the balance again, after the mined txs left what is held back. The ledger's count is
   * taken before the read: a tx mined meanwhile is then taken off twice until the next read,
   * never not at all.
   */
  async refresh(): Promise<void> {
    await this.o.settle()
    const mark = this.o.costs.minedCost
    this.read = { balance: await this.o.reads.balanceOf(this.o.address), mark }
  }

  /** Is there a funder to ask? */
  get funded(): boolean {
    return this.o.funds !== undefined
  }

  /** Asks the funder for `amount` more (and `more` if it can), out of turn, and reads the balance once it is mined (FUNDS_EXHAUSTED: it cannot pay; INSUFFICIENT_FUNDS: there is none, or it holds less than `amount`). */
  async topUp(amount: bigint, more = 0n): Promise<void> {
    const { funds } = this.o
    if (!funds) throw new SendFailure('INSUFFICIENT_FUNDS', `${this.o.address} cannot pay this tx, and there is no funder to top it up`)
    // one ask at a time: the sends that run short meanwhile wait for it, then look again
    if (!this.asking) {
      this.asking = funds.cover(this.o.address, amount, more).then(() => this.refresh())
      this.asking.then(
        () => (this.asking = undefined),
        () => (this.asking = undefined),
      )
    }
    await this.asking
  }

  /**
   * A tx that can cost `cost` does not fit what is left (read just before): ask the funder for
   * the difference (resolves once it is mined and read), or, without a funder, wait a while
   * for the txs in flight to be mined, then read again. The caller checks again after. Throws
   * SendFailure when the money cannot come: FUNDS_EXHAUSTED (the funder cannot pay),
   * INSUFFICIENT_FUNDS (no funder, and a tx the balance cannot pay even once the txs in flight
   * are mined, or still short 30 s after `since`).
   */
  async cover(cost: bigint, since: number, cancel?: AbortSignal): Promise<void> {
    const left = this.spendable ?? 0n
    if (cost <= left) return
    if (this.o.funds) return this.topUp(cost - left, BigInt(this.o.inFlight) * cost)
    // waiting helps only a tx the balance would pay once the txs in flight are mined
    const committed = this.o.costs.committed + this.held
    if (committed > 0n && cost <= left + committed && performance.now() - since < WAIT_FOR_MINED_MS) {
      await sleep(POLL_MS, cancel)
      return this.refresh()
    }
    throw new SendFailure(
      'INSUFFICIENT_FUNDS',
      `${this.o.address} holds ${formatEther(this.read?.balance ?? 0n)} ETH${committed > 0n ? `, ${formatEther(committed)} of it held for its txs in flight,` : ''} and this tx can cost up to ${formatEther(cost)} ETH (gas limit × fee cap + value); there is no funder to top it up`,
    )
  }
}
