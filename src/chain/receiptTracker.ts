import type { Hex } from 'viem'
import { describeError, FatalError } from '../base/errors.js'
import { retryReads } from '../rpc/retryReads.js'
import type { EventBody, FloodgateEvent, TxResultEvent } from '../events/types.js'
import type { Logger } from '../log.js'
import { sleep } from '../base/sleep.js'
import { isMethodMissing, parseReceipt, type RpcBlockHeader, type RpcReceipt } from './receipts.js'
import { RpcError, type Rpc } from '../rpc/rpc.js'

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
}

export type ReceiptSource = 'auto' | 'block' | 'tx'

/** eth_getTransactionReceipt calls per JSON-RPC batch, and batches in flight, in `tx` mode. */
const RECEIPT_BATCH = 100
const RECEIPT_BATCHES_IN_FLIGHT = 2

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

interface Pending {
  idx: number
  line: number
  id?: string
  kind?: string
  hash: Hex
  /** tx_result.start_timestamp_ms (wall clock). */
  startMs: number
  /** performance.now() after which it times out. */
  deadline: number
  /** Set once the tx was found in a block; its receipt is still to be read. */
  block?: number
}

interface SeenBlock {
  number: number
  timestamp: number
  /** performance.now() when the block was read, for the recent window. */
  readAt: number
  hashes: string[]
}

const SEEN_AT_CAP = 4096
/** Per-request timeout of the calls made while the run stops. */
const STOPPING_TIMEOUT_MS = 3_000

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
/** How long start() retries its first block-number read through transient failures. */
const START_READ_WINDOW_MS = 5_000

export class ReceiptTracker {
  private readonly pending = new Map<string, Pending>()
  /** Pending txs already known to be in a block read earlier (their tx_result came late). */
  private readonly late = new Set<Pending>()
  private readonly recent: SeenBlock[] = []
  private readonly recentIndex = new Map<string, SeenBlock>()
  private recentHashes = 0
  /** Block number → wall-clock ms when eth_blockNumber first showed it. */
  private readonly seenAt = new Map<number, number>()
  private next = 0
  private blockReceipts: 'unknown' | 'yes' | 'no' = 'unknown'
  private readonly stopLoop = new AbortController()
  private loop: Promise<void> | undefined
  private watcher: Promise<void> | undefined
  private lookups = 0
  private idleWaiters: (() => void)[] = []
  private failing = false
  private stopped = false
  private readonly recentWindowMs: number
  private readonly recentHashCap: number
  private readonly lookupConcurrency: number
  private readonly maxBlocksPerPoll: number

  constructor(private readonly o: ReceiptTrackerOptions) {
    this.recentWindowMs = o.recentWindowMs ?? 30_000
    this.recentHashCap = o.recentHashCap ?? 200_000
    this.lookupConcurrency = o.lookupConcurrency ?? 16
    this.maxBlocksPerPoll = o.maxBlocksPerPoll ?? 32
  }

  /** Txs sent and not yet resolved. */
  get pendingCount(): number {
    return this.pending.size + this.lookups
  }

  /** Reads the current head (blocks up to it cannot hold our txs) and starts polling. */
  async start(): Promise<void> {
    let head: number
    try {
      // idempotent: retried through transient failures (a blip at start is no reason to stop)
      head = Number(BigInt(await retryReads(() => this.req<string>('eth_blockNumber'), START_READ_WINDOW_MS)))
    } catch (err) {
      throw new FatalError('RPC_UNAVAILABLE', `receipt tracking: cannot read the block number (${describeError(err)})`)
    }
    this.next = head + 1
    const source = this.o.source ?? 'auto'
    if (source === 'tx' || (source === 'auto' && (await this.isAnvil()))) this.blockReceipts = 'no'
    this.loop = this.run()
    this.watcher = this.watchHeads(head)
  }

  private async isAnvil(): Promise<boolean> {
    try {
      return /^anvil\b/i.test(await retryReads(() => this.req<string>('web3_clientVersion'), START_READ_WINDOW_MS))
    } catch {
      return false
    }
  }

