import { setMaxListeners } from 'node:events'
import type { Address, Hex } from 'viem'
import { connect, warnIfAutomine } from './startup/chainGuard.js'
import { FeeOracle } from './chain/feeOracle.js'
import { NodeHealth } from './rpc/nodeHealth.js'
import { headPollMsFor, pollMsFor, ReceiptTracker, type ReceiptSource } from './chain/receiptTracker.js'
import { fundPool } from './accounts/fundAccounts.js'
import { GasEstimator } from './tx/gasEstimator.js'
import { autoBatchSize, createBatchingRpc } from './rpc/batchingRpc.js'
import { createHttpRpc, type Rpc } from './rpc/rpc.js'
import { chooseSigner, type Signer, type SignerBackend, type SignerFactory } from './tx/signer.js'
import { poolKeysFromMnemonic, poolKeysFromSeed } from './accounts/poolKeys.js'
import { startEmbeddedDevnet } from './devnet/embedded.js'
import { BoundedQueue } from './dispatch/boundedQueue.js'
import { intake, type IntakeEnd } from './dispatch/intake.js'
import { createPacer } from './dispatch/pacer.js'
import { routeSpecs } from './dispatch/router.js'
import { poolRoute, poolsOf } from './dispatch/poolRoute.js'
import { derivePoolKeys, type PoolSize } from './accounts/derivePoolKeys.js'
import { Worker } from './dispatch/worker.js'
import { FatalError } from './base/errors.js'
import { EventWriter } from './events/eventWriter.js'
import type { SummaryEvent } from './events/types.js'
import type { Logger } from './log.js'
import { ProgressReporter } from './metrics/progress.js'
import { listenMetrics, PromMetrics, type MetricsServer } from './metrics/prometheus.js'
import { RunStats } from './metrics/runStats.js'
import type { StatusLine } from './metrics/statusLine.js'
import { defaultSeed } from './state.js'
import type { IndexedSpec, TxType } from './stream/spec.js'

export interface SendOptions {
  /** Target node; none starts the embedded devnet. */
  rpcUrl?: string
  input: AsyncIterable<Buffer | string> & { destroy?: () => void }
  output: NodeJS.WritableStream
  log: Logger
  poolSize: number
  poolName: string
  /**
   * Several named pools (`floodgate run`), each with its own accounts and workers; a spec goes
   * to its `from_pool`'s workers (none: `poolName`'s). Replaces `poolSize` when given.
   */
  pools?: PoolSize[]
  /** Extra summary fields computed from the summary before it is written (`--assert` results). */
  onSummary?: (summary: Omit<SummaryEvent, 'version'>) => Partial<Omit<SummaryEvent, 'version' | 'type'>> | undefined
  /** Pool derivation: a seed string, or a mnemonic; neither → the persisted default seed. */
  seed?: string
  mnemonic?: string
  funderKey?: Hex
  /** Top up pool accounts below this (default 0.01 ETH; 1000 ETH on the embedded devnet). */
  minBalance?: bigint
  skipFunding: boolean
  tps: number
  maxTxs?: number
  durationMs?: number
  retries: number
  feeRefreshMs?: number
  priorityFee?: bigint
  gasPrice?: bigint
  /** `--tx-type`: the type of specs that give none and imply none. */
  txType?: TxType
  rpcTimeoutMs: number
  /** Most eth_sendRawTransaction calls coalesced into one JSON-RPC batch (default: a quarter of the workers, ≤ 100; 1: no batching). */
  batchSize?: number
  /** How long a send waits for others to share its batch, in ms (default 0: the current event-loop turn). */
  batchWaitMs?: number
  /** Signing backend: native libsecp256k1 when it loads (default 'auto'), or viem's pure-JS signer. */
  signer?: 'auto' | SignerBackend
  dryRun: boolean
  allowMainnet: boolean
  readerCapacity: number
  workerCapacity: number
  stateDir?: string
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
  /** Serve Prometheus metrics on 127.0.0.1:port (0: a free port, logged). */
  metricsPort?: number
  /** The live status line of a TTY stderr (the CLI makes one; the logger writes through it). */
  statusLine?: StatusLine
  /** Seams for tests: fault-injecting signers or transports. */
  signerFactory?: SignerFactory
  rpc?: Rpc
}

