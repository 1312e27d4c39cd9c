/** The receipt tracker: the loop that ties the head watcher, the pending table, the receipt reader and the timeout look-ups. */
import { describeError, FatalError } from '../base/errors.js'
import { sleep } from '../base/sleep.js'
import { retryReads } from '../rpc/retryReads.js'
import type { EventBody, FloodgateEvent } from '../events/types.js'
import type { Logger } from '../log.js'
import type { Rpc } from '../rpc/rpc.js'
import { TrackerReads, START_READ_WINDOW_MS, type BlockWithHashes } from './trackerReads.js'
import { HeadWatcher } from './headWatcher.js'
import { PendingTxs, type Pending, type SeenBlock } from './pendingTxs.js'
import { ReceiptReader, type ReceiptSource } from './receiptReader.js'
import { receiptEvent, type RpcReceipt } from './receipts.js'
import { TimeoutLookups } from './timeoutLookups.js'

export type { ReceiptSource } from './receiptReader.js'

export interface ReceiptTrackerOptions {
  rpc: Rpc
  /** Where tx_receipt / tx_timeout go (the run's EventWriter.emit). */
  emit: (e: EventBody) => void
  log: Logger
  /** A sent tx with no receipt this long after its tx_result gets a tx_timeout. */
  timeoutMs: number
  /** Block poll period: eth_blockNumber once per period. */
  pollMs: number
  /**
   * Period of the head watcher, which only records when each block number first showed up
   * (what `inclusion_ms` measures to), apart from the reading of blocks and receipts, so a
   * reader that is behind does not make inclusion look later than it was (default pollMs).
   */
  headPollMs?: number
  /**
   * How receipts are read: `block`, one eth_getBlockReceipts per block that holds ours;
   * `tx`, eth_getTransactionReceipt for each of ours, in JSON-RPC batches; `auto` (default),
   * `tx` on anvil, `block` elsewhere. anvil builds a block's receipts under a lock that
   * holds every other call, sends included, for ≈0.45 ms per tx in the block (1.1 s for a
   * block of 2,500 transfers), while batched per-tx reads let other calls through between
   * items, at the same cost per receipt.
   */
  source?: ReceiptSource
  /**
   * How long the tx hashes of processed blocks are kept, to match a tx_result that is
   * observed after the block holding its tx was read (a send whose answer came late).
   */
  recentWindowMs?: number
  /** At most this many hashes are kept for that (oldest blocks dropped first). */
  recentHashCap?: number
  /** Parallel eth_getTransactionByHash look-ups when txs time out. */
  lookupConcurrency?: number
  /** Blocks read per poll at most; a tracker that is behind polls again at once. */
  maxBlocksPerPoll?: number
  /** Is this tx held back by `--max-fee` (its timeout then says FEE_CAP_REACHED)? */
  capped?: (hash: string) => boolean
  /** Emit a `block` event per block read (default false). */
  blockEvents?: boolean
}

/**
 * A tx times out only once the chain has included none of ours for `timeoutMs` as well: a
 * backlog the chain is working through is not a timeout. At most this many timeouts late.
 */
export const MAX_TIMEOUT_EXTENSION = 10

/** Head watcher period for a chain's block time: a tenth of it, between 25 and 100 ms. */
export function headPollMsFor(blockTimeMs: number | undefined): number {
  if (blockTimeMs === undefined) return 100
  return Math.max(25, Math.min(100, Math.floor(blockTimeMs / 10)))
}

/** Poll period for a chain's block time: a quarter of it, between 50 and 250 ms. */
export function pollMsFor(blockTimeMs: number | undefined): number {
  if (blockTimeMs === undefined) return 250
  return Math.max(50, Math.min(250, Math.floor(blockTimeMs / 4)))
}

/**
 * Follows the chain beside the workers and turns every accepted tx into exactly one
 * `tx_receipt` or `tx_timeout`. Block-driven: per poll one eth_blockNumber; per new block
 * one eth_getBlockByNumber (hashes only), matched against the pending set; per block that
 * holds our txs one eth_getBlockReceipts (or, on a node without it, one
 * eth_getTransactionReceipt per tx of ours in that block). So the calls per block do not
 * grow with the number of txs pending (contender #422).
 *
 * Memory: the pending set (bounded by send rate × timeout), the hashes of the blocks read
 * in the last `recentWindowMs` (capped), and the first-seen time of the last 4096 blocks.
 */
