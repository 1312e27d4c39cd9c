/** The shared fee snapshot workers build txs with, refreshed in the background from the node. */
import type { Logger } from '../log.js'
import { describeError } from '../base/errors.js'
import { retryReads } from '../rpc/retryReads.js'
import type { Rpc } from '../rpc/rpc.js'
import type { FeeSnapshot } from '../tx/fees.js'

export type { FeeSnapshot }

export interface FeeOracleOptions {
  /** Pins the fee: legacy gas price, or max fee per gas on an EIP-1559 chain. */
  gasPrice?: bigint
  /** Pins the priority fee (tip); default: what the node suggests. */
  priorityFee?: bigint
  /** Refresh period in ms. */
  refreshMs: number
}

interface RpcBlock {
  number: string
  timestamp: string
  baseFeePerGas?: string | null
  excessBlobGas?: string | null
}

/**
 * The shared fee snapshot. A background timer replaces it as a whole (never mutated), so
 * a worker reads one consistent object without locks and never waits on the network.
 */
export class FeeOracle {
  private snapshot!: FeeSnapshot
  private timer: NodeJS.Timeout | undefined
  private inflight: Promise<FeeSnapshot> | undefined
  private blobFeeWarned = false

  constructor(
    private readonly rpc: Rpc,
    private readonly opts: FeeOracleOptions,
    private readonly log?: Logger,
  ) {}

  /** True when `--gas-price` fixes the fee: refreshing cannot raise it. */
  get pinned(): boolean {
    return this.opts.gasPrice !== undefined
  }

  /** The current snapshot; only valid after `start()` resolved. */
  get current(): FeeSnapshot {
    return this.snapshot
  }

  /** First snapshot, retried through transient failures for up to `windowMs`; then the timer. */
  async start(windowMs = 5_000): Promise<FeeSnapshot> {
    const s = await retryReads(() => this.refreshNow(), windowMs)
    this.timer = setInterval(() => {
      this.refreshNow().catch((err) => {
        // a refresh still in flight when the run stops fails against a closed client: not news
        if (this.timer) this.log?.warn({ err: describeError(err) }, 'fee refresh failed; keeping the last fees')
      })
    }, this.opts.refreshMs)
    this.timer.unref()
    return s
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  /** Fetches fees now; concurrent callers share one request. */
  refreshNow(): Promise<FeeSnapshot> {
    this.inflight ??= this.fetch().finally(() => {
      this.inflight = undefined
    })
    return this.inflight
  }

  private async fetch(): Promise<FeeSnapshot> {
    const block = await this.rpc.request<RpcBlock>('eth_getBlockByNumber', ['latest', false])
    const blockNumber = BigInt(block.number)
    const updatedAt = Date.now()
    const { gasPrice, priorityFee } = this.opts
    let next: FeeSnapshot
    if (block.baseFeePerGas == null) {
      const price = gasPrice ?? BigInt(await this.rpc.request<string>('eth_gasPrice'))
      next = { type: 'legacy', gasPrice: price, blockNumber, updatedAt }
    } else {
      const baseFeePerGas = BigInt(block.baseFeePerGas)
      const hasBlobs = block.excessBlobGas != null
      const [suggested, blobBaseFee] = await Promise.all([
        priorityFee ?? this.suggestedTip(baseFeePerGas),
        hasBlobs ? this.blobBaseFee() : undefined,
      ])
      let tip = suggested
      let maxFeePerGas = gasPrice ?? 2n * baseFeePerGas + tip
      if (tip > maxFeePerGas) tip = maxFeePerGas
      next =
        blobBaseFee === undefined
          ? { type: 'eip1559', baseFeePerGas, maxFeePerGas, maxPriorityFeePerGas: tip, blockNumber, updatedAt }
          : { type: 'eip1559', baseFeePerGas, maxFeePerGas, maxPriorityFeePerGas: tip, blobBaseFee, maxFeePerBlobGas: 2n * blobBaseFee, blockNumber, updatedAt }
    }
    this.snapshot = Object.freeze(next)
    return this.snapshot
  }

  /** The next block's blob base fee; undefined when the node cannot tell (blob txs then fail, the rest go on). */
  private async blobBaseFee(): Promise<bigint | undefined> {
    try {
      return BigInt(await this.rpc.request<string>('eth_blobBaseFee'))
    } catch (err) {
      if (!this.blobFeeWarned) this.log?.warn({ err: describeError(err) }, 'eth_blobBaseFee failed; blob txs cannot be priced')
      this.blobFeeWarned = true
      return undefined
    }
  }

  private async suggestedTip(baseFee: bigint): Promise<bigint> {
    try {
      return BigInt(await this.rpc.request<string>('eth_maxPriorityFeePerGas'))
    } catch {
      const price = BigInt(await this.rpc.request<string>('eth_gasPrice'))
      return price > baseFee ? price - baseFee : 0n
    }
  }
}
