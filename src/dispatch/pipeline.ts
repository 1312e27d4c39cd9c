/** One run's pipeline: intake → router → workers → events, the observers beside it, the receipts wait and the summary. */
import { setMaxListeners } from 'node:events'
import type { PoolSize } from '../accounts/derivePoolKeys.js'
import type { FeeOracle } from '../chain/feeOracle.js'
import { headPollMsFor, pollMsFor, ReceiptTracker, type ReceiptSource } from '../chain/receiptTracker.js'
import { shardLabel, type Shard } from '../base/shard.js'
import { EventWriter } from '../events/eventWriter.js'
import { ReorderStash } from '../events/reorderStash.js'
import { RunEvents, type EventView } from '../events/runEvents.js'
import type { SummaryEvent } from '../events/types.js'
import type { Logger } from '../log.js'
import { ProgressReporter } from '../metrics/progress.js'
import { PromMetrics, type MetricsServer } from '../metrics/prometheus.js'
import { RunStats } from '../metrics/runStats.js'
import type { StatusLine } from '../metrics/statusLine.js'
import { NodeHealth } from '../rpc/nodeHealth.js'
import type { Rpc } from '../rpc/rpc.js'
import { parseContext, type IndexedSpec, type TxType } from '../stream/spec.js'
import { GasEstimator } from '../tx/gasEstimator.js'
import type { Signer } from '../tx/signer.js'
import { BoundedQueue } from './boundedQueue.js'
import { intake, type IntakeEnd } from './intake.js'
import { pollHeads } from './headTicks.js'
import { constantShape, type LoadShape, shapeDurationMs, shapeSlotCount } from './loadShape.js'
import { createShapedPacer, type Pacer } from './pacer.js'
import { poolRoute, poolsOf } from './poolRoute.js'
import { ReorderWindow, defaultReorderWindow } from './reorderWindow.js'
import { routeSpecs } from './router.js'
import { Worker } from './worker.js'
import { AutoRate } from './autoRate.js'
import { ChainLoad } from '../chain/chainLoad.js'
import { ChainReads } from '../sender/chainReads.js'
import { signerLane } from '../sender/signerLane.js'
import { fatesTo, type TxFates } from '../sender/txFates.js'

export const DEFAULT_RECEIPT_TIMEOUT_MS = 60_000

export type EndReason = IntakeEnd | 'signal' | 'duration' | 'stdout_closed' | 'rpc_unavailable'

export interface PipelineOptions {
  input: AsyncIterable<Buffer | string> & { destroy?: () => void }
  output: NodeJS.WritableStream
  log: Logger
  pools: PoolSize[]
  /** Extra summary fields computed from the summary before it is written (`--assert` results). */
  onSummary?: (summary: Omit<SummaryEvent, 'version'>) => Partial<Omit<SummaryEvent, 'version' | 'type'>> | undefined
  tps: number
  /** `--tps auto`: the rate follows inclusion (`tps` is then 0). */
  autoTps?: boolean
  /** A load shape (ramps, per block, stages) instead of the constant `tps`; its end stops the run (reason duration). */
  shape?: LoadShape
  maxTxs?: number
  durationMs?: number
  /** Resends of the same signed bytes after a transport failure. */
  retries: number
  /** `--in-flight`: sends of one signer outstanding at once. */
  inFlight: number
  /** How long the node may stay unreachable before the run gives up (remaining specs RPC_UNAVAILABLE). */
  maxOutageMs: number
  /** `--tx-type`: the type of specs that give none and imply none. */
  txType?: TxType
  dryRun: boolean
  readerCapacity: number
  workerCapacity: number
  /** Aborting it cancels the run (SIGINT/SIGTERM in the CLI): queued specs become CANCELLED. */
  signal?: AbortSignal
  /** Follow blocks and report tx_receipt / tx_timeout per sent tx (default true; off with dryRun). */
  receipts?: boolean
  /** A sent tx without a receipt this long after its tx_result gets tx_timeout (default 60 s). */
  receiptTimeoutMs?: number
  /** How receipts are read (`--receipts-by`): auto, block or tx; see ReceiptTrackerOptions.source. */
  receiptSource?: ReceiptSource
  /**
   * How often each worker checks that the node still has its sent txs (pending nonce), to
   * rebroadcast or fill a gap (default: twice the block time, 1-10 s; 2 s when unknown). 0: off.
   */
  gapCheckMs?: number
  /** Emit a `progress` event this often. */
  reportIntervalMs?: number
  /** `--max-fee`: no bid above it; a spec that needs more ends FEE_CAP_REACHED. */
  maxFee?: bigint
  /** The live status line of a TTY stderr (the CLI makes one; the logger writes through it). */
  statusLine?: StatusLine
  /** `--shard i/n`: this process reads only its lines; events carry `shard`, metrics a `shard` label. */
  shard?: Shard
  /** The input is this shard's own already (`run` generates each shard's share): take every line. */
  ownInput?: boolean
  /** More views of every event (the CLI's end-of-run table). */
  observers?: EventView[]
  /** `--ordered`: tx_result lines are written in idx order, through a stash the reorder window bounds. */
  ordered?: boolean
  /** `--reorder-window`: specs past the router without their result written (default: `defaultReorderWindow`). */
  reorderWindow?: number
}

