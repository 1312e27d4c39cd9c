/** `floodgate send` (and `run`'s spam phase): open the chain, derive and fund the pools, run the pipeline. */
import { keyOf } from './base/key.js'
import { privateKeyToAddress } from 'viem/accounts'
import type { Address } from 'viem'
import { derivePoolKeys, type KeyDerivation, type PoolSize } from './accounts/derivePoolKeys.js'
import { fundAccounts } from './accounts/fundAccounts.js'
import { FundingTally, type FundingFeed, type FundingFigures } from './accounts/fundingFigures.js'
import { waitFundingTurn } from './accounts/fundingTurn.js'
import { Treasury } from './accounts/treasury.js'
import { FatalError } from './base/errors.js'
import { runPipeline, type EndReason, type PipelineOptions } from './dispatch/pipeline.js'
import type { SummaryEvent } from './events/types.js'
import { listenMetrics } from './metrics/prometheus.js'
import { SendSession } from './sender/sendSession.js'
import { autoBatchSize, createBatchingRpc } from './rpc/batchingRpc.js'
import { countingRpc } from './rpc/countingRpc.js'
import { createHttpRpc, type Rpc } from './rpc/rpc.js'
import { rpcCostFields } from './metrics/rpcCost.js'
import { type Chain, type ChainSettings, connectionsFor, openChain } from './startup/openChain.js'
import { defaultSeed } from './state.js'
import type { Signer } from './tx/signer.js'

export interface SendOptions extends ChainSettings, PipelineOptions {
  /**
   * The run's named pools, each with its own accounts and workers; a spec goes to its
   * `from_pool`'s workers, or to the first pool's when it names none. `send` has one.
   */
  pools: PoolSize[]
  /** Pool derivation: a seed string, or a mnemonic; neither → the persisted default seed. */
  seed?: string
  /** `--key-derivation`: floodgate's (default) or contender's keys for the seed and pool name. */
  keyDerivation?: KeyDerivation
  mnemonic?: string
  /** Top up pool accounts below `minBalance` (default 0.1 ETH; 1000 ETH on the embedded devnet). */
  skipFunding: boolean
  /** Most eth_sendRawTransaction calls coalesced into one JSON-RPC batch (default: a quarter of the sends in flight, pool × --in-flight, ≤ 100; 1: no batching). */
  batchSize?: number
  /** How long a send waits for others to share its batch, in ms (default 0: the current event-loop turn). */
  batchWaitMs?: number
  stateDir?: string
  /** Background top-up period: pool accounts that will run short are topped up from the funder (0 or absent: off). */
  keepFundedMs?: number
  /** What one account's window of the spam's txs can cost at the first bid (`run`: from the spend model; 0 or absent: not known). */
  spamWindowCost?: bigint
  /** Serve Prometheus metrics on 127.0.0.1:port (0: a free port, logged). */
  metricsPort?: number
  /** The address the metrics server listens on (default 127.0.0.1; 0.0.0.0 in a pod Prometheus scrapes). */
  metricsHost?: string
  /** A chain already opened by the caller (`run`, after its setup): used as is, and not closed. */
  chain?: Chain
  /** `--rpc-url` given more than once: the endpoints after the first (signers are spread over all of them). */
  moreRpcUrls?: string[]
  /** What the funder sent so far, when the caller funded the run's accounts itself (`run`'s setup); `send` counts its own funding here too. */
  fundingTally?: FundingTally
}

export type { EndReason }

export interface SendResult {
  summary: Omit<SummaryEvent, 'version'>
  reason: EndReason
  pool: Address[]
}

/**
 * reader → router → one worker per signer → events. Resolves when every accepted line has its
 * terminal event and the summary is written.
 */
