/** What preparing a scenario needs: the scenario, the open chain, the pool seed, and how setup retries, waits and records. */
import type { KeyDerivation } from '../accounts/derivePoolKeys.js'
import type { Shard } from '../base/shard.js'
import type { Logger } from '../log.js'
import type { Chain } from '../startup/openChain.js'
import type { Scenario } from './types.js'

export interface PrepareOptions {
  scenario: Scenario
  /** The open chain: its RPC, chain id, fees, signer backend, funder key and top-up minimum. */
  chain: Chain
  log: Logger
  /** Pool derivation seed (the same `send` uses). */
  seed: string
  /** How the seed becomes keys (`--key-derivation`; default floodgate's own). */
  keyDerivation?: KeyDerivation
  accountsPerPool: number
  /** Retries of a read or a send after a transient failure (`--retries`). */
  retries: number
  /** How long the node may stay unreachable before setup gives up. */
  maxOutageMs: number
  skipFunding: boolean
  /** Where deployment records live; none: nothing is recorded or reused (the embedded devnet). */
  stateDir?: string
  label?: string
  redeploy: boolean
  signal?: AbortSignal
  /** How long a create/setup tx, or a top-up, may stay unmined (the setup session's receipt timeout; default 120 s). */
  receiptTimeoutMs?: number
  /** `run --shard i/n`: spam pools of the shard's own; shard i > 0 waits for shard 0's deployment (shardSetup.ts). */
  shard?: Shard
  /** Told each top-up's amount once the node took its tx (`run`'s funding figures). */
  onFunded?: (wei: bigint) => void
}
