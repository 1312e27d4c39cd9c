/** One run's pipeline: intake → router → workers → events, the observers beside it, the receipts wait and the summary. */
import { setMaxListeners } from 'node:events'
import { fundingSummary, withRunway, type FundingFeed } from '../accounts/fundingFigures.js'
import type { PoolSize } from '../accounts/derivePoolKeys.js'
import type { FeeOracle } from '../chain/feeOracle.js'
import { headPollMsFor, pollMsFor, ReceiptTracker, type ReceiptSource } from '../chain/receiptTracker.js'
import { describeError, errorLine, FloodgateError } from '../base/errors.js'
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
import { CHAIN_ID_CHECK_MS, ChainIdWatch } from '../chain/chainIdWatch.js'
import { NodeHealth } from '../rpc/nodeHealth.js'
import { STOPPING_TIMEOUT_MS } from '../rpc/readRetry.js'
import type { Rpc } from '../rpc/rpc.js'
import { parseContext, type IndexedSpec, type TxType } from '../stream/spec.js'
import { GasEstimator } from '../tx/gasEstimator.js'
import type { Signer } from '../tx/signer.js'
import { BoundedQueue } from './boundedQueue.js'
import { intake, type IntakeEnd } from './intake.js'
import { pollHeads } from './headTicks.js'
import { constantShape, describeShape, type LoadShape, shapeDurationMs, shapeSlotCount } from './loadShape.js'
import { createShapedPacer, type Pacer } from './pacer.js'
import { mostlyFailedWarning } from './failureWarning.js'
import { poolRoute, poolsOf } from './poolRoute.js'
import { ReorderWindow, defaultReorderWindow } from './reorderWindow.js'
import { routeSpecs } from './router.js'
import { Worker } from './worker.js'
import { AutoRate } from './autoRate.js'
import { SteerToCapacity } from './steerToCapacity.js'
import { SteerToGasTarget } from './steerToGasTarget.js'
import { ChainLoad } from '../chain/chainLoad.js'
import type { Treasury } from '../accounts/treasury.js'
import { ChainReads } from '../sender/chainReads.js'
import type { Funds } from '../sender/purse.js'
import { ForeignHashes } from '../sender/foreignHashes.js'
import { signerLane } from '../sender/signerLane.js'
import { fatesTo, type TxFates } from '../sender/txFates.js'

export type EndReason = IntakeEnd | 'input_failed' | 'signal' | 'duration' | 'stdout_closed' | 'rpc_unavailable' | 'chain_changed'

export interface PipelineOptions {
  input: AsyncIterable<Buffer | string> & { destroy?: () => void }
  output: NodeJS.WritableStream
  log: Logger
  pools: PoolSize[]
  /** Extra summary fields computed from the summary before it is written (`--assert` results). */
  onSummary?: (summary: Omit<SummaryEvent, 'version'>) => Partial<Omit<SummaryEvent, 'version' | 'type'>> | undefined
  tps: number
  /** `--tps auto` (`capacity`: the rate follows inclusion) or `--tps gas-target` (blocks half full); `tps` is then 0. */
  autoTps?: 'capacity' | 'gas-target'
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
  /** Follow blocks and report tx_receipt / tx_timeout per sent tx (off with dryRun). */
  receipts: boolean
  /** A sent tx without a receipt this long after its tx_result gets tx_timeout. */
  receiptTimeoutMs: number
  /** How receipts are read (`--receipts-by`): auto, block or tx; see ReceiptTrackerOptions.source. */
  receiptSource: ReceiptSource
  /** Read every tx's receipt from the node, even where its block tells its outcome (`--full-receipts`). */
  fullReceipts?: boolean
  /** `block` events only from the first tx sent on (specs read from a terminal). */
  blocksAfterFirstSend?: boolean
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
  /** What the funder sent and holds (`summary.funding`, the live line's funds); none when the run does not fund. */
  funding?: FundingFeed
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
  /** The run's funder at work (`--keep-funded`): started with the run's events, stopped before the summary. */
  treasury?: Treasury
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

  /** When the first stop came (performance.now(), the pacer's clock). */
  at: number | undefined

  with(r: EndReason): void {
    this.reason ??= r
    this.at ??= performance.now()
    this.controller.abort()
  }
}

