/** The receipt tracker's calls to the node: once the run is stopping, each gets a short timeout. */
import type { RequestOptions, Rpc } from '../rpc/rpc.js'
import type { RpcBlockHeader } from './receipts.js'

/** Per-request timeout of the calls made while the run stops. */
export const STOPPING_TIMEOUT_MS = 3_000
/** How long the first reads (block number, client version) retry through transient failures. */
export const START_READ_WINDOW_MS = 5_000

/** A block as eth_getBlockByNumber(n, false) gives it: the header fields read, and the tx hashes. */
export type BlockWithHashes = RpcBlockHeader & { transactions: string[] }

export class TrackerReads {
  constructor(
    readonly rpc: Rpc,
    /** True once the run is stopping. */
    private readonly stopping: () => boolean,
  ) {}

  /** One call; once the run is stopping, with a short timeout, so a dead node cannot hold the end up. */
  req<T>(method: string, params: readonly unknown[] = [], opts: { timeoutMs?: number } = {}): Promise<T> {
    const o = opts.timeoutMs === undefined && this.stopping() ? { timeoutMs: STOPPING_TIMEOUT_MS } : opts
    return o.timeoutMs === undefined ? this.rpc.request<T>(method, params) : this.rpc.request<T>(method, params, o)
  }

  /** The options of a call not made through `req` (a batch): the short timeout once stopping. */
  callOptions(): RequestOptions {
    return this.stopping() ? { timeoutMs: STOPPING_TIMEOUT_MS } : {}
  }

  async blockNumber(): Promise<number> {
    return Number(BigInt(await this.req<string>('eth_blockNumber')))
  }

  /** Block n with its tx hashes; null if the node has no such block yet. */
  block(n: number): Promise<BlockWithHashes | null> {
    return this.req<BlockWithHashes | null>('eth_getBlockByNumber', [toHex(n), false])
  }

  /** Block n's timestamp (unix seconds); 0 if the node has no such block. */
  async blockTimestamp(n: number, opts: { timeoutMs?: number } = {}): Promise<number> {
    const b = await this.req<RpcBlockHeader | null>('eth_getBlockByNumber', [toHex(n), false], opts)
    return b ? Number(BigInt(b.timestamp)) : 0
  }
}

export const toHex = (n: number): string => `0x${n.toString(16)}`