export class ReceiptTracker {
  private readonly calls: TrackerReads
  private readonly heads = new HeadWatcher()
  private readonly pending: PendingTxs
  private readonly reader: ReceiptReader
  private readonly lookups: TimeoutLookups
  private readonly maxBlocksPerPoll: number
  /** The next block to read. */
  private next = 0
  private readonly stopLoop = new AbortController()
  private loop: Promise<void> | undefined
  private watcher: Promise<void> | undefined
  private idleWaiters: (() => void)[] = []
  private failing = false
  private stopped = false
  /** performance.now() when a block holding txs of ours was last read. */
  private lastOursAt = 0

  constructor(private readonly o: ReceiptTrackerOptions) {
    this.calls = new TrackerReads(o.rpc, () => this.stopped)
    this.pending = new PendingTxs({ timeoutMs: o.timeoutMs, recentWindowMs: o.recentWindowMs ?? 30_000, recentHashCap: o.recentHashCap ?? 200_000 })
    this.reader = new ReceiptReader(this.calls, o.log)
    this.lookups = new TimeoutLookups({ calls: this.calls, heads: this.heads, emit: o.emit, concurrency: o.lookupConcurrency ?? 16, ...(o.capped ? { capped: o.capped } : {}) })
    this.maxBlocksPerPoll = o.maxBlocksPerPoll ?? 32
  }

  /** Txs sent and not yet resolved. */
  get pendingCount(): number {
    return this.pending.size + this.lookups.count
  }

  /** Reads the current head (blocks up to it cannot hold our txs) and starts polling. */
  async start(): Promise<void> {
    let head: number
    try {
      // idempotent: retried through transient failures (a blip at start is no reason to stop)
      head = await retryReads(() => this.calls.blockNumber(), START_READ_WINDOW_MS)
    } catch (err) {
      throw new FatalError('RPC_UNAVAILABLE', `receipt tracking: cannot read the block number (${describeError(err)})`)
    }
    this.next = head + 1
    await this.reader.choose(this.o.source ?? 'auto')
    this.loop = this.run()
    this.watcher = this.heads.watch(head, this.o.headPollMs ?? this.o.pollMs, () => this.calls.blockNumber(), this.stopLoop.signal)
  }

  /** EventWriter listener: every accepted, really sent tx becomes pending. */
  observe = (e: FloodgateEvent): void => {
    if (e.type === 'tx_replaced') return this.pending.rehash(e.old_tx_hash, e.tx_hash)
    if (e.type !== 'tx_result' || this.stopped) return
    if (e.error_code !== undefined || e.tx_hash === undefined || e.raw_tx !== undefined) return
    this.pending.add(e)
  }

  /**
   * The tx with this hash will never be included (its nonce went to a filler): its spec ends now
   * with a `tx_timeout` saying why.
   */
  giveUp(hash: string, reason: 'never_included', code: 'NEVER_INCLUDED'): void {
    const p = this.pending.get(hash.toLowerCase())
    if (!p) return
    this.pending.delete(p)
    this.o.emit({ type: 'tx_timeout', ...p.ref, tx_hash: p.hash, pending: true, waited_ms: Math.max(0, Date.now() - p.startMs), reason, error_code: code })
    this.wakeIdle()
  }

