/** One run's pipeline: intake → router → workers → events, the observers beside it, the receipts wait and the summary. */
import { setMaxListeners } from 'node:events'
import type { PoolSize } from '../accounts/derivePoolKeys.js'
import type { FeeOracle } from '../chain/feeOracle.js'
import { headPollMsFor, pollMsFor, ReceiptTracker, type ReceiptSource } from '../chain/receiptTracker.js'
import { EventWriter } from '../events/eventWriter.js'
import type { SummaryEvent } from '../events/types.js'
import type { Logger } from '../log.js'
import { ProgressReporter } from '../metrics/progress.js'
import { PromMetrics, type MetricsServer, type MetricsSources } from '../metrics/prometheus.js'
import { RunStats } from '../metrics/runStats.js'
import type { StatusLine } from '../metrics/statusLine.js'
import { NodeHealth } from '../rpc/nodeHealth.js'
import type { Rpc } from '../rpc/rpc.js'
import { parseContext, type IndexedSpec, type TxType } from '../stream/spec.js'
import { GasEstimator } from '../tx/gasEstimator.js'
import type { Signer } from '../tx/signer.js'
import { BoundedQueue } from './boundedQueue.js'
import { intake, type IntakeEnd } from './intake.js'
import { createPacer, type Pacer } from './pacer.js'
import { poolRoute, poolsOf } from './poolRoute.js'
import { routeSpecs } from './router.js'
import { Worker } from './worker.js'
import { ChainReads } from '../sender/chainReads.js'
import { GapMender } from '../sender/gapMender.js'
import { NonceLedger } from '../sender/nonceLedger.js'
import { SignerSender } from '../sender/signerSender.js'

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
  maxTxs?: number
  durationMs?: number
  /** Resends of the same signed bytes after a transport failure. */
  retries: number
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
  /** The live status line of a TTY stderr (the CLI makes one; the logger writes through it). */
  statusLine?: StatusLine
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
}

/** The run's stop: the first reason wins; every stage watches `signal`. */
class Stop {
  private readonly controller = new AbortController()
  reason: EndReason | undefined
  readonly signal = this.controller.signal

  constructor(listeners: number) {
    // every paced worker waits on it (one abort listener each): not a leak
    setMaxListeners(listeners + 16, this.signal)
  }

  with(r: EndReason): void {
    this.reason ??= r
    this.controller.abort()
  }
}

/** The observers of the event stream: stats for the summary, receipts, progress, metrics. */
function observe(o: PipelineOptions, c: PipelineChain, events: EventWriter, gauges: Omit<MetricsSources, 'pending'>) {
  const stats = new RunStats()
  events.onEvent(stats.observe)
  const emit = events.emit.bind(events)
  const receipts = (o.receipts ?? true) && !o.dryRun
  const tracker = receipts
    ? new ReceiptTracker({ rpc: c.rpc, emit, log: o.log, timeoutMs: o.receiptTimeoutMs ?? DEFAULT_RECEIPT_TIMEOUT_MS, pollMs: pollMsFor(c.blockTimeMs), headPollMs: headPollMsFor(c.blockTimeMs), ...(o.receiptSource ? { source: o.receiptSource } : {}) })
    : undefined
  if (tracker) events.onEvent(tracker.observe)
  const progress = new ProgressReporter({
    stats,
    receipts,
    emit,
    ...(o.reportIntervalMs !== undefined ? { intervalMs: o.reportIntervalMs } : {}),
    ...(o.statusLine ? { statusLine: o.statusLine } : {}),
  })
  events.onEvent(progress.observe)
  if (c.metrics) {
    const metrics = new PromMetrics({ pending: () => (receipts ? stats.pending : 0), ...gauges })
    events.onEvent(metrics.observe)
    c.metrics.serve(metrics)
  }
  return { stats, tracker, progress }
}

