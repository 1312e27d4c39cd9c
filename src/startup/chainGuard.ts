import { FatalError } from '../base/errors.js'
import type { Logger } from '../log.js'
import { readRetry } from '../rpc/readRetry.js'
import { TransportError, type Rpc } from '../rpc/rpc.js'

/** Public mainnets floodgate refuses to load without --allow-mainnet. */
export const MAINNET_CHAIN_IDS: ReadonlyMap<number, string> = new Map([
  [1, 'Ethereum'],
  [10, 'OP Mainnet'],
  [56, 'BNB Smart Chain'],
  [100, 'Gnosis'],
  [130, 'Unichain'],
  [137, 'Polygon PoS'],
  [250, 'Fantom'],
  [324, 'zkSync Era'],
  [1101, 'Polygon zkEVM'],
  [5000, 'Mantle'],
  [8453, 'Base'],
  [42161, 'Arbitrum One'],
  [42170, 'Arbitrum Nova'],
  [42220, 'Celo'],
  [43114, 'Avalanche C-Chain'],
  [59144, 'Linea'],
  [81457, 'Blast'],
  [534352, 'Scroll'],
  [7777777, 'Zora'],
])

/**
 * First contact with the node: its chain id, or one clear error if it cannot be reached
 * within `timeoutMs` (transient failures are retried inside that window). Refuses public mainnets unless allowed.
 */
export async function connect(rpc: Rpc, opts: { allowMainnet: boolean; timeoutMs: number }): Promise<number> {
  let chainId: number
  try {
    // a proxy or a busy node may drop the first request: retry within the window
    chainId = Number(BigInt(await readRetry((o) => rpc.request<string>('eth_chainId', [], o), { windowMs: opts.timeoutMs, fit: true })))
  } catch (err) {
    if (err instanceof TransportError) {
      const what = err.failure === 'unauthorized' ? 'the RPC at' : err.failure === 'malformed' || err.failure === 'too_large' || err.failure === 'not_rpc' ? 'no usable answer from the RPC at' : 'cannot reach the RPC at'
      throw new FatalError(err.code, `${what} ${rpc.displayUrl}: ${err.message}`, err.hint !== undefined ? { hint: err.hint } : {})
    }
    throw new FatalError('RPC_ERROR', `eth_chainId failed at ${rpc.displayUrl}: ${(err as Error).message}`)
  }
  const mainnet = MAINNET_CHAIN_IDS.get(chainId)
  if (mainnet && !opts.allowMainnet) {
    throw new FatalError('MAINNET_REFUSED', `chain id ${chainId} is ${mainnet}, a public mainnet; pass --allow-mainnet if you really mean to load it`)
  }
  return chainId
}

/** Anvil in automine mode stalls and loses txs under load (foundry-rs/foundry#10122). */
export async function warnIfAutomine(rpc: Rpc, log: Logger): Promise<void> {
  let automine: unknown
  try {
    automine = await rpc.request('anvil_getAutomine', [], { timeoutMs: 2_000 })
  } catch {
    return // not anvil, or the method is off: nothing to say
  }
  if (automine === true) {
    log.warn(
      'the target is anvil in automine mode, which stalls and drops transactions above about 400 tx/s (foundry-rs/foundry#10122); start it with --block-time 1 (or use the embedded devnet: omit --rpc-url)',
    )
  }
}
