/** One chain start-up for every command: devnet or URL, connect, chain guard, signer backend, fee oracle, funding defaults. */
import type { Hex } from 'viem'
import { FatalError, UsageError } from '../base/errors.js'
import { FeeOracle } from '../chain/feeOracle.js'
import { type DevnetNode, type EmbeddedDevnet, startEmbeddedDevnet } from '../devnet/embedded.js'
import type { Logger } from '../log.js'
import { countingRpc, RpcCallTally } from '../rpc/countingRpc.js'
import { redactUrl } from '../rpc/redactUrl.js'
import { createHttpRpc, type Rpc } from '../rpc/rpc.js'
import { createSplitRpc } from '../rpc/splitRpc.js'
import { chooseSigner, type SignerBackend, type SignerFactory } from '../tx/signer.js'
import { blockTimeMs } from './blockTime.js'
import { isPragueOrLater } from './forkRules.js'
import { connect, warnIfAutomine } from './chainGuard.js'

/**
 * The default top-up on an external node: 0.1 ETH. An account must last one `--keep-funded`
 * period (10 s) before the background top-up sees what it spends: at `run`'s default rate per
 * account (100 tx/s over 10 accounts) that is 100 txs, and 100 txs of the costliest built-in
 * scenario (storage: ≈470k gas used, 640k gas limit) cost ≈0.094 ETH at a 1 gwei base fee
 * (`node bench/txCost.mjs`; docs/reliability.md). contender's 0.01 ETH lasted 10 of them: the
 * default `run storage` ended 775 of 1,000 specs INSUFFICIENT_FUNDS.
 */
export const DEFAULT_MIN_BALANCE = 10n ** 17n
/** On the embedded devnet ether is free: fund enough that no load test runs dry. */
export const DEVNET_MIN_BALANCE = 1000n * 10n ** 18n
/** How long the first contact with a node may take, when not set. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 8_000

export interface ChainSettings {
  /** Target node; none starts the embedded devnet. */
  rpcUrl?: string
  /** The embedded devnet's block time and block gas limit (`--block-time`, `--block-gas-limit`). */
  devnetBlockTimeMs?: number
  devnetGasLimit?: bigint
  /** `--node`: the embedded devnet's node (default anvil). */
  devnetNode?: DevnetNode
  /** `devnet --port`: the embedded devnet's RPC port on 127.0.0.1 (default: a free one). */
  devnetPort?: number
  /** `--send-rpc-url`: eth_sendRawTransaction goes here, every read to `rpcUrl`. */
  sendRpcUrl?: string
  /** Timeout of one RPC request. */
  requestTimeoutMs: number
  /** `--in-flight`: sends of one signer outstanding at once; sizes the connections to the node. */
  inFlight: number
  /** How long the first contact (eth_chainId, retried through transient failures) may take. */
  connectTimeoutMs?: number
  allowMainnet: boolean
  /** Signing backend: native libsecp256k1 when it loads (default 'auto'), or viem's pure-JS signer. */
  signer?: 'auto' | SignerBackend
  feeRefreshMs?: number
  priorityFee?: bigint
  gasPrice?: bigint
  /** `--max-fee`: no fee cap above it. */
  maxFee?: bigint
  funderKey?: Hex
  minBalance?: bigint
  log: Logger
  /** Seams for tests: fault-injecting transports or signers. */
  rpc?: Rpc
  signerFactory?: SignerFactory
}

export interface Chain extends Connection {
  /** The chain's block time, when its two latest blocks show one. */
  blockTimeMs: number | undefined
  /** Prague or later: a tx's gas limit must also cover EIP-7623's calldata floor. */
  calldataFloor: boolean
  makeSigner: SignerFactory
  /** The shared fee snapshot, refreshed in the background until `close()`. */
  fees: FeeOracle
  /** The key that tops up accounts: the given one, or the devnet's dev key. */
  funderKey?: Hex
  /** Accounts below this are topped up to it. */
  minBalance: bigint
}

export interface Connection {
  /** The node's URL (the devnet's, or `--rpc-url`); undefined only when a test passed its own `rpc`. */
  url: string | undefined
  rpc: Rpc
  /** Every JSON-RPC call made through `rpc` (and the endpoints counted into it), from the first contact on. */
  rpcCalls: RpcCallTally
  chainId: number
  devnet?: EmbeddedDevnet
  close(): Promise<void>
}

/**
 * The first half of a start-up, all `gen` and `devnet` need: the embedded devnet when no URL is
 * given, the RPC client, the first contact (chain id, mainnet guard). `close()` stops the devnet.
 */
/** A command that only reads (`devnet`, `gen`): its connections are sized for one send in flight. */
export const READS_ONLY = 1

/**
 * Keep-alive connections to one node at most: 32 per send a signer may keep in flight (at most
 * 512). Each carries one request at a time, and at a distance answers come one by one, so the
 * batches stay small: with 32 in all, a pool × --in-flight above that waited for a connection.
 * They open only as needed.
 */
export function connectionsFor(inFlight: number): number {
  return Math.min(512, 32 * Math.max(1, inFlight))
}

