import type { Address, Hex } from 'viem'
import { connect, warnIfAutomine } from './chain/chainGuard.js'
import { FeeOracle } from './chain/feeOracle.js'
import { fundPool } from './chain/fundPool.js'
import { GasEstimator } from './chain/gasEstimator.js'
import { createHttpRpc, type Rpc } from './chain/rpc.js'
import { viemSigner, type Signer, type SignerFactory } from './chain/signer.js'
import { poolKeysFromMnemonic, poolKeysFromSeed } from './chain/signerPool.js'
import { startEmbeddedDevnet } from './devnet/embedded.js'
import { BoundedQueue } from './dispatch/boundedQueue.js'
import { intake, type IntakeEnd } from './dispatch/intake.js'
import { createPacer } from './dispatch/pacer.js'
import { routeSpecs } from './dispatch/router.js'
import { Worker } from './dispatch/worker.js'
import { FatalError } from './errors.js'
import { EventWriter } from './events/eventWriter.js'
import type { SummaryEvent } from './events/types.js'
import type { Logger } from './log.js'
import { RunStats } from './metrics/runStats.js'
import { defaultSeed } from './state.js'
import type { IndexedSpec } from './stream/spec.js'

export interface SendOptions {
  /** Target node; none starts the embedded devnet. */
  rpcUrl?: string
  input: AsyncIterable<Buffer | string> & { destroy?: () => void }
  output: NodeJS.WritableStream
  log: Logger
  poolSize: number
  poolName: string
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
  rpcTimeoutMs: number
  dryRun: boolean
  allowMainnet: boolean
  readerCapacity: number
  workerCapacity: number
  stateDir?: string
  /** Aborting it cancels the run (SIGINT/SIGTERM in the CLI): queued specs become CANCELLED. */
  signal?: AbortSignal
  /** Seams for tests: fault-injecting signers or transports. */
  signerFactory?: SignerFactory
  rpc?: Rpc
}

/** contender's default top-up. */
const DEFAULT_MIN_BALANCE = 10n ** 16n
/** On the embedded devnet ether is free: fund enough that no load test runs dry. */
const DEVNET_MIN_BALANCE = 1000n * 10n ** 18n

export type EndReason = IntakeEnd | 'signal' | 'duration' | 'stdout_closed'

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
  const devnet = o.rpcUrl === undefined && o.rpc === undefined ? await startDevnet(o.log) : undefined
  try {
    const rpc = o.rpc ?? createHttpRpc(devnet?.url ?? o.rpcUrl!, { timeoutMs: o.rpcTimeoutMs })
    const chainId = await connect(rpc, { allowMainnet: o.allowMainnet, timeoutMs: Math.min(o.rpcTimeoutMs, 8_000) })
    o.log.info({ rpc: rpc.displayUrl, chainId }, 'connected')
    if (!devnet) await warnIfAutomine(rpc, o.log)

    const makeSigner = o.signerFactory ?? viemSigner
    const keys = o.mnemonic
      ? poolKeysFromMnemonic(o.mnemonic, o.poolSize)
      : poolKeysFromSeed(o.seed ?? defaultSeed(o.stateDir), o.poolName, o.poolSize)
    const signers: Signer[] = keys.map((k) => makeSigner(k))
    keys.fill('0x') // the signers hold the keys now
    const pool = signers.map((s) => s.address)
    if (new Set(pool.map((a) => a.toLowerCase())).size !== pool.length) {
      throw new FatalError('POOL_DUPLICATE', 'the pool derivation produced the same account twice; two workers must never share a signer')
    }

    const fees = new FeeOracle(rpc, {
      refreshMs: o.feeRefreshMs ?? (await blockTimeMs(rpc)) ?? 2_000,
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
          await fundPool({ rpc, chainId, funder: makeSigner(funderKey), accounts: pool, minBalance: o.minBalance ?? (devnet ? DEVNET_MIN_BALANCE : DEFAULT_MIN_BALANCE), fees: fees.current, log: o.log, ...(o.signal ? { signal: o.signal } : {}) })
        }
      }
      return await dispatch(o, { rpc, chainId, fees, signers })
    } finally {
      fees.stop()
    }
  } finally {
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
}

async function dispatch(o: SendOptions, c: Chain): Promise<SendResult> {
  const cancel = new AbortController()
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

  const durationTimer = o.durationMs !== undefined ? setTimeout(() => stopWith('duration'), o.durationMs) : undefined
  const pacer = createPacer(o.tps)
  const gas = new GasEstimator(c.rpc)
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
      }),
  )
  const intakeQueue = new BoundedQueue<IndexedSpec>(o.readerCapacity)
  cancel.signal.addEventListener('abort', () => o.input.destroy?.(), { once: true })

  const poolAddresses = new Map(c.signers.map((s) => [s.address.toLowerCase(), s.address]))
  o.log.info({ pool: o.poolSize, tps: o.tps || 'unpaced' }, 'sending')
  const running = workers.map((w) => w.run())
  const routing = routeSpecs(intakeQueue, workers, events)
  let intakeEnd: IntakeEnd
  try {
    intakeEnd = await intake({
      input: o.input,
      ctx: { poolName: o.poolName, poolAddresses },
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
  if (durationTimer) clearTimeout(durationTimer)
  o.signal?.removeEventListener('abort', onSignal)

  const end: EndReason = reason ?? intakeEnd
  const summary = stats.summary(end)
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
