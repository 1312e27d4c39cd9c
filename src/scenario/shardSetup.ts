/** A sharded `run`'s scenario accounts and deployment: spam pools per shard, one deployment (shard 0's) that the other shards wait for. */
import type { Hex } from 'viem'
import { derivePoolKeys, type KeyDerivation } from '../accounts/derivePoolKeys.js'
import { FatalError } from '../base/errors.js'
import { shardLabel, type Shard } from '../base/shard.js'
import { sleep } from '../base/sleep.js'
import type { Logger } from '../log.js'
import type { PoolPlan } from './planPools.js'
import { type DeploymentRecord, readRecord } from './record.js'
import type { Scenario } from './types.js'

/**
 * Each pool's keys: a pool that sends spam is the shard's own (derived with its index, so
 * shards never share a spammer); a pool only [[create]] / [[setup]] use is shard 0's in every
 * shard, so all shards agree on the deployer (and on the deployment's fingerprint).
 */
export function scenarioKeys(plan: PoolPlan, seed: string, shard: Shard | undefined, derivation?: KeyDerivation): Hex[][] {
  return plan.all.map((p) => derivePoolKeys([p], { seed, ...(derivation ? { derivation } : {}) }, isShardPool(plan, p.name) ? (shard?.index ?? 0) : 0)[0]!)
}

export const isShardPool = (plan: PoolPlan, pool: string): boolean => plan.spam.some((p) => p.name === pool)

/** What shard i > 0 does itself: the [[setup]] steps every account of its own pools runs (`for_all_accounts`); the rest is shard 0's. */
export function ownSetups(s: Scenario, plan: PoolPlan): Scenario['setups'] {
  return s.setups.filter((st) => st.forAllAccounts && st.from === undefined && isShardPool(plan, st.fromPool ?? ''))
}

export interface AwaitDeployment {
  file: string | undefined
  shard: Shard
  /** The record is this deployment's (fingerprint, and its code still on chain). */
  matches: (r: DeploymentRecord) => Promise<boolean>
  /** With --redeploy, only a record written after this counts (ms since epoch). */
  notBefore?: number
  log: Logger
  cancel: AbortSignal
  timeoutMs?: number
}

/**
 * Shard i > 0 waits until shard 0 has deployed and set up: shard 0 writes the record (one
 * atomic rename) after its last setup step, so a record that matches means the whole
 * deployment is on chain. The shards must share the state directory (one machine, or a shared
 * volume: docs/scale-out.md).
 */
export async function awaitDeployment(o: AwaitDeployment): Promise<DeploymentRecord> {
  const where = `shard ${shardLabel(o.shard)}`
  if (!o.file) throw new FatalError('SETUP_FAILED', `${where}: a sharded run needs a chain of its own (--rpc-url): the shards share shard 0's deployment`)
  const deadline = performance.now() + (o.timeoutMs ?? 600_000)
  let logged = false
  for (;;) {
    const r = readRecord(o.file)
    if (r && (o.notBefore === undefined || Date.parse(r.updatedAt) >= o.notBefore) && (await o.matches(r))) return r
    if (o.cancel.aborted) throw new FatalError('CANCELLED', `${where}: cancelled while waiting for shard 0's deployment`)
    if (performance.now() > deadline) {
      throw new FatalError('SETUP_TIMEOUT', `${where}: shard 0 recorded no deployment at ${o.file} in ${Math.round((o.timeoutMs ?? 600_000) / 1000)} s (do the shards share the state dir, FLOODGATE_STATE_DIR?)`)
    }
    if (!logged) o.log.info({ record: o.file }, 'waiting for shard 0 to deploy and set up the scenario')
    logged = true
    await sleep(250, o.cancel)
  }
}