export async function connectChain(o: Pick<ChainSettings, 'rpcUrl' | 'sendRpcUrl' | 'rpc' | 'requestTimeoutMs' | 'connectTimeoutMs' | 'allowMainnet' | 'log' | 'devnetBlockTimeMs' | 'devnetGasLimit' | 'devnetNode' | 'devnetPort' | 'inFlight'>): Promise<Connection> {
  if (o.rpcUrl !== undefined && (o.devnetBlockTimeMs !== undefined || o.devnetGasLimit !== undefined || o.devnetNode !== undefined)) {
    throw new UsageError('--node, --block-time and --block-gas-limit shape the embedded devnet: give them without --rpc-url')
  }
  if (o.devnetNode === 'geth' && o.devnetBlockTimeMs !== undefined && o.devnetBlockTimeMs % 1_000 !== 0) {
    throw new UsageError(`--node geth: --block-time must be whole seconds (geth's --dev.period), not ${o.devnetBlockTimeMs} ms`)
  }
  const devnet = o.rpcUrl === undefined && o.rpc === undefined ? await startDevnet(o) : undefined
  const url = devnet?.url ?? o.rpcUrl
  // each call is counted where it leaves for a node: below the read/send split (and the batching the run adds)
  const rpcCalls = new RpcCallTally()
  const http = (u: string) => countingRpc(createHttpRpc(u, { timeoutMs: o.requestTimeoutMs, connections: connectionsFor(o.inFlight) }), rpcCalls)
  const ownRpc = o.rpc ? undefined : o.sendRpcUrl !== undefined ? createSplitRpc(http(url!), http(o.sendRpcUrl)) : http(url!)
  const rpc = o.rpc ? countingRpc(o.rpc, rpcCalls) : ownRpc!
  const close = async () => {
    await ownRpc?.close?.().catch(() => {})
    await devnet?.stop()
  }
  try {
    const chainId = await connect(rpc, { allowMainnet: o.allowMainnet, timeoutMs: o.connectTimeoutMs ?? Math.min(o.requestTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS) })
    o.log.info({ rpc: rpc.displayUrl, chainId, ...(o.sendRpcUrl !== undefined ? { sends_to: redactUrl(o.sendRpcUrl) } : {}) }, 'connected')
    return { url, rpc, rpcCalls, chainId, ...(devnet ? { devnet } : {}), close }
  } catch (err) {
    await close()
    throw err
  }
}

/**
 * Opens the target chain for sending: {@link connectChain}, then the signer backend, the
 * started fee oracle and the funding defaults. `close()` stops all of it, the devnet last. A
 * failure stops what was started.
 */
export async function openChain(o: ChainSettings): Promise<Chain> {
  const conn = await connectChain(o)
  let fees: FeeOracle | undefined
  const close = async () => {
    fees?.stop()
    await conn.close()
  }
  try {
    const { devnet, rpc } = conn
    if (!devnet) await warnIfAutomine(rpc, o.log)
    const makeSigner = o.signerFactory ?? pickSigner(o.signer ?? 'auto', o.log)
    const blockTime = await blockTimeMs(rpc)
    fees = new FeeOracle(rpc, {
      refreshMs: o.feeRefreshMs ?? blockTime ?? 2_000,
      ...(o.gasPrice !== undefined ? { gasPrice: o.gasPrice } : {}),
      ...(o.priorityFee !== undefined ? { priorityFee: o.priorityFee } : {}),
      ...(o.maxFee !== undefined ? { maxFee: o.maxFee } : {}),
    }, o.log)
    await fees.start()
    const funderKey = o.funderKey ?? devnet?.funderKey
    return {
      ...conn,
      blockTimeMs: blockTime,
      calldataFloor: await isPragueOrLater(rpc),
      makeSigner,
      fees,
      ...(funderKey ? { funderKey } : {}),
      minBalance: o.minBalance ?? (devnet ? DEVNET_MIN_BALANCE : DEFAULT_MIN_BALANCE),
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}

async function startDevnet(o: Pick<ChainSettings, 'log' | 'devnetBlockTimeMs' | 'devnetGasLimit' | 'devnetNode' | 'devnetPort'>): Promise<EmbeddedDevnet> {
  const node = o.devnetNode ?? 'anvil'
  o.log.info(`no --rpc-url: starting the embedded ${node} devnet`)
  const d = await startEmbeddedDevnet({
    node,
    ...(o.devnetBlockTimeMs !== undefined ? { blockTimeS: o.devnetBlockTimeMs / 1000 } : {}),
    ...(o.devnetGasLimit !== undefined ? { gasLimit: o.devnetGasLimit } : {}),
    ...(o.devnetPort !== undefined ? { port: o.devnetPort } : {}),
  })
  o.log.info({ node, rpc: d.url, chainId: d.chainId, ...(o.devnetBlockTimeMs !== undefined ? { block_time_ms: o.devnetBlockTimeMs } : {}), ...(o.devnetGasLimit !== undefined ? { block_gas_limit: String(o.devnetGasLimit) } : {}) }, 'embedded devnet started')
  return d
}

function pickSigner(prefer: 'auto' | SignerBackend, log: Logger): SignerFactory {
  let choice
  try {
    choice = chooseSigner({ prefer })
  } catch (err) {
    throw new FatalError('SIGNER_UNAVAILABLE', (err as Error).message)
  }
  if (choice.reason && prefer !== 'viem') log.warn({ reason: choice.reason }, "signing with viem's pure-JS signer (slower)")
  log.debug({ signer: choice.backend }, 'signer')
  return choice.factory
}