/** What the pipeline runs on: the open chain, the pool's signers (one worker each). */
export interface PipelineChain {
  rpc: Rpc
  chainId: number
  fees: FeeOracle
  signers: Signer[]
  blockTimeMs: number | undefined
  /** Prague or later: gas limits are checked against EIP-7623's calldata floor too. */
  calldataFloor?: boolean
  metrics: MetricsServer | undefined
  /** Several endpoints (`--rpc-url` more than once; the first is `rpc`): worker k sends and reads its nonces through endpoint k mod m. */
  endpoints?: Rpc[]
}

/** The run's stop: the first reason wins; every stage watches `signal`. */
class Stop {
  private readonly controller = new AbortController()
  reason: EndReason | undefined
  readonly signal = this.controller.signal

  constructor(listeners: number) {
    // every paced worker, and every send in flight in a backoff, waits on it (one abort listener each): not a leak
    setMaxListeners(listeners + 16, this.signal)
  }

  with(r: EndReason): void {
    this.reason ??= r
    this.controller.abort()
  }
}

/** The run's views of its own events: stats for the summary, progress, metrics, the CLI's. */
function runViews(o: PipelineOptions, c: PipelineChain, queues: { intake: BoundedQueue<IndexedSpec>; workers: BoundedQueue<IndexedSpec>[] }, order: ReturnType<typeof orderResults>) {
  const stats = new RunStats()
  const receipts = tracksReceipts(o)
  const progress = new ProgressReporter({ stats, receipts, ...(o.reportIntervalMs !== undefined ? { intervalMs: o.reportIntervalMs } : {}), ...(o.statusLine ? { statusLine: o.statusLine } : {}) })
  const views: EventView[] = [stats.observe, ...(o.observers ?? []), progress.observe]
  let serveMetrics = (): void => {}
  if (c.metrics) {
    const reorder = order ? { reorder: () => ({ size: order.stash.size, capacity: order.window.capacity }) } : {}
    const metrics = new PromMetrics({ pending: () => (receipts ? stats.pending : 0), intakeQueue: () => queues.intake, workerQueues: () => queues.workers, ...reorder })
    if (o.shard) metrics.registry.setDefaultLabels({ shard: shardLabel(o.shard) })
    views.push(metrics.observe)
    const server = c.metrics
    serveMetrics = () => server.serve(metrics)
  }
  return { stats, progress, views, serveMetrics }
}

const tracksReceipts = (o: PipelineOptions): boolean => (o.receipts ?? true) && !o.dryRun

/**
 * What follows the txs beside the workers, and the return path: the tracker turns accepted txs
 * into receipts and timeouts and tells each block it reads to the chain's load (the fee
 * headroom, saturation) and the auto rate; the workers' fates reach the tracker and the load.
 */