/** contender's default top-up. */
const DEFAULT_MIN_BALANCE = 10n ** 16n
/** On the embedded devnet ether is free: fund enough that no load test runs dry. */
const DEVNET_MIN_BALANCE = 1000n * 10n ** 18n
export const DEFAULT_RECEIPT_TIMEOUT_MS = 60_000

export type EndReason = IntakeEnd | 'signal' | 'duration' | 'stdout_closed' | 'rpc_unavailable'

export interface SendResult {
  summary: Omit<SummaryEvent, 'version'>
  reason: EndReason
  pool: Address[]
}

/**
 * `floodgate send`: reader → router → one worker per signer → events. Resolves when every
 * accepted line has its `tx_result` and the summary is written.
 */
export async function send(o: SendOptions): Promise<SendResult> {
  // a taken --metrics-port stops the run before anything (even the devnet) starts
  const metrics = o.metricsPort !== undefined ? await listenMetrics(o.metricsPort, o.log) : undefined
  const devnet = o.rpcUrl === undefined && o.rpc === undefined ? await startDevnet(o.log).catch(async (err: unknown) => {
    await metrics?.close()
    throw err
  }) : undefined
  let ownRpc: Rpc | undefined
  try {
    ownRpc = o.rpc ? undefined : createHttpRpc(devnet?.url ?? o.rpcUrl!, { timeoutMs: o.rpcTimeoutMs })
    const rpc = o.rpc ?? ownRpc!
    const chainId = await connect(rpc, { allowMainnet: o.allowMainnet, timeoutMs: Math.min(o.rpcTimeoutMs, 5_000) })
    o.log.info({ rpc: rpc.displayUrl, chainId }, 'connected')
    if (!devnet) await warnIfAutomine(rpc, o.log)

    let makeSigner = o.signerFactory
    if (!makeSigner) {
      let choice
      try {
        choice = chooseSigner({ prefer: o.signer ?? 'auto' })
      } catch (err) {
        throw new FatalError('SIGNER_UNAVAILABLE', (err as Error).message)
      }
      if (choice.reason && o.signer !== 'viem') o.log.warn({ reason: choice.reason }, "signing with viem's pure-JS signer (slower)")
      o.log.debug({ signer: choice.backend }, 'signer')
      makeSigner = choice.factory
    }
    const keys = o.pools
      ? derivePoolKeys(o.pools, o.mnemonic ? { mnemonic: o.mnemonic } : { seed: o.seed ?? defaultSeed(o.stateDir) }).flat()
      : o.mnemonic
        ? poolKeysFromMnemonic(o.mnemonic, o.poolSize)
        : poolKeysFromSeed(o.seed ?? defaultSeed(o.stateDir), o.poolName, o.poolSize)
    const signers: Signer[] = keys.map((k) => makeSigner(k))
    keys.fill('0x') // the signers hold the keys now
    const pool = signers.map((s) => s.address)
    if (new Set(pool.map((a) => a.toLowerCase())).size !== pool.length) {
      throw new FatalError('POOL_DUPLICATE', 'the pool derivation produced the same account twice; two workers must never share a signer')
    }

    const blockTime = await blockTimeMs(rpc)
    const fees = new FeeOracle(rpc, {
      refreshMs: o.feeRefreshMs ?? blockTime ?? 2_000,
      ...(o.gasPrice !== undefined ? { gasPrice: o.gasPrice } : {}),
      ...(o.priorityFee !== undefined ? { priorityFee: o.priorityFee } : {}),
    }, o.log)
    await fees.start()
    try {
      const funderKey = o.funderKey ?? devnet?.funderKey
      if (!o.skipFunding && !o.dryRun) {
        if (!funderKey) {
          o.log.warn('no --funder-key: pool accounts are not topped up (pass --skip-funding to silence this)')
        } else {
          try {
            await fundPool({ rpc, chainId, funder: makeSigner(funderKey), accounts: pool, minBalance: o.minBalance ?? (devnet ? DEVNET_MIN_BALANCE : DEFAULT_MIN_BALANCE), fees: fees.current, log: o.log, ...(o.signal ? { signal: o.signal } : {}) })
          } catch (err) {
            // a signal while funding is a stop like any other: nothing is read, the summary says so
            if (!o.signal?.aborted) throw err
            o.log.warn('stopped while funding the pool: nothing is sent')
          }
        }
      }
      // the workers' sends are coalesced into JSON-RPC batches (setup above went one by one)
      const sendRpc = createBatchingRpc(rpc, { maxSize: o.batchSize ?? autoBatchSize(signers.length), waitMs: o.batchWaitMs ?? 0 })
      return await dispatch(o, { rpc: sendRpc, chainId, fees, signers, blockTimeMs: blockTime, metrics })
    } finally {
      fees.stop()
    }
  } finally {
    await ownRpc?.close?.().catch(() => {})
    await metrics?.close()
    await devnet?.stop()
  }
}