/** The run's views of its own events: stats for the summary, progress, metrics, the CLI's. */
function runViews(opts: PipelineOptions, chain: PipelineChain, queues: { intake: BoundedQueue<IndexedSpec>; workers: BoundedQueue<IndexedSpec>[] }, order: ReturnType<typeof orderResults>) {
  const stats = new RunStats()
  const receipts = tracksReceipts(opts)
  const funding = opts.funding
  const progress = new ProgressReporter({ stats, receipts, ...(opts.reportIntervalMs !== undefined ? { intervalMs: opts.reportIntervalMs } : {}), ...(opts.statusLine ? { statusLine: opts.statusLine } : {}), ...(funding ? { funding: () => funding.current() } : {}) })
  const views: EventView[] = [stats.observe, ...(opts.observers ?? []), progress.observe]
  let serveMetrics = (): void => {}
  if (chain.metrics) {
    const reorder = order ? { reorder: () => ({ size: order.stash.size, capacity: order.window.capacity }) } : {}
    const metrics = new PromMetrics({ pending: () => (receipts ? stats.pending : 0), intakeQueue: () => queues.intake, workerQueues: () => queues.workers, ...reorder })
    if (opts.shard) metrics.registry.setDefaultLabels({ shard: shardLabel(opts.shard) })
    views.push(metrics.observe)
    const server = chain.metrics
    serveMetrics = () => server.serve(metrics)
  }
  return { stats, progress, views, serveMetrics }
}

const tracksReceipts = (opts: PipelineOptions): boolean => opts.receipts && !opts.dryRun

/**
 * What follows the txs beside the workers, and the return path: the tracker turns accepted txs
 * into receipts and timeouts and tells each block it reads to the chain's load (the fee
 * headroom, saturation) and the auto rate; the workers' fates reach the tracker and the load.
 */
function followers(opts: PipelineOptions, chain: PipelineChain, events: RunEvents) {
  const emit = (e: Parameters<RunEvents['emit']>[0]) => events.emit(e)
  // a first bid outlasts its wait behind the backlog and the keepers' look-ahead, and a block more
  const load = new ChainLoad({ emit, onHeadroom: (blocks) => chain.fees.setHeadroom(blocks), marginBlocks: keeperTiming(opts, chain).riskBlocks + 1, blockGasLimit: () => chain.fees.blockGasLimit })
  const auto = opts.autoTps ? new AutoRate(opts.autoTps === 'gas-target' ? new SteerToGasTarget() : new SteerToCapacity()) : undefined
  const tracker = tracksReceipts(opts)
    ? new ReceiptTracker({
        rpc: chain.rpc,
        emit,
        log: opts.log,
        timeoutMs: opts.receiptTimeoutMs,
        pollMs: pollMsFor(chain.blockTimeMs),
        headPollMs: headPollMsFor(chain.blockTimeMs),
        blockEvents: opts.blocksAfterFirstSend === true ? 'after-first-send' : true,
        onBlock: (b) => {
          load.block(b)
          auto?.block(b)
        },
        source: opts.receiptSource,
        fullReceipts: opts.fullReceipts === true,
        outputRoom: () => events.drained(),
      })
    : undefined
  const fates = fatesTo(tracker ? [tracker, load] : [load])
  return { load, auto, tracker, fates }
}

