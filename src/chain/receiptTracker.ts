/** The receipt tracker: the loop that ties the head watcher, the pending table, the receipt reader and the timeout look-ups. */
import type { Hex } from 'viem'
import { describeError, FatalError, type ErrorCode } from '../base/errors.js'
import { keyOf, type Key } from '../base/key.js'
import { sleep } from '../base/sleep.js'
import type { BlockBody, EventBody } from '../events/types.js'
import type { FillReason, SendEnd, TxFates, TxRef } from '../sender/txFates.js'
import type { Logger } from '../log.js'
import type { Rpc } from '../rpc/rpc.js'
import { TrackerReads, START_READS } from './trackerReads.js'
import { blockBody } from './blockBody.js'
import { FilledSpecs, filledTimeout } from './filledSpecs.js'
import { HeadPoller } from './headPoller.js'
import { HeadWatcher } from './headWatcher.js'
import { PendingTxs, settleWaiters, type Pending } from './pendingTxs.js'
import { ReceiptDrain } from './receiptDrain.js'
import { DEFAULT_RECEIPT_PACE, ReceiptQueue, type IncludedBlock, type ReceiptPace } from './receiptQueue.js'
import { ReceiptReader, type ReceiptSource } from './receiptReader.js'
import { receiptEvent, type RpcReceipt } from './receipts.js'
import { TimeoutLookups } from './timeoutLookups.js'
import { BlockOutcomes, type MinedTx, type OutcomeSinks } from './blockOutcomes.js'
import { CodeReads } from './codeReads.js'
import { plainTx } from './plainTx.js'

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
   * Period of the head poller, from which the head watcher only records when each block number
   * first showed up (what `inclusion_ms` measures to), apart from the reading of blocks and
   * receipts, so a reader that is behind does not make inclusion look later than it was
   * (default pollMs). Per-block pacing follows the same polls (`followHeads`).
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
  /**
   * Emit a `block` event per block read (default false); `after-first-send`: from the first tx sent
   * on (specs typed at a terminal: no event a second while the keyboard is idle).
   */
  blockEvents?: boolean | 'after-first-send'
  /** Told of each block read, as its `block` event says it (the chain's load, the auto rate): the return path. */
  onBlock?: (b: BlockBody) => void
  /** How receipts are read while sends go on (DEFAULT_RECEIPT_PACE). */
  pace?: Partial<ReceiptPace>
  /** Read every tx's receipt from the node, even where its block tells its outcome (`--full-receipts`). */
  fullReceipts?: boolean
  /**
   * Resolves when the run's output can take more (its consumer is not behind): awaited before each
   * block and each receipt read, so a slow reader holds the receipts back in the node, not in memory.
   */
  outputRoom?: () => Promise<void>
}

/**
 * A tx times out only once the chain has included none of ours for `timeoutMs` as well: a
 * backlog the chain is working through is not a timeout. At most this many timeouts late.
 */
export const MAX_TIMEOUT_EXTENSION = 10

/** When the run stops, the receipts still queued are read for this long at most. */
export const STOP_RECEIPTS_MS = 10_000