function followers(o: PipelineOptions, c: PipelineChain, events: RunEvents) {
  const emit = (e: Parameters<RunEvents['emit']>[0]) => events.emit(e)
  const load = new ChainLoad({ emit, onHeadroom: (blocks) => c.fees.setHeadroom(blocks) })
  const auto = o.autoTps ? new AutoRate() : undefined
  const tracker = tracksReceipts(o)
    ? new ReceiptTracker({
        rpc: c.rpc,
        emit,
        log: o.log,
        timeoutMs: o.receiptTimeoutMs ?? DEFAULT_RECEIPT_TIMEOUT_MS,
        pollMs: pollMsFor(c.blockTimeMs),
        headPollMs: headPollMsFor(c.blockTimeMs),
        blockEvents: true,
        onBlock: (b) => {
          load.block(b)
          auto?.block(b)
        },
        ...(o.receiptSource ? { source: o.receiptSource } : {}),
      })
    : undefined
  const fates = fatesTo(tracker ? [tracker, load] : [load])
  return { load, auto, tracker, fates }
}

export async function runPipeline(o: PipelineOptions, c: PipelineChain): Promise<{ summary: Omit<SummaryEvent, 'version'>; reason: EndReason }> {
  const stop = new Stop(c.signers.length * o.inFlight)
  const onSignal = () => stop.with('signal')
  if (o.signal?.aborted) stop.with('signal')
  o.signal?.addEventListener('abort', onSignal, { once: true })
  const writer = new EventWriter(o.output, () => {
    o.log.warn('stdout closed: stopping the run')
    stop.with('stdout_closed')
  })
  const queues = { intake: new BoundedQueue<IndexedSpec>(o.readerCapacity), workers: c.signers.map(() => new BoundedQueue<IndexedSpec>(o.workerCapacity)) }
  const order = orderResults(o, c, writer)
  const { stats, progress, views, serveMetrics } = runViews(o, c, queues, order)
  const events = new RunEvents(writer, { views, ...(order ? { stash: order.stash } : {}), ...(o.shard ? { stamp: { shard: shardLabel(o.shard) } } : {}) })
  const { load, auto, tracker, fates } = followers(o, c, events)
  await tracker?.start()
  progress.start((e) => events.emit(e))
  serveMetrics()

  const durationTimer = o.durationMs !== undefined ? setTimeout(() => stop.with('duration'), o.durationMs) : undefined
  const pacer: Pacer = auto ?? shapePacer(o, c, stop)
  // an outage longer than --max-outage ends the run: every spec not sent yet fails at once
  const nodeDead = new AbortController()
  const health = new NodeHealth(o.maxOutageMs, (outageMs) => {
    nodeDead.abort()
    o.log.error({ rpc: c.rpc.displayUrl, outage_ms: Math.round(outageMs), max_outage_ms: o.maxOutageMs }, 'the node stayed unreachable longer than --rpc-timeout/--max-outage: failing the remaining specs with RPC_UNAVAILABLE')
  })
  const workers = startWorkers(o, c, { events, fates, health, queues: queues.workers, cancel: stop.signal, roomy: () => load.roomy() })
  const running = workers.map((w) => w.run())
  const intakeEnd = await readAndRoute(o, c, { events, intakeQueue: queues.intake, workers, stop, pacer, ...(order ? { window: order.window } : {}) })
  await Promise.all(running)
  order?.end()
  pacer.close?.()
  if (tracker) {
    // EOF / --max-txs: wait for the receipts (each tx at most --receipt-timeout); a stop skips the wait
    if (!stop.signal.aborted && !health.dead && tracker.pendingCount > 0) await waitForReceipts(o, tracker, workers, AbortSignal.any([stop.signal, nodeDead.signal]))
    await tracker.stop()
  }
  if (durationTimer) clearTimeout(durationTimer)
  o.signal?.removeEventListener('abort', onSignal)
  progress.stop()

  const reason: EndReason = stop.reason ?? (health.dead ? 'rpc_unavailable' : intakeEnd)
  const summary = { ...stats.summary(reason), ...load.summary() }
  addPacing(o, summary, pacer, c.signers.length)
  if (order) summary.reorder = { window: order.window.capacity, max_held: order.stash.maxHeld }
  if (auto) {
    summary.pacing = { target_tps: Math.round(auto.tps * 100) / 100, missed_slots: 0, late_slots: auto.late, max_lag_ms: Math.round(auto.maxLagMs * 1000) / 1000, auto: true }
    if (auto.capacity !== undefined) summary.capacity = { tps: Math.round(auto.capacity * 100) / 100, gas_per_s: Math.round(load.rates()?.gasPerS ?? 0) }
  }
  if (o.onSummary) Object.assign(summary, o.onSummary(summary))
  if (events.closed) o.log.info({ summary }, 'summary')
  events.emit(summary)
  await events.end()
  return { summary, reason }
}