export async function send(o: SendOptions): Promise<SendResult> {
  // a taken --metrics-port stops the run before anything (even the devnet) starts
  const metrics = o.metricsPort !== undefined ? await listenMetrics(o.metricsPort, o.log, o.metricsHost, runName(o)) : undefined
  let chain: Chain | undefined
  let more: Rpc[] = []
  try {
    chain = o.chain ?? (await openChain(o))
    more = await connectMore(o, chain)
    const signers = poolSigners(o, chain)
    const tally = fundingTally(o, chain)
    if (!o.skipFunding && !o.dryRun) await fundPools(o, chain, signers, tally)
    // the workers' sends are coalesced into JSON-RPC batches (funding above went one by one), one batcher per endpoint
    const batching = (r: Rpc) => createBatchingRpc(r, { maxSize: o.batchSize ?? autoBatchSize(Math.ceil((signers.length * o.inFlight) / (more.length + 1))), waitMs: o.batchWaitMs ?? 0 })
    const rpc = batching(chain.rpc)
    // --tps is the rate of all shards together: each sends its share
    const endpoints = more.length ? { endpoints: [rpc, ...more.map(batching)] } : {}
    const treasury = treasuryOf(o, chain, signers, tally)
    const funding = tally ? await fundingFeed(chain, tally, treasury) : undefined
    try {
      const run = { ...o, ...(o.shard ? { tps: o.tps / o.shard.count } : {}), ...(funding ? { funding } : {}), onSummary: withRpcCost(o, chain) }
      const { summary, reason } = await runPipeline(run, { rpc, chainId: chain.chainId, fees: chain.fees, signers, blockTimeMs: chain.blockTimeMs, calldataFloor: chain.calldataFloor, metrics, ...endpoints, ...(treasury ? { treasury } : {}) })
      return { summary, reason, pool: signers.map((s) => s.address) }
    } finally {
      await treasury?.stop()
    }
  } finally {
    await Promise.all(more.map((r) => r.close?.().catch(() => {})))
    if (chain !== o.chain) await chain?.close()
    await metrics?.close()
  }
}

/** The endpoints after the first (`--rpc-url` more than once): each must be the same chain. */
async function connectMore(o: SendOptions, chain: Chain): Promise<Rpc[]> {
  const chainId = chain.chainId
  const out: Rpc[] = []
  try {
    for (const url of o.moreRpcUrls ?? []) {
      const r = countingRpc(createHttpRpc(url, { timeoutMs: o.requestTimeoutMs, connections: connectionsFor(o.inFlight) }), chain.rpcCalls)
      out.push(r)
      const id = Number(BigInt(await r.request<string>('eth_chainId', [])))
      if (id !== chainId) throw new FatalError('CHAIN_MISMATCH', `--rpc-url ${r.displayUrl} is chain ${id}, the first --rpc-url is chain ${chainId}: every endpoint must serve the same chain`)
      o.log.info({ rpc: r.displayUrl, chainId }, 'connected')
    }
    return out
  } catch (err) {
    await Promise.all(out.map((r) => r.close?.().catch(() => {})))
    throw err
  }
}

/**
 * The summary's RPC figures (every call of the run, from the first contact on), before the
 * caller's own fields (`--assert`), which see them. A chain this run opened stops its fee
 * refresh first: nothing reads fees any more, and no call then follows the count.
 */
function withRpcCost(o: SendOptions, chain: Chain): NonNullable<SendOptions['onSummary']> {
  return (summary) => {
    if (chain !== o.chain) chain.fees.stop()
    const rpc = rpcCostFields(chain.rpcCalls.counts(), summary.sent)
    return { ...rpc, ...o.onSummary?.({ ...summary, ...rpc }) }
  }
}

/** The signers of every pool, one pool after the other; the keys are wiped once the signers hold them. */
function poolSigners(o: SendOptions, chain: Chain): Signer[] {
  const keys = derivePoolKeys(o.pools, keySource(o), o.shard?.index).flat()
  const signers = keys.map((k) => chain.makeSigner(k))
  keys.fill('0x')
  if (new Set(signers.map((s) => keyOf(s.address))).size !== signers.length) {
    throw new FatalError('POOL_DUPLICATE', 'the pool derivation produced the same account twice; two workers must never share a signer')
  }
  return signers
}

const keySource = (o: SendOptions) => (o.mnemonic ? { mnemonic: o.mnemonic } : { seed: o.seed ?? defaultSeed(o.stateDir, (m) => o.log.warn(m)), ...(o.keyDerivation ? { derivation: o.keyDerivation } : {}) })

/** The pool accounts of shards 0 … i-1 (the same seed and pools, their shard index). */
function earlierShardsAccounts(o: SendOptions): Address[][] {
  const out: Address[][] = []
  for (let j = 0; j < (o.shard?.index ?? 0); j++) {
    const keys = derivePoolKeys(o.pools, keySource(o), j).flat()
    out.push(keys.map((k) => privateKeyToAddress(k)))
    keys.fill('0x')
  }
  return out
}