export async function runPipeline(opts: PipelineOptions, chain: PipelineChain): Promise<{ summary: Omit<SummaryEvent, 'version'>; reason: EndReason }> {
  const stop = new Stop(chain.signers.length * opts.inFlight)
  const onSignal = () => stop.with('signal')
  if (opts.signal?.aborted) stop.with('signal')
  opts.signal?.addEventListener('abort', onSignal, { once: true })
  const writer = new EventWriter(opts.output, () => {
    opts.log.warn('stdout closed: stopping the run')
    stop.with('stdout_closed')
  })
  const queues = { intake: new BoundedQueue<IndexedSpec>(opts.readerCapacity), workers: chain.signers.map(() => new BoundedQueue<IndexedSpec>(opts.workerCapacity)) }
  const order = orderResults(opts, chain, writer)
  const { stats, progress, views, serveMetrics } = runViews(opts, chain, queues, order)
  const events = new RunEvents(writer, { views, ...(order ? { stash: order.stash } : {}), ...(opts.shard ? { stamp: { shard: shardLabel(opts.shard) } } : {}) })
  const { load, auto, tracker, fates } = followers(opts, chain, events)
  await tracker?.start()
  progress.start((e) => events.emit(e))
  serveMetrics()

  const durationTimer = opts.durationMs !== undefined ? setTimeout(() => stop.with('duration'), opts.durationMs) : undefined
  const pacer: Pacer = auto ?? shapePacer(opts, chain, stop, tracker)
  // an outage longer than --max-outage ends the run: every spec not sent yet fails at once
  const nodeDead = new AbortController()
  const health = new NodeHealth(
    opts.maxOutageMs,
    (outageMs) => {
      nodeDead.abort()
      opts.log.error({ rpc: chain.rpc.displayUrl, outage_ms: Math.round(outageMs), max_outage_ms: opts.maxOutageMs }, 'the node stayed unreachable longer than --rpc-timeout/--max-outage: failing the remaining specs with RPC_UNAVAILABLE')
    },
    () => chainWatch.poke(),
  )
  const watchEnd = new AbortController()
  const chainWatch = watchChainId(opts, chain, stop, AbortSignal.any([stop.signal, watchEnd.signal]))
  const funds = chain.treasury?.start((e) => events.emit(e))
  const foreign = new ForeignHashes(opts.log)
  const workers = startWorkers(opts, chain, { events, fates, health, foreign, queues: queues.workers, cancel: stop.signal, roomy: () => load.roomy(), ...(funds ? { funds } : {}) })
  const running = workers.map((w) => w.run())
  const intakeEnd = await readAndRoute(opts, chain, { events, intakeQueue: queues.intake, workers, stop, pacer, ...(order ? { window: order.window } : {}) })
  // the router took its last slot: a stop with the schedule still running misses what was due by then
  pacer.close?.(stop.at)
  await Promise.all(running)
  order?.end()
  if (tracker) {
    // EOF / --max-txs: wait for the receipts (each tx at most --receipt-timeout); a stop skips the wait
    if (!stop.signal.aborted && !health.dead && tracker.pendingCount > 0) await waitForReceipts(opts, tracker, workers, AbortSignal.any([stop.signal, nodeDead.signal]))
    await tracker.stop()
  }
  await chain.treasury?.stop()
  watchEnd.abort()
  await chainWatch.done
  foreign.report()
  if (durationTimer) clearTimeout(durationTimer)
  opts.signal?.removeEventListener('abort', onSignal)
  progress.stop()

  const reason: EndReason = stop.reason ?? (health.dead ? 'rpc_unavailable' : intakeEnd)
  const summary = { ...stats.summary(reason), ...load.summary() }
  addPacing(opts, summary, pacer, chain.signers.length)
  if (order) summary.reorder = { window: order.window.capacity, max_held: order.stash.maxHeld }
  if (auto) {
    summary.pacing = { target_tps: Math.round(auto.tps * 100) / 100, missed_slots: 0, late_slots: auto.late, max_lag_ms: Math.round(auto.maxLagMs * 1000) / 1000, auto: true, ...(opts.autoTps === 'gas-target' ? { gas_target: true } : {}) }
    if (auto.capacity !== undefined) summary.capacity = { tps: Math.round(auto.capacity * 100) / 100, gas_per_s: Math.round(load.rates()?.gasPerS ?? 0) }
  }
  // the top-ups stop before the figures are taken (the receipts are in: nothing more to pay for)
  if (opts.funding) summary.funding = fundingSummary(withRunway(await opts.funding.settle(!health.dead), stats.spend.weiPerS()))
  if (opts.onSummary) Object.assign(summary, opts.onSummary(summary))
  const mostlyFailed = mostlyFailedWarning(summary.sent, summary.errors)
  if (mostlyFailed) opts.log.warn(mostlyFailed.fields, mostlyFailed.line)
  if (events.closed) opts.log.info({ summary }, 'summary')
  events.emit(summary)
  await events.end()
  return { summary, reason }
}

/** The node's chain id, read again every 30 s and after each outage: another one stops the run (`chain_changed`, exit 1). */
function watchChainId(opts: PipelineOptions, chain: PipelineChain, stop: Stop, end: AbortSignal): ChainIdWatch & { done: Promise<void> } {
  const watch = new ChainIdWatch({
    rpc: chain.rpc,
    chainId: chain.chainId,
    everyMs: CHAIN_ID_CHECK_MS,
    timeoutMs: STOPPING_TIMEOUT_MS,
    onChange: (now) => {
      opts.log.error({ rpc: chain.rpc.displayUrl, chain_id: chain.chainId, now }, `[CHAIN_MISMATCH] the node now serves chain ${now}, not ${chain.chainId} (another node behind the URL?): stopping the run — check what ${chain.rpc.displayUrl} points at`)
      stop.with('chain_changed')
    },
  })
  return Object.assign(watch, { done: watch.run(end) })
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
  /** The run's funder, for signers that run short. */
  funds?: Funds
  /** Sends answered with a hash that is not the tx's own. */
  foreign: ForeignHashes
}