interface WorkerParts {
  events: RunEvents
  fates: TxFates
  health: NodeHealth
  /** The workers' queues, in signer order. */
  queues: BoundedQueue<IndexedSpec>[]
  cancel: AbortSignal
  /** Did the last blocks have room? */
  roomy: () => boolean | undefined
}

/** One lane and one worker per signer. */
function startWorkers(o: PipelineOptions, c: PipelineChain, s: WorkerParts): Worker[] {
  // one endpoint per signer, always the same: its nonce stays with one node's pool
  const endpoints = c.endpoints ?? [c.rpc]
  const readsOf = endpoints.map((rpc) => new ChainReads({ rpc, health: s.health, retries: o.retries, cancel: s.cancel }))
  const build = { chainId: c.chainId, fees: c.fees, gas: new GasEstimator((call) => readsOf[0]!.estimateGas(call)), calldataFloor: c.calldataFloor ?? false }
  const gapCheckMs = o.dryRun ? 0 : (o.gapCheckMs ?? (c.blockTimeMs ? Math.min(10_000, Math.max(1_000, 2 * c.blockTimeMs)) : 2_000))
  const keeper = {
    everyMs: gapCheckMs,
    // the base fee can rise once per block until the next check, and once more before a replacement lands
    riskBlocks: Math.ceil(gapCheckMs / (c.blockTimeMs ?? 1_000)) + 1,
    neverIncludedMs: 30 * (c.blockTimeMs ?? 1_000),
    roomy: s.roomy,
  }
  return c.signers.map((signer, index) => {
    const lane = signerLane({ signer, worker: index, chainId: c.chainId, fees: c.fees, reads: readsOf[index % readsOf.length]!, events: s.events, fates: s.fates, log: o.log, inFlight: o.inFlight, retries: o.retries, dryRun: o.dryRun, maxFee: o.maxFee, keeper })
    const endpoint = endpoints.length > 1 ? { endpoint: endpoints[index % endpoints.length]!.displayUrl } : {}
    return new Worker({ index, lane, build, events: s.events, fates: s.fates, log: o.log, cancel: s.cancel, queue: s.queues[index]!, health: s.health, ...endpoint })
  })
}

/** Reads the input into the intake queue while the router feeds the workers; resolves when both are done. */
async function readAndRoute(o: PipelineOptions, c: PipelineChain, s: { events: RunEvents; intakeQueue: BoundedQueue<IndexedSpec>; workers: Worker[]; stop: Stop; pacer: Pacer; window?: ReorderWindow }): Promise<IntakeEnd> {
  s.stop.signal.addEventListener('abort', () => o.input.destroy?.(), { once: true })
  const { slices, members } = poolsOf(o.pools, c.signers)
  const defaultPool = o.pools[0]!.name
  o.log.info({ pools: o.pools.map((p) => `${p.name}×${p.size}`).join(' '), tps: o.tps || 'unpaced' }, 'sending')
  const routing = routeSpecs(s.intakeQueue, s.workers, s.events, poolRoute(slices, c.signers.map((sg) => sg.address), defaultPool), { pacing: { pacer: s.pacer, cancel: s.stop.signal }, ...(s.window ? { window: s.window } : {}) })
  let end: IntakeEnd
  try {
    end = await intake({
      input: o.input,
      ctx: parseContext([...members].map(([name, m]) => [name, [...m.values()]]), o.txType),
      queue: s.intakeQueue,
      events: s.events,
      log: o.log,
      ...(o.maxTxs !== undefined ? { maxTxs: o.maxTxs } : {}),
      ...(o.shard && !o.ownInput ? { shard: o.shard } : {}),
      stop: s.stop.signal,
    })
  } catch (err) {
    // a failing input stream (not a bad line) ends intake; what was read still completes
    o.log.error({ err: (err as Error).message }, 'input failed; finishing what was read')
    s.intakeQueue.close()
    end = 'eof'
  }
  await routing
  return end
}