/** The run's funding tally: the caller's (`run`), or a new one when this run funds its pool; none without a funder, for a dry run, or with --skip-funding. */
function fundingTally(o: SendOptions, chain: Chain): FundingTally | undefined {
  if (o.dryRun || !chain.funderKey) return undefined
  if (o.fundingTally) return o.fundingTally
  return o.skipFunding ? undefined : new FundingTally()
}

/**
 * The summary's and the live line's funding figures: the tally, with the funder's balance read
 * now (once) and at the end, after the background top-up has stopped.
 */
async function fundingFeed(chain: Chain, tally: FundingTally, treasury: Treasury | undefined): Promise<FundingFeed> {
  const funder = privateKeyToAddress(chain.funderKey!)
  const read = async () => {
    try {
      tally.funderBalance(BigInt(await chain.rpc.request<string>('eth_getBalance', [funder, 'latest'])))
    } catch {
      // a figure, not a reason to fail the run: the last balance read stands
    }
  }
  await read()
  return {
    // the treasury's runway projects the spend a period ahead (a chain at capacity spends faster each block)
    current: () => withTreasuryRunway(tally.figures(), treasury),
    settle: async (readAgain) => {
      await treasury?.stop()
      if (readAgain) await read()
      return withTreasuryRunway(tally.figures(), treasury)
    },
  }
}

const withTreasuryRunway = (f: FundingFigures, treasury: Treasury | undefined): FundingFigures => {
  const runwayS = treasury?.runwayS
  return runwayS === undefined ? f : { ...f, runwayS }
}

async function fundPools(o: SendOptions, chain: Chain, signers: Signer[], tally: FundingTally | undefined): Promise<void> {
  if (!chain.funderKey) {
    o.log.warn('no --funder-key: pool accounts are not topped up (pass --skip-funding to silence this)')
    return
  }
  const session = new SendSession({ chain, retries: o.retries, maxOutageMs: o.maxOutageMs, log: o.log, ...(o.signal ? { signal: o.signal } : {}) })
  try {
    if (o.shard && o.shard.index > 0) await waitFundingTurn({ reads: session.reads, earlier: earlierShardsAccounts(o), minBalance: chain.minBalance, log: o.log, cancel: session.cancel })
    await fundAccounts({ session, chainId: chain.chainId, funder: chain.makeSigner(chain.funderKey), accounts: signers.map((s) => s.address), minBalance: chain.minBalance, log: o.log, ...(tally ? { onSent: tally.funded } : {}) })
  } catch (err) {
    // a signal while funding is a stop like any other: nothing is read, the summary says so
    if (!o.signal?.aborted) throw err
    o.log.warn('stopped while funding the pool: nothing is sent')
  } finally {
    // the session's receipt tracker stops with the funding, failed or not
    await session.close()
  }
}

/**
 * The run's treasury (`--keep-funded`), beside the workers: on when funding is (with `run`,
 * whose setup funded the pools, unless `--skip-funding`), off for a dry run or without a funder.
 * Started by the pipeline, with its events.
 */
function treasuryOf(o: SendOptions, chain: Chain, signers: Signer[], tally: FundingTally | undefined): Treasury | undefined {
  if (!o.keepFundedMs || o.dryRun || !chain.funderKey || (o.skipFunding && !o.chain)) return undefined
  return new Treasury({
    session: (signal) => new SendSession({ chain, retries: o.retries, maxOutageMs: o.maxOutageMs, log: o.log, signal: o.signal ? AbortSignal.any([o.signal, signal]) : signal }),
    chainId: chain.chainId,
    funder: chain.makeSigner(chain.funderKey),
    accounts: signers.map((s) => s.address),
    minBalance: chain.minBalance,
    everyMs: o.keepFundedMs,
    window: o.spamWindowCost ?? 0n,
    fees: () => chain.fees.current,
    ...(tally ? { tally } : {}),
    log: o.log,
  })
}

export { FatalError }

/** The run as the metrics index names it: its pools and their accounts, and its shard. */
function runName(o: Pick<SendOptions, 'pools' | 'shard'>): string {
  const pools = o.pools.map((p) => `${p.name} (${p.size} account${p.size === 1 ? '' : 's'})`).join(', ')
  return `floodgate, pool${o.pools.length === 1 ? '' : 's'} ${pools}${o.shard ? `, shard ${o.shard.index}/${o.shard.count}` : ''}`
}
