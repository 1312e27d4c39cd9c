/** The shared fee snapshot workers build txs with, refreshed in the background from the node. */
import type { Logger } from '../log.js'
import { describeError } from '../base/errors.js'
import { readRetry } from '../rpc/readRetry.js'
import type { Rpc } from '../rpc/rpc.js'
import type { FeeSnapshot } from '../tx/fees.js'
import { DEFAULT_HEADROOM_BLOCKS } from './chainLoad.js'

export type { FeeSnapshot }

export interface FeeOracleOptions {
  /** Pins the fee: legacy gas price, or max fee per gas on an EIP-1559 chain. */
  gasPrice?: bigint
  /** Pins the priority fee (tip); default: what the node suggests. */
  priorityFee?: bigint
  /** Refresh period in ms. */
  refreshMs: number
  /** `--max-fee`: no fee cap above it (a gas price, on a chain without a base fee). */
  maxFee?: bigint
}

/** What the node said last: the base of every snapshot until the next refresh. */
interface Reading {
  baseFeePerGas: bigint
  tip: bigint
  blobBaseFee: bigint | undefined
  blockNumber: bigint
  updatedAt: number
}

interface RpcBlock {
  number: string
  gasLimit?: string
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
  private stopped = false
  private reading: Reading | undefined
  /** Blocks of full-block base-fee growth (+12.5 % each) a new tx's fee cap allows for. */
  private headroomBlocks = DEFAULT_HEADROOM_BLOCKS
  /** The latest block's gas limit, as the last refresh read it. */
  blockGasLimit: number | undefined

  constructor(
    private readonly rpc: Rpc,
    private readonly opts: FeeOracleOptions,
    private readonly log?: Logger,
  ) {}

  /**
   * How many blocks of base-fee growth new txs' fee cap allows for (from the backlog they will
   * wait behind); the snapshot is rebuilt at once, without asking the node.
   */
  setHeadroom(blocks: number): void {
    if (blocks === this.headroomBlocks) return
    this.headroomBlocks = blocks
    if (this.reading) this.snapshot = this.compose(this.reading)
  }

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
    const s = await readRetry(() => this.refreshNow(), { windowMs })
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
    this.stopped = true
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
    if (block.gasLimit) this.blockGasLimit = Number(BigInt(block.gasLimit))
    const updatedAt = Date.now()
    const { gasPrice, priorityFee } = this.opts
    let next: FeeSnapshot
    if (block.baseFeePerGas == null) {
      let price = gasPrice ?? BigInt(await this.rpc.request<string>('eth_gasPrice'))
      if (this.opts.maxFee !== undefined && price > this.opts.maxFee) price = this.opts.maxFee
      next = Object.freeze({ type: 'legacy', gasPrice: price, blockNumber, updatedAt })
    } else {
      const baseFeePerGas = BigInt(block.baseFeePerGas)
      const hasBlobs = block.excessBlobGas != null
      const [tip, blobBaseFee] = await Promise.all([
        priorityFee ?? this.suggestedTip(baseFeePerGas),
        hasBlobs ? this.blobBaseFee() : undefined,
      ])
      this.reading = { baseFeePerGas, tip, blobBaseFee, blockNumber, updatedAt }
      next = this.compose(this.reading)
    }
    this.snapshot = next
    return this.snapshot
  }

  /**
   * The snapshot of a reading: fee cap = base × 1.125^headroom + tip (the base fee can rise
   * 12.5 % per full block while the tx waits), or the pinned `--gas-price`; within `--max-fee`.
   */
  private compose(r: Reading): FeeSnapshot {
    const { gasPrice, maxFee } = this.opts
    let tip = r.tip
    let maxFeePerGas = gasPrice ?? baseFeeAfter(r.baseFeePerGas, this.headroomBlocks) + tip
    if (maxFee !== undefined && maxFeePerGas > maxFee) maxFeePerGas = maxFee
    if (tip > maxFeePerGas) tip = maxFeePerGas
    const { baseFeePerGas, blockNumber, updatedAt, blobBaseFee } = r
    return Object.freeze(
      blobBaseFee === undefined
        ? { type: 'eip1559', baseFeePerGas, maxFeePerGas, maxPriorityFeePerGas: tip, blockNumber, updatedAt }
        : { type: 'eip1559', baseFeePerGas, maxFeePerGas, maxPriorityFeePerGas: tip, blobBaseFee, maxFeePerBlobGas: 2n * blobBaseFee, blockNumber, updatedAt },
    )
  }

  /** The next block's blob base fee; undefined when the node cannot tell (blob txs then fail, the rest go on). */
  private async blobBaseFee(): Promise<bigint | undefined> {
    try {
      return BigInt(await this.rpc.request<string>('eth_blobBaseFee'))
    } catch (err) {
      // (a refresh still in flight when the run stops fails against a closed client: not news)
      if (!this.blobFeeWarned && !this.stopped) this.log?.warn({ err: describeError(err) }, 'eth_blobBaseFee failed; blob txs cannot be priced')
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

/** The base fee after `blocks` full blocks (+12.5 % each, EIP-1559's most), rounded up. */
export function baseFeeAfter(base: bigint, blocks: number): bigint {
  let b = base
  for (let i = 0; i < blocks; i++) b = (b * 9n + 7n) / 8n
  return b
}