/** How often the keepers check (`--gap-check`), and the full blocks of base-fee rise a kept bid must outlast. */
function keeperTiming(opts: PipelineOptions, chain: PipelineChain): { everyMs: number; riskBlocks: number } {
  const everyMs = opts.dryRun ? 0 : (opts.gapCheckMs ?? (chain.blockTimeMs ? Math.min(10_000, Math.max(1_000, 2 * chain.blockTimeMs)) : 2_000))
  // the base fee can rise once per block until the next check, and once more before a replacement lands
  return { everyMs, riskBlocks: Math.ceil(everyMs / (chain.blockTimeMs ?? 1_000)) + 1 }
}

/** One lane and one worker per signer. */
function startWorkers(opts: PipelineOptions, chain: PipelineChain, parts: WorkerParts): Worker[] {
  // one endpoint per signer, always the same: its nonce stays with one node's pool
  const endpoints = chain.endpoints ?? [chain.rpc]
  const readsOf = endpoints.map((rpc) => new ChainReads({ rpc, health: parts.health, retries: opts.retries, cancel: parts.cancel, foreign: parts.foreign }))
  const build = { chainId: chain.chainId, fees: chain.fees, gas: new GasEstimator((call) => readsOf[0]!.estimateGas(call)), calldataFloor: chain.calldataFloor ?? false }
  const keeper = { ...keeperTiming(opts, chain), neverIncludedMs: 30 * (chain.blockTimeMs ?? 1_000), roomy: parts.roomy }
  return chain.signers.map((signer, index) => {
    const lane = signerLane({ signer, worker: index, chainId: chain.chainId, fees: chain.fees, reads: readsOf[index % readsOf.length]!, events: parts.events, fates: parts.fates, log: opts.log, inFlight: opts.inFlight, retries: opts.retries, dryRun: opts.dryRun, maxFee: opts.maxFee, keeper, ...(parts.funds ? { funds: parts.funds } : {}) })
    const endpoint = endpoints.length > 1 ? { endpoint: endpoints[index % endpoints.length]!.displayUrl } : {}
    return new Worker({ index, lane, build, events: parts.events, fates: parts.fates, log: opts.log, cancel: parts.cancel, queue: parts.queues[index]!, health: parts.health, ...endpoint })
  })
}

/** Reads the input into the intake queue while the router feeds the workers; resolves when both are done. */
async function readAndRoute(opts: PipelineOptions, chain: PipelineChain, parts: { events: RunEvents; intakeQueue: BoundedQueue<IndexedSpec>; workers: Worker[]; stop: Stop; pacer: Pacer; window?: ReorderWindow }): Promise<IntakeEnd | 'input_failed'> {
  parts.stop.signal.addEventListener('abort', () => opts.input.destroy?.(), { once: true })
  const { slices, members } = poolsOf(opts.pools, chain.signers)
  const defaultPool = opts.pools[0]!.name
  // the pacing as given: --tps auto / gas-target, the stages or ramp, the flat rate
  const pacing = opts.autoTps ? `--tps ${opts.autoTps === 'capacity' ? 'auto' : 'gas-target'}` : describeShape(opts.shape ?? constantShape(opts.tps))
  opts.log.info({ pools: opts.pools.map((p) => `${p.name}×${p.size}`).join(' '), pacing }, 'sending')
  const routing = routeSpecs(parts.intakeQueue, parts.workers, parts.events, poolRoute(slices, chain.signers.map((sg) => sg.address), defaultPool), { pacing: { pacer: parts.pacer, cancel: parts.stop.signal }, ...(parts.window ? { window: parts.window } : {}) })
  let end: IntakeEnd | 'input_failed'
  try {
    end = await intake({
      input: opts.input,
      ctx: parseContext([...members].map(([name, m]) => [name, [...m.values()]]), opts.txType),
      queue: parts.intakeQueue,
      events: parts.events,
      log: opts.log,
      ...(opts.maxTxs !== undefined ? { maxTxs: opts.maxTxs } : {}),
      ...(opts.shard && !opts.ownInput ? { shard: opts.shard } : {}),
      stop: parts.stop.signal,
    })
  } catch (err) {
    // a failing input stream ends intake (a bad line never does: the parser turns any failure into
    // its invalid_spec); what was read still completes, and the run ends input_failed, exit 1
    parts.intakeQueue.close()
    end = 'input_failed'
    if (!parts.stop.signal.aborted) {
      const failed = new FloodgateError('INPUT_READ_FAILED', `reading the input failed: ${describeError(err, 200)}; finishing what was read`, { cause: err })
      opts.log.error({ code: failed.code }, errorLine(failed))
    }
  }
  await routing
  return end
}