export async function runPipeline(o: PipelineOptions, c: PipelineChain): Promise<{ summary: Omit<SummaryEvent, 'version'>; reason: EndReason }> {
  const stop = new Stop(c.signers.length)
  const onSignal = () => stop.with('signal')
  if (o.signal?.aborted) stop.with('signal')
  o.signal?.addEventListener('abort', onSignal, { once: true })
  const events = new EventWriter(o.output, () => {
    o.log.warn('stdout closed: stopping the run')
    stop.with('stdout_closed')
  })
  const intakeQueue = new BoundedQueue<IndexedSpec>(o.readerCapacity)
  let workers: Worker[] = []
  const { stats, tracker, progress } = observe(o, c, events, { intakeQueue: () => intakeQueue, workerQueues: () => workers.map((w) => w.queue) })
  await tracker?.start()
  progress.start()

  const durationTimer = o.durationMs !== undefined ? setTimeout(() => stop.with('duration'), o.durationMs) : undefined
  const pacer = createPacer(o.tps)
  // an outage longer than --max-outage ends the run: every spec not sent yet fails at once
  const nodeDead = new AbortController()
  const health = new NodeHealth(o.maxOutageMs, (outageMs) => {
    nodeDead.abort()
    o.log.error({ rpc: c.rpc.displayUrl, outage_ms: Math.round(outageMs), max_outage_ms: o.maxOutageMs }, 'the node stayed unreachable longer than --rpc-timeout/--max-outage: failing the remaining specs with RPC_UNAVAILABLE')
  })
  workers = startWorkers(o, c, { events, pacer, health, cancel: stop.signal })
  const running = workers.map((w) => w.run())
  const intakeEnd = await readAndRoute(o, c, { events, intakeQueue, workers, stop })
  await Promise.all(running)
  if (tracker) {
    // EOF / --max-txs: wait for the receipts (each tx at most --receipt-timeout); a stop skips the wait
    if (!stop.signal.aborted && !health.dead && tracker.pendingCount > 0) await waitForReceipts(o, tracker, workers, AbortSignal.any([stop.signal, nodeDead.signal]))
    await tracker.stop()
  }
  if (durationTimer) clearTimeout(durationTimer)
  o.signal?.removeEventListener('abort', onSignal)
  progress.stop()

  const reason: EndReason = stop.reason ?? (health.dead ? 'rpc_unavailable' : intakeEnd)
  const summary = stats.summary(reason)
  addPacing(o, summary, pacer, c.signers.length)
  if (o.onSummary) Object.assign(summary, o.onSummary(summary))
  if (events.closed) o.log.info({ summary }, 'summary')
  events.emit(summary)
  await events.end()
  return { summary, reason }
}

function startWorkers(o: PipelineOptions, c: PipelineChain, s: { events: EventWriter; pacer: Pacer; health: NodeHealth; cancel: AbortSignal }): Worker[] {
  const build = { chainId: c.chainId, fees: c.fees, gas: new GasEstimator(c.rpc), calldataFloor: c.calldataFloor ?? false }
  const reads = new ChainReads({ rpc: c.rpc, health: s.health, retries: o.retries, cancel: s.cancel })
  const gapCheckMs = o.dryRun ? 0 : (o.gapCheckMs ?? (c.blockTimeMs ? Math.min(10_000, Math.max(1_000, 2 * c.blockTimeMs)) : 2_000))
  return c.signers.map((signer, index) => {
    const ledger = new NonceLedger(gapCheckMs > 0)
    const sender = new SignerSender({ signer, chainId: c.chainId, fees: c.fees, reads, ledger, retries: o.retries, dryRun: o.dryRun })
    const mender = new GapMender({ sender, worker: index, everyMs: gapCheckMs, events: s.events, log: o.log })
    return new Worker({ index, sender, mender, build, pacer: s.pacer, events: s.events, log: o.log, cancel: s.cancel, queueCapacity: o.workerCapacity, health: s.health })
  })
}

/** Reads the input into the intake queue while the router feeds the workers; resolves when both are done. */
async function readAndRoute(o: PipelineOptions, c: PipelineChain, s: { events: EventWriter; intakeQueue: BoundedQueue<IndexedSpec>; workers: Worker[]; stop: Stop }): Promise<IntakeEnd> {
  s.stop.signal.addEventListener('abort', () => o.input.destroy?.(), { once: true })
  const { slices, members } = poolsOf(o.pools, c.signers)
  const defaultPool = o.pools[0]!.name
  o.log.info({ pools: o.pools.map((p) => `${p.name}×${p.size}`).join(' '), tps: o.tps || 'unpaced' }, 'sending')
  const routing = routeSpecs(s.intakeQueue, s.workers, s.events, poolRoute(slices, c.signers.map((sg) => sg.address), defaultPool))
  let end: IntakeEnd
  try {
    end = await intake({
      input: o.input,
      ctx: parseContext([...members].map(([name, m]) => [name, [...m.values()]]), o.txType),
      queue: s.intakeQueue,
      events: s.events,
      log: o.log,
      ...(o.maxTxs !== undefined ? { maxTxs: o.maxTxs } : {}),
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

/** After the last send: wait for the receipts while each worker keeps mending gaps, until all are in or `stop`. */
async function waitForReceipts(o: PipelineOptions, tracker: ReceiptTracker, workers: Worker[], stop: AbortSignal): Promise<void> {
  o.log.info({ pending: tracker.pendingCount }, 'all sent; waiting for receipts')
  const waited = new AbortController()
  const until = AbortSignal.any([stop, waited.signal])
  setMaxListeners(workers.length + 16, until) // each settling worker sleeps on it
  const mending = workers.map((w) => w.settle(until))
  await tracker.settle(stop)
  waited.abort()
  await Promise.all(mending)
}

function addPacing(o: PipelineOptions, summary: Omit<SummaryEvent, 'version'>, pacer: Pacer, workers: number): void {
  if (o.tps <= 0) return
  summary.pacing = { target_tps: o.tps, missed_slots: pacer.missed, late_slots: pacer.late, max_lag_ms: Math.round(pacer.maxLagMs * 1000) / 1000 }
  if (pacer.missed > 0) o.log.warn({ tps: o.tps, missed: pacer.missed, pool: workers }, 'the pool could not keep up with --tps: slots were missed; raise --pool-size or --batch-size')
}