  /** EventWriter listener: every accepted, really sent tx becomes pending. */
  observe = (e: FloodgateEvent): void => {
    if (e.type !== 'tx_result' || this.stopped) return
    if (e.error_code !== undefined || e.tx_hash === undefined || e.raw_tx !== undefined) return
    this.add(e)
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
    await this.expire([...this.pending.values()], 'run_stopped')
    this.wakeIdle()
  }

  private add(e: TxResultEvent): void {
    const hash = e.tx_hash!.toLowerCase() as Hex
    if (this.pending.has(hash)) return
    const p: Pending = {
      idx: e.idx,
      line: e.line,
      ...(e.id !== undefined ? { id: e.id } : {}),
      ...(e.kind !== undefined ? { kind: e.kind } : {}),
      hash,
      startMs: e.start_timestamp_ms,
      deadline: performance.now() + this.o.timeoutMs,
    }
    this.pending.set(hash, p)
    const seen = this.recentIndex.get(hash)
    if (seen) {
      p.block = seen.number
      this.late.add(p)
    }
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
      await this.expire(this.due(), 'timeout')
      this.wakeIdle()
      if (!behind) await sleep(this.o.pollMs, stop)
    }
  }

  /** Records when each new block number first shows up; reads nothing else. */
  private async watchHeads(known: number): Promise<void> {
    const stop = this.stopLoop.signal
    const period = this.o.headPollMs ?? this.o.pollMs
    while (!stop.aborted) {
      await sleep(period, stop)
      if (stop.aborted) return
      try {
        const head = Number(BigInt(await this.req<string>('eth_blockNumber')))
        const now = Date.now()
        for (let n = known + 1; n <= head; n++) if (!this.seenAt.has(n)) this.rememberSeen(n, now)
        known = Math.max(known, head)
      } catch {
        // the reading loop reports a failing RPC; the next period asks again
      }
    }
  }

  /** One round: the head, then up to `maxBlocks` new blocks in order. True if more are out. */
  private async poll(maxBlocks: number): Promise<boolean> {
    const head = Number(BigInt(await this.req<string>('eth_blockNumber')))
    const now = Date.now()
    for (let n = this.next; n <= head; n++) if (!this.seenAt.has(n)) this.rememberSeen(n, now)
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
    const block = await this.req<(RpcBlockHeader & { transactions: string[] }) | null>('eth_getBlockByNumber', [toHex(n), false])
    if (!block) return false
    const seen: SeenBlock = { number: n, timestamp: Number(BigInt(block.timestamp)), readAt: performance.now(), hashes: [] }
    const ours: Pending[] = []
    for (const raw of block.transactions) {
      const h = raw.toLowerCase()
      seen.hashes.push(h)
      const p = this.pending.get(h)
      if (p) ours.push(p)
    }
    if (ours.length > 0) await this.resolve(seen, ours)
    this.remember(seen)
    return true
  }

  /** Emits the receipts of `ours`, all in block `b`. */
  private async resolve(b: Pick<SeenBlock, 'number' | 'timestamp'>, ours: Pending[]): Promise<void> {
    // what was read is reported even when a later part of the read fails: the retry then asks
    // only for the rest (a block's receipts are not all-or-nothing)
    const receipts = new Map<string, RpcReceipt>()
    let failure: unknown
    try {
      await this.receiptsOf(b.number, ours, receipts)
    } catch (err) {
      failure = err
    }
    const seenMs = this.seenAt.get(b.number) ?? Date.now()
    for (const p of ours) {
      const r = receipts.get(p.hash)
      if (!r || !this.pending.has(p.hash)) continue
      this.emitReceipt(p, r, b.timestamp, seenMs)
    }
    if (failure !== undefined) throw failure
  }

  private emitReceipt(p: Pending, r: RpcReceipt, blockTimestamp: number, seenMs: number): void {
    const parsed = parseReceipt(r)
    this.pending.delete(p.hash)
    this.late.delete(p)
    this.o.emit({
      type: 'tx_receipt',
      idx: p.idx,
      line: p.line,
      ...(p.id !== undefined ? { id: p.id } : {}),
      ...(p.kind !== undefined ? { kind: p.kind } : {}),
      tx_hash: p.hash,
      block_number: parsed.blockNumber,
      block_timestamp: blockTimestamp,
      status: parsed.status,
      gas_used: parsed.gasUsed,
      effective_gas_price: parsed.effectiveGasPrice,
      ...(parsed.blobGasUsed !== undefined ? { blob_gas_used: parsed.blobGasUsed, blob_gas_price: parsed.blobGasPrice! } : {}),
      inclusion_ms: seenMs - p.startMs,
    })
  }

  /** Receipts of our txs in block n, by lowercase hash: one eth_getBlockReceipts, or one call per tx of ours. */
  private async receiptsOf(n: number, ours: Pending[], out: Map<string, RpcReceipt>): Promise<void> {
    if (this.blockReceipts !== 'no') {
      try {
        const all = await this.req<RpcReceipt[] | null>('eth_getBlockReceipts', [toHex(n)])
        if (all) {
          this.blockReceipts = 'yes'
          const want = new Set<string>(ours.map((p) => p.hash))
          for (const r of all) {
            const h = r.transactionHash.toLowerCase()
            if (want.has(h)) out.set(h, r)
          }
          return
        }
      } catch (err) {
        if (!(err instanceof RpcError) || this.blockReceipts === 'yes' || !isMethodMissing(err)) throw err
        this.blockReceipts = 'no'
        this.o.log.info({ rpc: this.o.rpc.displayUrl }, 'the node has no eth_getBlockReceipts: reading one receipt per tx of ours')
      }
      if (this.blockReceipts !== 'no') throw new Error(`eth_getBlockReceipts: no receipts for block ${n} yet`)
    }
    await this.receiptsByTx(ours, out)
  }

  /** Our txs' receipts, RECEIPT_BATCH to a JSON-RPC batch (one call each where the Rpc has no batches). */
  private async receiptsByTx(ours: Pending[], out: Map<string, RpcReceipt>): Promise<void> {
    const rpc = this.o.rpc
    const chunks: Pending[][] = []
    for (let i = 0; i < ours.length; i += RECEIPT_BATCH) chunks.push(ours.slice(i, i + RECEIPT_BATCH))
    const readChunk = async (chunk: Pending[]) => {
      if (!rpc.batch || chunk.length === 1) {
        for (const p of chunk) {
          const r = await this.req<RpcReceipt | null>('eth_getTransactionReceipt', [p.hash])
          if (r) out.set(p.hash, r)
        }
        return
      }
      const opts = this.stopped ? { timeoutMs: STOPPING_TIMEOUT_MS } : {}
      const items = await rpc.batch(chunk.map((p) => ({ method: 'eth_getTransactionReceipt', params: [p.hash] })), opts)
      let failed: unknown
      items.forEach((item, i) => {
        if (!item.ok) failed ??= item.error
        else if (item.result) out.set(chunk[i]!.hash, item.result as RpcReceipt)
      })
      if (failed !== undefined) throw failed
    }
    // after a failure no new chunk is started; what the others read is kept (see resolve)
    let next = 0
    let failure: unknown
    const lane = async () => {
      while (failure === undefined && next < chunks.length) {
        try {
          await readChunk(chunks[next++]!)
        } catch (err) {
          failure ??= err
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(RECEIPT_BATCHES_IN_FLIGHT, chunks.length) }, lane))
    if (failure !== undefined) throw failure
  }

  /** Receipts for txs whose tx_result came after their block was read. */
  private async resolveLate(): Promise<void> {
    if (this.late.size === 0) return
    const byBlock = new Map<number, Pending[]>()
    for (const p of this.late) {
      const list = byBlock.get(p.block!) ?? []
      list.push(p)
      byBlock.set(p.block!, list)
    }
    for (const [n, ours] of byBlock) {
      const b = this.recent.find((s) => s.number === n)
      const timestamp = b?.timestamp ?? (await this.blockTimestamp(n))
      await this.resolve({ number: n, timestamp }, ours)
    }
  }

  /** Pending txs past their deadline, removed from the pending set. */
  private due(): Pending[] {
    const now = performance.now()
    const out: Pending[] = []
    for (const p of this.pending.values()) {
      if (p.deadline > now) break // insertion order is deadline order
      out.push(p)
    }
    for (const p of out) {
      this.pending.delete(p.hash)
      this.late.delete(p)
    }
    return out
  }

  /**
   * Asks the node about each tx (a few at a time): mined after all → tx_receipt; else a
   * tx_timeout saying whether the node still holds it.
   */
  private async expire(list: Pending[], reason: 'timeout' | 'run_stopped'): Promise<void> {
    if (list.length === 0) return
    for (const p of list) {
      this.pending.delete(p.hash)
      this.late.delete(p)
    }
    this.lookups += list.length
    let i = 0
    const worker = async () => {
      while (i < list.length) {
        const p = list[i++]!
        try {
          await this.lookup(p, reason)
        } finally {
          this.lookups--
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.lookupConcurrency, list.length) }, worker))
  }

  private async lookup(p: Pending, reason: 'timeout' | 'run_stopped'): Promise<void> {
    const timeoutMs = reason === 'run_stopped' ? STOPPING_TIMEOUT_MS : undefined
    const opts = timeoutMs !== undefined ? { timeoutMs } : {}
    let pending = false
    let lookupError: string | undefined
    try {
      const tx = await this.o.rpc.request<{ blockNumber?: string | null } | null>('eth_getTransactionByHash', [p.hash], opts)
      if (tx && tx.blockNumber) {
        // mined in a block the tracker has not read (or no longer remembers): report it
        const r = await this.o.rpc.request<RpcReceipt | null>('eth_getTransactionReceipt', [p.hash], opts)
        if (r) {
          const n = Number(BigInt(r.blockNumber))
          const timestamp = await this.blockTimestamp(n, opts)
          this.emitReceipt(p, r, timestamp, this.seenAt.get(n) ?? Date.now())
          return
        }
      }
      pending = tx !== null
    } catch (err) {
      lookupError = describeError(err)
    }
    this.o.emit({
      type: 'tx_timeout',
      idx: p.idx,
      line: p.line,
      ...(p.id !== undefined ? { id: p.id } : {}),
      ...(p.kind !== undefined ? { kind: p.kind } : {}),
      tx_hash: p.hash,
      pending,
      waited_ms: Math.max(0, Date.now() - p.startMs),
      reason,
      ...(lookupError !== undefined ? { lookup_error: lookupError } : {}),
    })
  }

  private async blockTimestamp(n: number, opts: { timeoutMs?: number } = {}): Promise<number> {
    const b = await this.req<RpcBlockHeader | null>('eth_getBlockByNumber', [toHex(n), false], opts)
    return b ? Number(BigInt(b.timestamp)) : 0
  }

  /** One call; once the run is stopping, with a short timeout, so a dead node cannot hold the end up. */
  private req<T>(method: string, params: readonly unknown[] = [], opts: { timeoutMs?: number } = {}): Promise<T> {
    const o = opts.timeoutMs === undefined && this.stopped ? { timeoutMs: STOPPING_TIMEOUT_MS } : opts
    return o.timeoutMs === undefined ? this.o.rpc.request<T>(method, params) : this.o.rpc.request<T>(method, params, o)
  }

  private remember(b: SeenBlock): void {
    this.recent.push(b)
    for (const h of b.hashes) this.recentIndex.set(h, b)
    this.recentHashes += b.hashes.length
    const oldest = performance.now() - this.recentWindowMs
    while (this.recent.length > 1 && (this.recent[0]!.readAt < oldest || this.recentHashes > this.recentHashCap)) {
      const gone = this.recent.shift()!
      for (const h of gone.hashes) if (this.recentIndex.get(h) === gone) this.recentIndex.delete(h)
      this.recentHashes -= gone.hashes.length
    }
  }

  private rememberSeen(n: number, ms: number): void {
    this.seenAt.set(n, ms)
    if (this.seenAt.size > SEEN_AT_CAP) this.seenAt.delete(this.seenAt.keys().next().value!)
  }

  private idle(): boolean {
    return this.pending.size === 0 && this.lookups === 0
  }

  private wakeIdle(): void {
    if (!this.idle()) return
    for (const w of this.idleWaiters.splice(0)) w()
  }
}

const toHex = (n: number): string => `0x${n.toString(16)}`
