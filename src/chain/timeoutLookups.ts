/** What a tx left without a receipt becomes: the node is asked, and says mined after all (tx_receipt) or not (tx_timeout). */
import type { EventBody, TimeoutReason } from '../events/types.js'
import { describeError } from '../base/errors.js'
import type { Key } from '../base/key.js'
import type { TrackerReads } from './trackerReads.js'
import type { HeadWatcher } from './headWatcher.js'
import { inLanes } from './inLanes.js'
import { filledTimeout } from './filledSpecs.js'
import { settleWaiters, type Fill, type Pending } from './pendingTxs.js'
import { parseReceipt, receiptEvent, type RpcReceipt } from './receipts.js'

export interface TimeoutLookupsOptions {
  calls: TrackerReads
  /** First-seen times of blocks, for the inclusion of a tx found mined after all. */
  heads: HeadWatcher
  emit: (e: EventBody) => void
  /** Parallel eth_getTransactionByHash look-ups at most. */
  concurrency: number
  /** Is this tx held back by `--max-fee` (its timeout then says FEE_CAP_REACHED)? */
  capped?: (hash: Key) => boolean
}

/** The fields of eth_getTransactionByHash's answer a lookup reads (a node may leave any out). */
interface LookedUpTx {
  blockNumber?: string | null
  from?: string
  nonce?: string
}

export class TimeoutLookups {
  private inFlight = 0

  constructor(private readonly o: TimeoutLookupsOptions) {}

  /** Txs handed to `expire` and not reported yet. */
  get count(): number {
    return this.inFlight
  }

  /**
   * Asks the node about each tx of `list` (already out of the pending table), a few at a
   * time: mined after all → tx_receipt; else a tx_timeout saying whether the node still
   * holds it (one whose nonce went to a filler: with the fill's reason). A waited-for tx's waiters get the receipt, or null, instead.
   */
  async expire(list: Pending[], reason: TimeoutReason): Promise<void> {
    if (list.length === 0) return
    this.inFlight += list.length
    await inLanes(list, this.o.concurrency, async (p) => {
      try {
        await this.lookup(p, reason)
      } finally {
        this.inFlight--
      }
    })
  }

  /** Has the sender of `tx` (as the node shows it) a mined count above its nonce? False when the node's fields do not say. */
  private async nonceTaken(tx: LookedUpTx): Promise<boolean> {
    if (typeof tx.from !== 'string' || typeof tx.nonce !== 'string' || !/^0x[0-9a-fA-F]+$/.test(tx.nonce)) return false
    const mined = await this.o.calls.req<string>('eth_getTransactionCount', [tx.from, 'latest'])
    return typeof mined === 'string' && /^0x[0-9a-fA-F]+$/.test(mined) && BigInt(mined) > BigInt(tx.nonce)
  }

  private async lookup(p: Pending, reason: TimeoutReason): Promise<void> {
    // once the run stops (reason run_stopped), each call has the tracker's short timeout
    const calls = this.o.calls
    let pending = false
    let lookupError: string | undefined
    try {
      const tx = await calls.req<LookedUpTx | null>('eth_getTransactionByHash', [p.hash])
      // a tx the node still shows unmined at a nonce its sender has used on chain was replaced
      // there (ganache keeps showing a tx another process's replacement took the nonce of); the
      // receipt is read again in case it was mined meanwhile
      const taken = tx !== null && !tx.blockNumber && (await this.nonceTaken(tx))
      if (tx && (tx.blockNumber || taken)) {
        // mined in a block the tracker has not read (or no longer remembers): report it
        const r = await calls.req<RpcReceipt | null>('eth_getTransactionReceipt', [p.hash])
        if (r && settleWaiters(p, r)) return
        if (r) {
          const n = Number(BigInt(r.blockNumber))
          const timestamp = await calls.blockTimestamp(n)
          this.o.emit(receiptEvent(p, parseReceipt(r), 'receipt', { timestamp, seenMs: this.o.heads.firstSeen(n) }))
          return
        }
      }
      pending = tx !== null && !taken
    } catch (err) {
      lookupError = describeError(err)
    }
    if (settleWaiters(p, null)) return
    // its nonce went to a filler not seen mined (yet): the fill is why it has no receipt
    if (p.fill) {
      this.o.emit(filledTimeout(p as Pending & { fill: Fill }, pending, lookupError))
      return
    }
    const capped = reason === 'timeout' && this.o.capped?.(p.hash) === true
    this.o.emit({
      type: 'tx_timeout',
      ...p.ref,
      tx_hash: p.hash,
      pending,
      waited_ms: Math.max(0, Date.now() - p.startMs),
      reason: capped ? 'fee_cap' : reason,
      ...(capped ? { error_code: 'FEE_CAP_REACHED' as const } : {}),
      ...(lookupError !== undefined ? { lookup_error: lookupError } : {}),
    })
  }
}