async function startDevnet(log: Logger) {
  log.info('no --rpc-url: starting the embedded anvil devnet')
  const d = await startEmbeddedDevnet()
  log.info({ rpc: d.url, chainId: d.chainId }, 'embedded devnet started')
  return d
}

interface Chain {
  rpc: Rpc
  chainId: number
  fees: FeeOracle
  signers: Signer[]
  blockTimeMs: number | undefined
  metrics: MetricsServer | undefined
}

async function dispatch(o: SendOptions, c: Chain): Promise<SendResult> {
  const cancel = new AbortController()
  // every paced worker waits on it (one abort listener each): not a leak
  setMaxListeners(c.signers.length + 16, cancel.signal)
  let reason: EndReason | undefined
  const stopWith = (r: EndReason) => {
    reason ??= r
    cancel.abort()
  }
  const onSignal = () => stopWith('signal')
  if (o.signal?.aborted) stopWith('signal')
  o.signal?.addEventListener('abort', onSignal, { once: true })

  const events = new EventWriter(o.output, () => {
    o.log.warn('stdout closed: stopping the run')
    stopWith('stdout_closed')
  })
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
    const metrics = new PromMetrics({
      pending: () => (receipts ? stats.pending : 0),
      intakeQueue: () => intakeQueue,
      workerQueues: () => workers.map((w) => w.queue),
    })
    events.onEvent(metrics.observe)
    c.metrics.serve(metrics)
  }
  await tracker?.start()
  progress.start()

  const durationTimer = o.durationMs !== undefined ? setTimeout(() => stopWith('duration'), o.durationMs) : undefined
  const pacer = createPacer(o.tps)
  const gas = new GasEstimator(c.rpc)
  // an outage longer than --rpc-timeout ends the run: every spec not sent yet fails at once
  const nodeDead = new AbortController()
  const health = new NodeHealth(o.rpcTimeoutMs, (outageMs) => {
    nodeDead.abort()
    o.log.error({ rpc: c.rpc.displayUrl, outage_ms: Math.round(outageMs), rpc_timeout_ms: o.rpcTimeoutMs }, 'the node stayed unreachable longer than --rpc-timeout: failing the remaining specs with RPC_UNAVAILABLE')
  })
  const gapCheckMs = o.dryRun ? 0 : (o.gapCheckMs ?? (c.blockTimeMs ? Math.min(10_000, Math.max(1_000, 2 * c.blockTimeMs)) : 2_000))
  const workers = c.signers.map(
    (signer, index) =>
      new Worker({
        index,
        signer,
        chainId: c.chainId,
        rpc: c.rpc,
        fees: c.fees,
        gas,
        pacer,
        events,
        log: o.log,
        retries: o.retries,
        dryRun: o.dryRun,
        cancel: cancel.signal,
        queueCapacity: o.workerCapacity,
        health,
        gapCheckMs,
      }),
  )
  const intakeQueue = new BoundedQueue<IndexedSpec>(o.readerCapacity)
  cancel.signal.addEventListener('abort', () => o.input.destroy?.(), { once: true })

  const poolAddresses = new Map(c.signers.map((s) => [s.address.toLowerCase(), s.address]))
  o.log.info({ pool: o.poolSize, tps: o.tps || 'unpaced' }, 'sending')
  const running = workers.map((w) => w.run())
  const multi = o.pools ? poolsOf(o.pools, c.signers) : undefined
  const routing = routeSpecs(intakeQueue, workers, events, multi ? poolRoute(multi.slices, c.signers.map((s) => s.address), o.poolName) : undefined)
  let intakeEnd: IntakeEnd
  try {
    intakeEnd = await intake({
      input: o.input,
      ctx: { poolName: o.poolName, poolAddresses, ...(multi ? { pools: multi.members } : {}), ...(o.txType ? { txType: o.txType } : {}) },
      queue: intakeQueue,
      events,
      log: o.log,
      ...(o.maxTxs !== undefined ? { maxTxs: o.maxTxs } : {}),
      stop: cancel.signal,
    })
  } catch (err) {
    // a failing input stream (not a bad line) ends intake; what was read still completes
    o.log.error({ err: (err as Error).message }, 'input failed; finishing what was read')
    intakeQueue.close()
    intakeEnd = 'eof'
  }
  await routing
  await Promise.all(running)
  if (tracker) {
    // EOF / --max-txs: wait for the receipts (each tx at most --receipt-timeout); a stop skips the wait
    if (!cancel.signal.aborted && !health.dead && tracker.pendingCount > 0) {
      o.log.info({ pending: tracker.pendingCount }, 'all sent; waiting for receipts')
      // meanwhile each worker keeps checking that the node still has its txs (mending gaps)
      const waited = new AbortController()
      const stop = AbortSignal.any([cancel.signal, nodeDead.signal])
      const until = AbortSignal.any([stop, waited.signal])
      setMaxListeners(workers.length + 16, until) // each settling worker sleeps on it
      const mending = workers.map((w) => w.settle(until))
      await tracker.settle(stop)
      waited.abort()
      await Promise.all(mending)
    }
    await tracker.stop()
  }
  if (durationTimer) clearTimeout(durationTimer)
  o.signal?.removeEventListener('abort', onSignal)
  progress.stop()

  const end: EndReason = reason ?? (health.dead ? 'rpc_unavailable' : intakeEnd)
  const summary = stats.summary(end)
  if (o.tps > 0) {
    summary.pacing = { target_tps: o.tps, missed_slots: pacer.missed, late_slots: pacer.late, max_lag_ms: Math.round(pacer.maxLagMs * 1000) / 1000 }
    if (pacer.missed > 0) o.log.warn({ tps: o.tps, missed: pacer.missed, pool: c.signers.length }, 'the pool could not keep up with --tps: slots were missed; raise --pool-size or --batch-size')
  }
  if (o.onSummary) Object.assign(summary, o.onSummary(summary))
  if (events.closed) o.log.info({ summary }, 'summary')
  events.emit(summary)
  await events.end()
  return { summary, reason: end, pool: c.signers.map((s) => s.address) }
}

/** Block time from the two latest blocks' timestamps, when it looks like one. */
async function blockTimeMs(rpc: Rpc): Promise<number | undefined> {
  try {
    const latest = await rpc.request<{ number: string; timestamp: string }>('eth_getBlockByNumber', ['latest', false])
    const n = BigInt(latest.number)
    if (n === 0n) return undefined
    const parent = await rpc.request<{ timestamp: string }>('eth_getBlockByNumber', [`0x${(n - 1n).toString(16)}`, false])
    const dt = Number(BigInt(latest.timestamp) - BigInt(parent.timestamp))
    return dt >= 1 && dt <= 30 ? dt * 1000 : undefined
  } catch {
    return undefined
  }
}

export { FatalError }