  /** Resolves once nothing is pending (every tx has its receipt or timeout), or when `signal` aborts. */
  settle(signal?: AbortSignal): Promise<void> {
    if (this.idle() || signal?.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done)
        resolve()
      }
      this.idleWaiters.push(done)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  /**
   * Stops following the chain. The blocks already out are read once more (at most a few),
   * then every tx still pending gets a `tx_timeout` with reason `run_stopped`.
   */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.stopLoop.abort()
    await this.loop
    await this.watcher
    try {
      await this.poll(8)
    } catch (err) {
      this.o.log.debug({ err: describeError(err) }, 'receipt tracking: last block read failed')
    }
    await this.lookups.expire(this.pending.takeAll(), 'run_stopped')
    this.wakeIdle()
  }

  private async run(): Promise<void> {
    const stop = this.stopLoop.signal
    while (!stop.aborted) {
      let behind = false
      try {
        behind = await this.poll(this.maxBlocksPerPoll)
        await this.resolveLate()
        if (this.failing) this.o.log.info('receipt tracking: the RPC answers again')
        this.failing = false
      } catch (err) {
        if (!this.failing) this.o.log.warn({ err: describeError(err) }, 'receipt tracking: RPC failed; retrying every poll')
        this.failing = true
      }
      await this.lookups.expire(this.due(), 'timeout')
      this.wakeIdle()
      if (!behind) await sleep(this.o.pollMs, stop)
    }
  }

  /**
   * The txs past their deadline, once the chain has also included none of ours for the
   * timeout (while it works through our backlog, nothing times out), or past
   * MAX_TIMEOUT_EXTENSION timeouts in any case.
   */
  private due(): Pending[] {
    const now = performance.now()
    const stalled = now - this.lastOursAt >= this.o.timeoutMs
    return this.pending.takeDue(stalled ? now : now - (MAX_TIMEOUT_EXTENSION - 1) * this.o.timeoutMs)
  }

  /** One round: the head, then up to `maxBlocks` new blocks in order. True if more are out. */
  private async poll(maxBlocks: number): Promise<boolean> {
    const head = await this.calls.blockNumber()
    this.heads.saw(this.next, head)
    let read = 0
    while (this.next <= head && read < maxBlocks) {
      if (!(await this.readBlock(this.next))) return false
      this.next++
      read++
    }
    return this.next <= head
  }

  /** Reads block n's hashes, and the receipts of ours in it. False if the node has no such block yet. */
  private async readBlock(n: number): Promise<boolean> {
    const block = await this.calls.block(n)
    if (!block) return false
    const seen: SeenBlock = { number: n, timestamp: Number(BigInt(block.timestamp)), readAt: performance.now(), hashes: [] }
    const ours: Pending[] = []
    for (const raw of block.transactions) {
      const h = raw.toLowerCase()
      seen.hashes.push(h)
      const p = this.pending.get(h)
      if (p) ours.push(p)
    }
    if (ours.length > 0) {
      await this.resolve(seen, ours)
      this.lastOursAt = performance.now()
    }
    this.pending.remember(seen, ours)
    if (this.o.blockEvents === true) this.o.emit(blockEvent(block, ours.length, this.pendingCount))
    return true
  }

  /** Emits the receipts of `ours`, all in block `b`; what was read is reported even if the read then failed. */
  private async resolve(b: Pick<SeenBlock, 'number' | 'timestamp'> & { hashes?: string[] }, ours: Pending[]): Promise<void> {
    // a replaced tx may be in the block under the hash it had before (the replacement came too late)
    const { receipts, failure } = await this.reader.read(b.number, ours.map((p) => p.minedHash ?? p.hash))
    const seenMs = this.heads.firstSeen(b.number)
    for (const p of ours) {
      const r = receipts.get(p.minedHash ?? p.hash)
      if (r && this.pending.has(p.hash)) this.emitReceipt(p, r, b.timestamp, seenMs, b.hashes?.length)
    }
    if (failure !== undefined) throw failure
  }

  /** Receipts for txs whose tx_result came after their block was read. */
  private async resolveLate(): Promise<void> {
    for (const [n, ours] of this.pending.lateByBlock()) {
      const recent = this.pending.recentBlock(n)
      const timestamp = recent?.timestamp ?? (await this.calls.blockTimestamp(n))
      await this.resolve({ number: n, timestamp, ...(recent ? { hashes: recent.hashes } : {}) }, ours)
    }
  }

  private emitReceipt(p: Pending, r: RpcReceipt, blockTimestamp: number, seenMs: number, blockTxs?: number): void {
    const e = receiptEvent(p, r, blockTimestamp, seenMs, blockTxs)
    this.pending.delete(p)
    this.o.emit(e)
  }

  private idle(): boolean {
    return this.pendingCount === 0
  }

  private wakeIdle(): void {
    if (!this.idle()) return
    for (const w of this.idleWaiters.splice(0)) w()
  }
}

/** The chain's side of block `b`: what it held, how full, its base fee, and our backlog after it. */
function blockEvent(b: BlockWithHashes, ours: number, backlog: number): EventBody {
  const e: EventBody = {
    type: 'block',
    number: Number(BigInt(b.number)),
    timestamp: Number(BigInt(b.timestamp)),
    tx_count: b.transactions.length,
    ours,
    gas_used: b.gasUsed ? Number(BigInt(b.gasUsed)) : 0,
    gas_limit: b.gasLimit ? Number(BigInt(b.gasLimit)) : 0,
    backlog,
  }
  if (b.baseFeePerGas) e.base_fee_per_gas = BigInt(b.baseFeePerGas).toString()
  return e
}