/** The ref of a waited-for tx (`track`): never written, since no event is written for it. */
const WAITED: TxRef = { idx: -1, line: 0 }

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
 * one eth_getBlockByNumber (hashes only), matched against the pending set: a tx found there
 * is included (no timeout any more), and queued for its receipt. A second loop reads the
 * queued receipts, oldest block first (eth_getBlockReceipts per block, or
 * eth_getTransactionReceipt for ours in batches), at a pace that leaves the node to the sends
 * while they go on (`ReceiptPace`). So the calls per block do not grow with the number of
 * txs pending (contender #422).
 *
 * Memory: the pending set (bounded by send rate × timeout), the receipts queue (bounded by
 * the pace's `maxQueued`, about), the hashes of the blocks read in the last
 * `recentWindowMs` (capped), and the first-seen time of the last 4096 blocks.
 */
export class ReceiptTracker implements TxFates {
  /** Txs `--max-fee` kept from a replacement (lowercase hashes). */
  private readonly cappedHashes = new Set<Key>()
  /** Txs whose nonce went to a filler, by the filler's hash. */
  private readonly fills = new FilledSpecs()
  private readonly calls: TrackerReads
  private readonly heads = new HeadWatcher()
  private readonly poller: HeadPoller
  private readonly pending: PendingTxs
  private readonly reader: ReceiptReader
  private readonly queue = new ReceiptQueue()
  private readonly pace: ReceiptPace
  private readonly receipts: ReceiptDrain
  private readonly lookups: TimeoutLookups
  private readonly outcomes: BlockOutcomes
  /** Txs of ours found in the block being read, their outcome not decided yet. */
  private deciding = 0
  /** A tx of ours was sent (`blockEvents: 'after-first-send'`). */
  private sentAny = false
  private readonly maxBlocksPerPoll: number
  /** The next block to read. */
  private next = 0
  private readonly stopLoop = new AbortController()
  private loop: Promise<void> | undefined
  private watcher: Promise<void> | undefined
  private drainer: Promise<void> | undefined
  private idleWaiters: (() => void)[] = []
  private failing = false
  private stopped = false
  /** performance.now() when a block holding txs of ours was last read. */
  private lastOursAt = 0

  constructor(private readonly o: ReceiptTrackerOptions) {
    this.calls = new TrackerReads(o.rpc, () => this.stopped)
    this.poller = new HeadPoller(() => this.calls.blockNumber(), o.headPollMs ?? o.pollMs)
    this.heads.watch(this.poller)
    this.pending = new PendingTxs({
      timeoutMs: o.timeoutMs,
      recentWindowMs: o.recentWindowMs ?? 30_000,
      recentHashCap: o.recentHashCap ?? 200_000,
      onIncluded: (p, b) => this.enqueue(p, { number: b.number, timestamp: b.timestamp, txCount: b.hashes.length }),
    })
    this.pace = { ...DEFAULT_RECEIPT_PACE, ...o.pace }
    this.reader = new ReceiptReader(this.calls, o.log)
    this.lookups = new TimeoutLookups({ calls: this.calls, heads: this.heads, emit: o.emit, concurrency: o.lookupConcurrency ?? 16, capped: (h) => this.cappedHashes.has(h) })
    this.maxBlocksPerPoll = o.maxBlocksPerPoll ?? 32
    const sinks: OutcomeSinks = {
      told: (p, receipt, at) => o.emit(receiptEvent(p, receipt, 'block', { timestamp: at.timestamp, seenMs: this.heads.firstSeen(at.number), txCount: at.txCount })),
      read: (p, at) => this.enqueue(p, at),
    }
    this.outcomes = new BlockOutcomes(new CodeReads(this.calls), sinks, o.log, o.fullReceipts === true)
    const check = this.outcomes.check.bind(this.outcomes)
    this.receipts = new ReceiptDrain({ queue: this.queue, reader: this.reader, pending: this.pending, pace: this.pace, pollMs: o.pollMs, emit: o.emit, log: o.log, onRead: () => this.wakeIdle(), check, ...(o.outputRoom ? { outputRoom: o.outputRoom } : {}) })
  }

  /** Txs sent and not yet resolved. */
  get pendingCount(): number {
    return this.unseenCount + this.deciding + this.outcomes.holding + this.queue.count + this.receipts.reading
  }

  /** Txs sent and not seen in a block yet. */
  private get unseenCount(): number {
    return this.pending.size + this.lookups.count
  }

  /** Reads the current head (blocks up to it cannot hold our txs; `known`: as its caller just read it) and starts polling. */
  async start(known?: number): Promise<void> {
    let head: number
    try {
      // idempotent: retried through transient failures (a blip at start is no reason to stop)
      head = known ?? (await this.calls.blockNumber(START_READS))
    } catch (err) {
      throw new FatalError('RPC_UNAVAILABLE', `receipt tracking: cannot read the block number (${describeError(err)})`)
    }
    this.next = head + 1
    await this.reader.choose(this.o.source ?? 'auto')
    this.loop = this.run()
    this.drainer = this.receipts.run(this.stopLoop.signal)
    this.watcher = this.poller.run(this.stopLoop.signal, head)
  }

  /**
   * The pacer's HeadSource (per-block stages): a tick per new head the tracker's head poller
   * finds, from `start` until `stop` (no polls of its own: `pollHeads` is for a run without receipts).
   */
  get followHeads(): (onHead: () => void, stop: AbortSignal) => void {
    return this.poller.follow
  }

  /** A spec's send ended: a tx the node took is pending from now. */
  sent(end: SendEnd): void {
    if (this.stopped) return
    // unpaced sends always press on the node; paced ones only once they start late
    if (end.scheduledMs === undefined || end.startMs - end.scheduledMs >= this.pace.latePacedMs) this.receipts.lastSendAt = performance.now()
    if (end.hash === undefined) return
    this.sentAny = true
    this.pending.add(end as SendEnd & { hash: Hex }, undefined, end.tx && this.outcomes.deriving ? plainTx(end.tx) : undefined)
  }

  /**
   * A tx its sender waits for itself (funding, setup): its receipt as the node gave it once read,
   * or null when it timed out (as any tx), the tracker stopped or `signal` aborted; no event.
   * Never rejects. Ask as soon as the node took it (blocks read before `start` are not matched).
   */
  track(hash: Hex, signal?: AbortSignal): Promise<RpcReceipt | null> {
    if (this.stopped || signal?.aborted) return Promise.resolve(null)
    return new Promise((resolve) => {
      const end = (r: RpcReceipt | null) => {
        signal?.removeEventListener('abort', cancel)
        resolve(r)
      }
      const cancel = () => end(null)
      signal?.addEventListener('abort', cancel, { once: true })
      this.pending.add({ ref: WAITED, hash, startMs: Date.now() }, end)
    })
  }

  /** A pending tx was re-signed: either hash may be the one mined. */
  replaced(oldHash: Hex, hash: Hex): void {
    this.pending.rehash(oldHash, hash)
  }

  /** `--max-fee` keeps this tx from the replacement it needs: its timeout says FEE_CAP_REACHED. */
  capped(hash: Hex): void {
    this.cappedHashes.add(keyOf(hash))
  }

  /**
   * The tx's nonce went to the filler `fillerHash`: its spec ends as soon as a block holds the
   * filler (`tx_timeout` with the fill's reason and code, and the filler's hash), or with its
   * receipt if a block holds its own tx first (the filler then fails). Never two ends for one spec.
   */
  filled(hash: Hex, reason: FillReason, fillerHash: Hex, refusal?: ErrorCode): void {
    if (this.stopped) return
    const p = this.pending.peek(keyOf(hash))
    if (!p || p.fill) return // mined already (its receipt is on its way), or filled before
    this.fills.add(p, reason, fillerHash, refusal)
    // a filler mined in a block read before the worker told us
    if (this.pending.seen(keyOf(fillerHash))) this.fillerMined(keyOf(fillerHash))
  }

  /** A block holds this hash, which is no tx of ours: if it is a filler, the spec it stands in for ends now. */
  private fillerMined(hash: Hex & Key): void {
    const p = this.fills.take(hash)
    if (!p || !this.pending.has(p.hash)) return
    this.pending.delete(p)
    if (!settleWaiters(p, null)) this.o.emit(filledTimeout(p, false))
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
   * Stops following the chain. The blocks already out are read once more (at most a few), the
   * receipts of the txs seen in blocks are read at full speed (for STOP_RECEIPTS_MS at most),
   * then every tx still pending gets a `tx_timeout` with reason `run_stopped` (a waited-for
   * tx: null, without a look-up).
   */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.stopLoop.abort()
    await this.loop
    await this.watcher
    await this.drainer
    try {
      await this.poll(8)
    } catch (err) {
      this.o.log.debug({ err: describeError(err) }, 'receipt tracking: last block read failed')
    }
    this.outcomes.flush()
    const until = performance.now() + STOP_RECEIPTS_MS
    while (this.queue.count > 0 && performance.now() < until && (await this.receipts.read(true)));
    // seen in a block, but the run ends before its receipt could be read: nothing to look up
    for (const p of this.queue.takeAll()) {
      if (!settleWaiters(p, null)) this.o.emit({ type: 'tx_timeout', ...p.ref, tx_hash: p.hash, pending: false, waited_ms: Math.max(0, Date.now() - p.startMs), reason: 'run_stopped' })
    }
    await this.lookups.expire(this.pending.takeAll().filter((p) => !settleWaiters(p, null)), 'run_stopped')
    this.wakeIdle()
  }

  private async run(): Promise<void> {
    const stop = this.stopLoop.signal
    while (!stop.aborted) {
      let behind = false
      try {
        behind = await this.poll(this.maxBlocksPerPoll)
        if (this.failing) this.o.log.info('receipt tracking: the RPC answers again')
        this.failing = false
      } catch (err) {
        if (!this.failing) this.o.log.warn({ err: describeError(err) }, 'receipt tracking: RPC failed; retrying every poll')
        this.failing = true
      }
      // txs seen in blocks do not time out, unless their receipts cannot be read
      this.outcomes.releaseStale()
      const due = this.receipts.failing ? [...this.due(), ...this.queue.takeDue(performance.now())] : this.due()
      await this.lookups.expire(due, 'timeout')
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
      await this.o.outputRoom?.()
      if (!(await this.readBlock(this.next))) return false
      this.next++
      read++
    }
    return this.next <= head
  }

  /**
   * Reads block n's hashes: ours in it are included; those whose outcome the block tells end
   * now, the others are queued for their receipts. False if the node has no such block yet.
   */
  private async readBlock(n: number): Promise<boolean> {
    const block = await this.calls.block(n)
    if (!block) return false
    const at = { number: n, timestamp: Number(BigInt(block.timestamp)), txCount: block.transactions.length }
    const hashes: Key[] = []
    const mined: MinedTx[] = []
    block.transactions.forEach((raw, index) => {
      const h = keyOf(raw)
      hashes.push(h)
      const p = this.pending.get(h)
      if (!p) {
        if (this.fills.size > 0) this.fillerMined(h)
        return
      }
      this.fills.forget(p)
      // a replaced tx may be in the block under the hash it had before (the replacement came too late)
      this.pending.include(p, h)
      mined.push({ p, index })
    })
    if (mined.length > 0) this.lastOursAt = performance.now()
    this.pending.remember({ number: n, timestamp: at.timestamp, readAt: performance.now(), hashes })
    const events = this.o.blockEvents === true || (this.o.blockEvents === 'after-first-send' && this.sentAny)
    if (events || this.o.onBlock) {
      const body = blockBody(block, mined.length, this.unseenCount)
      this.o.onBlock?.(body)
      if (events) this.o.emit(body)
    }
    this.deciding = mined.length
    await this.outcomes.split(at, block.baseFeePerGas ? BigInt(block.baseFeePerGas) : undefined, mined)
    this.deciding = 0
    return true
  }

  private enqueue(p: Pending, b: Pick<IncludedBlock, 'number' | 'timestamp' | 'txCount'>): void {
    this.queue.add({ ...b, seenMs: this.heads.firstSeen(b.number) }, p)
  }

  private idle(): boolean {
    return this.pendingCount === 0
  }

  private wakeIdle(): void {
    if (!this.idle()) return
    for (const w of this.idleWaiters.splice(0)) w()
  }
}
