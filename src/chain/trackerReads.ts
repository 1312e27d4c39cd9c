/** The receipt tracker's calls to the node: one request each (its loops ask again next period), a short timeout once the run is stopping. */
import type { Hex } from 'viem'
import { readRetry, type ReadBudget } from '../rpc/readRetry.js'
import type { BatchCall, BatchItem, RequestOptions, Rpc, RpcError, TransportError } from '../rpc/rpc.js'
import type { RpcBlockHeader } from './receipts.js'

/** How the first reads (block number, client version) are retried: through transient failures, for 5 s. */
export const START_READS: ReadBudget = { windowMs: 5_000 }

/** A block as eth_getBlockByNumber(n, false) gives it: the header fields read, and the tx hashes. */
export type BlockWithHashes = RpcBlockHeader & { transactions: Hex[] }

export class TrackerReads {
  constructor(
    readonly rpc: Rpc,
    /** True once the run is stopping. */
    private readonly stopping: () => boolean,
  ) {}

  /**
   * One call under readRetry's `budget` (default: once, no retry); once the run is stopping, with
   * a short timeout, so a dead node cannot hold the end up.
   */
  req<T>(method: string, params: readonly unknown[] = [], budget: ReadBudget = { once: true }): Promise<T> {
    return readRetry((o) => (o.timeoutMs === undefined ? this.rpc.request<T>(method, params) : this.rpc.request<T>(method, params, o)), budget, { stopping: this.stopping })
  }

  /** One JSON-RPC batch (the Rpc must have `batch`), as `req` makes one call. */
  batch(calls: readonly BatchCall[]): Promise<BatchItem[]> {
    return readRetry((o: RequestOptions) => this.rpc.batch!(calls, o), { once: true }, { stopping: this.stopping })
  }

  /**
   * Several calls, each with its own outcome: one JSON-RPC batch where the Rpc has batches, else
   * one call after the other, up to the first that fails (its error is then the outcome of the
   * calls not made, which the caller retries). Rejects as `batch` does.
   */
  async many(calls: readonly BatchCall[]): Promise<BatchItem[]> {
    if (this.rpc.batch && calls.length > 1) return this.batch(calls)
    const out: BatchItem[] = []
    for (const c of calls) {
      try {
        out.push({ ok: true, result: await this.req(c.method, c.params ?? []) })
      } catch (err) {
        const failed: BatchItem = { ok: false, error: err as RpcError | TransportError }
        while (out.length < calls.length) out.push(failed)
        break
      }
    }
    return out
  }

  async blockNumber(budget?: ReadBudget): Promise<number> {
    return Number(BigInt(await this.req<string>('eth_blockNumber', [], budget)))
  }

  /** Block n with its tx hashes; null if the node has no such block yet. */
  block(n: number): Promise<BlockWithHashes | null> {
    return this.req<BlockWithHashes | null>('eth_getBlockByNumber', [toHex(n), false])
  }

  /** Block n's timestamp (unix seconds); 0 if the node has no such block. */
  async blockTimestamp(n: number): Promise<number> {
    const b = await this.req<RpcBlockHeader | null>('eth_getBlockByNumber', [toHex(n), false])
    return b ? Number(BigInt(b.timestamp)) : 0
  }
}

export const toHex = (n: number): string => `0x${n.toString(16)}`