/**
 * `--ordered`: the reorder stash the events write results through and the router's window that
 * bounds it; `end()`, once every worker is done, writes whatever is still held (nothing, unless
 * a spec lost its result).
 */
function orderResults(o: PipelineOptions, c: PipelineChain, writer: EventWriter) {
  if (!o.ordered) return undefined
  const stash = new ReorderStash((e) => writer.write(e))
  const window = new ReorderWindow(stash, o.reorderWindow ?? defaultReorderWindow(c.signers.length, o.workerCapacity, o.inFlight))
  o.log.debug({ window: window.capacity }, 'tx_result events in idx order (--ordered)')
  const end = () => {
    const skipped = stash.flush()
    if (skipped > 0) o.log.error({ held: skipped, next_idx: stash.nextIdx }, 'results held past the end of the run (an idx without a tx_result): written now, out of order')
    o.log.debug({ window: window.capacity, max_held: stash.maxHeld }, 'reorder stash')
  }
  return { stash, window, end }
}

/** After the last send: wait for the receipts while each worker keeps mending gaps, until all are in or `stop`. */
async function waitForReceipts(o: PipelineOptions, tracker: ReceiptTracker, workers: Worker[], stop: AbortSignal): Promise<void> {
  o.log.info({ pending: tracker.pendingCount }, 'all sent; waiting for receipts')
  const waited = new AbortController()
  const until = AbortSignal.any([stop, waited.signal])
  setMaxListeners(workers.length + 16, until) // each settling worker sleeps on it
  const mending = workers.map((w) => w.keepUntilMined(until))
  await tracker.settle(stop)
  waited.abort()
  await Promise.all(mending)
}

/** The run's pacer: `shape`, else the constant `tps`; per-block stages watch the heads; the shape's end stops the run. */
function shapePacer(o: PipelineOptions, c: PipelineChain, stop: Stop): Pacer {
  const shape = o.shape ?? constantShape(o.tps)
  const heads = shape.some((s) => s.kind === 'block') ? { heads: pollHeads(c.rpc, headPollMsFor(c.blockTimeMs)) } : {}
  return createShapedPacer(shape, { ...heads, onEnd: () => stop.with('duration') })
}

function addPacing(o: PipelineOptions, summary: Omit<SummaryEvent, 'version'>, pacer: Pacer, workers: number): void {
  const shape = o.shape ?? constantShape(o.tps)
  if (shape.length === 0) return
  // a shape's mean rate when it has one (rate stages of finite length), else the flat --tps, else 0 (per block)
  const slots = shapeSlotCount(shape)
  const target = o.shape === undefined ? o.tps : slots !== undefined ? Math.round((slots / shapeDurationMs(shape)) * 1e5) / 100 : 0
  summary.pacing = { target_tps: target, missed_slots: pacer.missed, late_slots: pacer.late, max_lag_ms: Math.round(pacer.maxLagMs * 1000) / 1000 }
  if (shape.some((s) => s.name !== undefined)) {
    summary.pacing.stages = shape.map((s) => ({ name: s.name ?? '', duration_ms: s.durationMs, ...(s.kind === 'rate' ? { from_tps: s.from, to_tps: s.to } : { per_block: s.perBlock, ...(s.blocks !== undefined ? { blocks: s.blocks } : {}) }) }))
  }
  if (pacer.missed > 0) o.log.warn({ target_tps: target, missed: pacer.missed, pool: workers }, 'the pool could not keep up with --tps (or the load shape): slots were missed; raise --pool-size or --batch-size')
}