/**
 * `--ordered`: the reorder stash the events write results through and the router's window that
 * bounds it; `end()`, once every worker is done, writes whatever is still held (nothing, unless
 * a spec lost its result).
 */
function orderResults(opts: PipelineOptions, chain: PipelineChain, writer: EventWriter) {
  if (!opts.ordered) return undefined
  const stash = new ReorderStash((e) => writer.write(e))
  const window = new ReorderWindow(stash, opts.reorderWindow ?? defaultReorderWindow(chain.signers.length, opts.workerCapacity, opts.inFlight))
  opts.log.debug({ window: window.capacity }, 'tx_result events in idx order (--ordered)')
  const end = () => {
    const skipped = stash.flush()
    if (skipped > 0) opts.log.error({ held: skipped, next_idx: stash.nextIdx }, 'results held past the end of the run (an idx without a tx_result): written now, out of order')
    opts.log.debug({ window: window.capacity, max_held: stash.maxHeld }, 'reorder stash')
  }
  return { stash, window, end }
}

/** After the last send: wait for the receipts while each worker keeps mending gaps, until all are in or `stop`. */
async function waitForReceipts(opts: PipelineOptions, tracker: ReceiptTracker, workers: Worker[], stop: AbortSignal): Promise<void> {
  opts.log.info({ pending: tracker.pendingCount }, 'all sent; waiting for receipts')
  const waited = new AbortController()
  const until = AbortSignal.any([stop, waited.signal])
  setMaxListeners(workers.length + 16, until) // each settling worker sleeps on it
  const mending = workers.map((w) => w.keepUntilMined(until))
  await tracker.settle(stop)
  waited.abort()
  await Promise.all(mending)
}

/** The run's pacer: `shape`, else the constant `tps`; per-block stages follow the tracker's head polls (a poller of their own without receipts); the shape's end stops the run. */
function shapePacer(opts: PipelineOptions, chain: PipelineChain, stop: Stop, tracker: ReceiptTracker | undefined): Pacer {
  const shape = opts.shape ?? constantShape(opts.tps)
  const heads = shape.some((stage) => stage.kind === 'block') ? { heads: tracker?.followHeads ?? pollHeads(chain.rpc, headPollMsFor(chain.blockTimeMs)) } : {}
  return createShapedPacer(shape, { ...heads, onEnd: () => stop.with('duration') })
}

function addPacing(opts: PipelineOptions, summary: Omit<SummaryEvent, 'version'>, pacer: Pacer, workers: number): void {
  const shape = opts.shape ?? constantShape(opts.tps)
  if (shape.length === 0) return
  // a shape's mean rate when it has one (rate stages of finite length), else the flat --tps, else 0 (per block)
  const slots = shapeSlotCount(shape)
  const target = opts.shape === undefined ? opts.tps : slots !== undefined ? Math.round((slots / shapeDurationMs(shape)) * 1e5) / 100 : 0
  summary.pacing = { target_tps: target, missed_slots: pacer.missed, late_slots: pacer.late, max_lag_ms: Math.round(pacer.maxLagMs * 1000) / 1000 }
  if (shape.some((stage) => stage.name !== undefined)) {
    summary.pacing.stages = shape.map((stage) => ({ name: stage.name ?? '', duration_ms: stage.durationMs, ...(stage.kind === 'rate' ? { from_tps: stage.from, to_tps: stage.to } : { per_block: stage.perBlock, ...(stage.blocks !== undefined ? { blocks: stage.blocks } : {}) }) }))
  }
  if (pacer.missed > 0) opts.log.warn({ target_tps: target, missed: pacer.missed, pool: workers }, 'the pool could not keep up with --tps (or the load shape): slots were missed; raise --pool-size or --batch-size')
}
