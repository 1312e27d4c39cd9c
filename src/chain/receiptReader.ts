/** Reading our txs' receipts in one block, by block or by tx, keeping what a read got before it failed. */
import { keyOf, type Key } from '../base/key.js'
import { RpcError, TransportError } from '../rpc/rpc.js'
import type { Logger } from '../log.js'
import { START_READS, toHex, type TrackerReads } from './trackerReads.js'
import { inLanes } from './inLanes.js'
import { checkedReceipt, isMethodMissing, type RpcReceipt } from './receipts.js'

/**
 * How receipts are read: `block`, one eth_getBlockReceipts per block that holds ours; `tx`,
 * eth_getTransactionReceipt for each of ours, in JSON-RPC batches; `auto`, `tx` on anvil,
 * `block` elsewhere.
 */
export type ReceiptSource = 'auto' | 'block' | 'tx'

/** eth_getTransactionReceipt calls per JSON-RPC batch, and batches in flight, in `tx` mode. */
const RECEIPT_BATCH = 100
const RECEIPT_BATCHES_IN_FLIGHT = 2

/** What a read got: receipts by hash, and what cut it short, if anything did. */
export interface BlockRead {
  receipts: Map<Key, RpcReceipt>
  failure?: unknown
}

export class ReceiptReader {
  private blockReceipts: 'unknown' | 'yes' | 'no' = 'unknown'

  constructor(
    private readonly calls: TrackerReads,
    private readonly log: Logger,
  ) {}

  /** Before the first read: by tx for `tx`, and for `auto` on anvil; else by block (by tx after all on a node without it). */
  async choose(source: ReceiptSource): Promise<void> {
    if (source === 'tx' || (source === 'auto' && (await this.isAnvil()))) this.blockReceipts = 'no'
  }

  /**
   * How many of one block's txs one read should take: all of them by block (one call either
   * way); by tx, the batches in flight at `full` speed, else one batch.
   */
  perRead(full: boolean): number {
    if (this.blockReceipts !== 'no') return Infinity
    return full ? RECEIPT_BATCH * RECEIPT_BATCHES_IN_FLIGHT : RECEIPT_BATCH
  }

  /**
   * The receipts of `hashes` (all in block n). A read is not all-or-nothing: what
   * came before a failure is returned with it, so a retry need ask only for the rest.
   */
  async read(n: number, hashes: readonly Key[]): Promise<BlockRead> {
    const receipts = new Map<Key, RpcReceipt>()
    try {
      if (!(await this.byBlock(n, hashes, receipts))) await this.byTx(hashes, receipts)
      return { receipts }
    } catch (failure) {
      return { receipts, failure }
    }
  }

  private async isAnvil(): Promise<boolean> {
    try {
      return /^anvil\b/i.test(await this.calls.req<string>('web3_clientVersion', [], START_READS))
    } catch {
      return false
    }
  }

  /** One eth_getBlockReceipts, unless reading by tx. False if the receipts are to be read by tx. */
  private async byBlock(n: number, hashes: readonly Key[], out: Map<Key, RpcReceipt>): Promise<boolean> {
    if (this.blockReceipts === 'no') return false
    try {
      const all = await this.calls.req<RpcReceipt[] | null>('eth_getBlockReceipts', [toHex(n)])
      if (all) {
        this.blockReceipts = 'yes'
        const want = new Set(hashes)
        // a receipt of the wrong shape fails the read (those before it are kept)
        const url = this.calls.rpc.displayUrl
        if (!Array.isArray(all)) checkedReceipt(all, url)
        for (const r of all) {
          const h = r !== null && typeof r === 'object' && typeof r.transactionHash === 'string' ? keyOf(r.transactionHash) : undefined
          if (h === undefined) checkedReceipt(r, url) // not a receipt: throws
          else if (want.has(h)) out.set(h, checkedReceipt(r, url))
        }
        return true
      }
    } catch (err) {
      if (err instanceof TransportError && err.failure === 'timeout') {
        // a node that cannot build a block's receipts within the timeout goes on building them
        // after we gave up: asked again each poll, it would never answer anything else
        this.blockReceipts = 'no'
        this.log.warn({ rpc: this.calls.rpc.displayUrl, block: n }, 'eth_getBlockReceipts took longer than --rpc-timeout: reading one receipt per tx of ours from now on')
        return false
      }
      if (!(err instanceof RpcError) || this.blockReceipts === 'yes' || !isMethodMissing(err)) throw err
      this.blockReceipts = 'no'
      this.log.info({ rpc: this.calls.rpc.displayUrl }, 'the node has no eth_getBlockReceipts: reading one receipt per tx of ours')
      return false
    }
    throw new Error(`eth_getBlockReceipts: no receipts for block ${n} yet`)
  }

  /** Our txs' receipts, RECEIPT_BATCH to a JSON-RPC batch (one call each where the Rpc has no batches). */
  private async byTx(hashes: readonly Key[], out: Map<Key, RpcReceipt>): Promise<void> {
    const chunks: Key[][] = []
    for (let i = 0; i < hashes.length; i += RECEIPT_BATCH) chunks.push(hashes.slice(i, i + RECEIPT_BATCH))
    // after a failure no new chunk is started; what the others read is kept
    let failure: unknown
    const readChunk = async (chunk: Key[]) => {
      try {
        await this.readChunk(chunk, out)
      } catch (err) {
        failure ??= err
      }
    }
    await inLanes(chunks, RECEIPT_BATCHES_IN_FLIGHT, readChunk, () => failure === undefined)
    if (failure !== undefined) throw failure
  }

  private async readChunk(chunk: Key[], out: Map<Key, RpcReceipt>): Promise<void> {
    const rpc = this.calls.rpc
    const items = await this.calls.many(chunk.map((h) => ({ method: 'eth_getTransactionReceipt', params: [h] })))
    let failed: unknown
    items.forEach((item, i) => {
      if (!item.ok) failed ??= item.error
      else if (item.result) {
        try {
          out.set(chunk[i]!, checkedReceipt(item.result, rpc.displayUrl))
        } catch (err) {
          failed ??= err
        }
      }
    })
    if (failed !== undefined) throw failed
  }
}
