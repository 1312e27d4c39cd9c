/** The embedded devnet: anvil (or geth, `--node geth`) with floodgate's defaults (chain, block time, gas limit, funder account). */
import { parseEther, toHex, type Address, type Hex } from 'viem'
import { FloodgateError } from '../base/errors.js'
import type { Logger } from '../log.js'
import { startAnvil } from './anvil.js'
import { startGeth } from './geth.js'
import { jsonRpc } from './nodeProcess.js'
import { untilReceipt } from './untilReceipt.js'

/**
 * anvil's default dev mnemonic and its first account (m/44'/60'/0'/0/0). Public knowledge, for
 * this throwaway local chain only: never fund these on a real network.
 */
export const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk'
export const DEVNET_FUNDER_KEY: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
export const DEVNET_FUNDER_ADDRESS: Address = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'

export const DEVNET_CHAIN_ID = 31337
/**
 * Interval mining, 1 s. Not automine: anvil 1.7.1 mining one block per transaction stalls and loses
 * transactions above ≈400 tx/s (foundry-rs/foundry#10122; bench: 585 tx/s sent, then stalled with
 * 1.4k of 20k included). With 1 s blocks inclusion is bounded by anvil's ingest rate, not by mining,
 * and block timestamps stay strictly increasing (with 0.5 s two blocks share a second).
 */
export const DEVNET_BLOCK_TIME_S = 1
/**
 * 1e9 gas per block: 47,619 plain transfers per 1 s block, far above what anvil ingests on a
 * laptop (≈6-8k tx/s, docs/devnet.md), and room for gas-heavy calls. 30M (anvil's default) caps
 * transfers at 1,428 per block, i.e. 1.4k tx/s at 1 s blocks.
 */
export const DEVNET_GAS_LIMIT = 1_000_000_000n
/**
 * Prague: has every tx type (legacy, 2930, 1559, 4844, 7702). Pinned rather than anvil's default
 * "latest" (Bpo1 in 1.7.1) so that an anvil upgrade doesn't change the rules under a run.
 */
export const DEVNET_HARDFORK = 'prague'
/** Ether per dev account: long runs at thousands of tx/s never run the funder dry. */
export const DEVNET_BALANCE_ETH = 1_000_000

/** The nodes the embedded devnet can run. */
export const DEVNET_NODES = ['anvil', 'geth'] as const
export type DevnetNode = (typeof DEVNET_NODES)[number]

export interface EmbeddedDevnet {
  node: DevnetNode
  url: string
  chainId: number
  funderKey: Hex
  funderAddress: Address
  stop(): Promise<void>
}

export interface EmbeddedDevnetOptions {
  /** Default anvil. */
  node?: DevnetNode
  logger?: Logger | null
  startTimeoutMs?: number
  /** Block time in seconds (default DEVNET_BLOCK_TIME_S). */
  blockTimeS?: number
  /** Block gas limit (default DEVNET_GAS_LIMIT): a lower one makes a chain the load can fill. */
  gasLimit?: bigint
  /** The RPC port on 127.0.0.1 (anvil's `--port`, geth's `--http.port`); default 0: a free one. */
  port?: number
  /** geth only: flags appended to its own (tests: small `--txpool.*` settings). */
  gethArgs?: string[]
}

/**
 * A throwaway local chain for `floodgate` without an RPC URL: anvil on a free 127.0.0.1 port (or `port`) with
 * the flags above, its per-tx logging off. The funder is anvil's first dev account.
 */
export async function startEmbeddedDevnet(opts: EmbeddedDevnetOptions = {}): Promise<EmbeddedDevnet> {
  if (opts.node === 'geth') return startGethDevnet(opts)
  const anvil = await startAnvil({
    host: '127.0.0.1',
    port: opts.port ?? 0,
    blockTime: opts.blockTimeS ?? DEVNET_BLOCK_TIME_S,
    gasLimit: opts.gasLimit ?? DEVNET_GAS_LIMIT,
    hardfork: DEVNET_HARDFORK,
    chainId: DEVNET_CHAIN_ID,
    balance: DEVNET_BALANCE_ETH,
    silent: true,
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
    ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
  })
  return {
    node: 'anvil',
    url: anvil.url,
    chainId: DEVNET_CHAIN_ID,
    funderKey: DEVNET_FUNDER_KEY,
    funderAddress: DEVNET_FUNDER_ADDRESS,
    stop: () => anvil.stop(),
  }
}

/**
 * geth in dev mode with the same flags' meaning: its random dev account (unlocked) pays
 * DEVNET_BALANCE_ETH to anvil's first dev account, which is then the funder as on anvil, so a
 * run's funder is the same on both. Its chain id is dev mode's (1337).
 */
async function startGethDevnet(opts: EmbeddedDevnetOptions): Promise<EmbeddedDevnet> {
  const geth = await startGeth({
    blockTimeS: opts.blockTimeS ?? DEVNET_BLOCK_TIME_S,
    gasLimit: opts.gasLimit ?? DEVNET_GAS_LIMIT,
    ...(opts.port !== undefined ? { httpPort: opts.port } : {}),
    ...(opts.gethArgs ? { extraArgs: opts.gethArgs } : {}),
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
    ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
  })
  try {
    const chainId = Number(BigInt((await jsonRpc(geth.url, 'eth_chainId', [], 10_000)) as string))
    const hash = (await jsonRpc(geth.url, 'eth_sendTransaction', [{ from: geth.devAccount, to: DEVNET_FUNDER_ADDRESS, value: toHex(parseEther(String(DEVNET_BALANCE_ETH))) }], 10_000)) as Hex
    // mined in the next block: a few block times at most (geth may first say it is still indexing)
    const call = (method: string, params: unknown[]) => jsonRpc(geth.url, method, params, 10_000)
    if (!(await untilReceipt(call, hash, 10_000 + (opts.blockTimeS ?? DEVNET_BLOCK_TIME_S) * 3_000))) {
      throw new FloodgateError('GETH_START', `geth's dev account sent the funder its ether (tx ${hash}), but it was not mined in time`)
    }
    return { node: 'geth', url: geth.url, chainId, funderKey: DEVNET_FUNDER_KEY, funderAddress: DEVNET_FUNDER_ADDRESS, stop: () => geth.stop() }
  } catch (err) {
    await geth.stop()
    throw err
  }
}
