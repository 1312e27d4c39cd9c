/** The embedded devnet: anvil with floodgate's defaults (chain, block time, gas limit, funder account). */
import type { Address, Hex } from 'viem'
import type { Logger } from '../log.js'
import { startAnvil } from './anvil.js'

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

export interface EmbeddedDevnet {
  url: string
  chainId: number
  funderKey: Hex
  funderAddress: Address
  stop(): Promise<void>
}

export interface EmbeddedDevnetOptions {
  logger?: Logger | null
  startTimeoutMs?: number
  /** Block time in seconds (default DEVNET_BLOCK_TIME_S). */
  blockTimeS?: number
  /** Block gas limit (default DEVNET_GAS_LIMIT): a lower one makes a chain the load can fill. */
  gasLimit?: bigint
}

/**
 * A throwaway local chain for `floodgate` without an RPC URL: anvil on a free 127.0.0.1 port with
 * the flags above, its per-tx logging off. The funder is anvil's first dev account.
 */
export async function startEmbeddedDevnet(opts: EmbeddedDevnetOptions = {}): Promise<EmbeddedDevnet> {
  const anvil = await startAnvil({
    host: '127.0.0.1',
    port: 0,
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
    url: anvil.url,
    chainId: DEVNET_CHAIN_ID,
    funderKey: DEVNET_FUNDER_KEY,
    funderAddress: DEVNET_FUNDER_ADDRESS,
    stop: () => anvil.stop(),
  }
}
