/** The private keys of a run's named pools, from a seed or a mnemonic. */
import type { Hex } from 'viem'
import { poolKeysContender } from './contenderKeys.js'
import { poolKeysFromMnemonic, poolKeysFromSeed } from './poolKeys.js'

/** How a seed becomes keys: floodgate's own (poolKeys.ts), or contender's (contenderKeys.ts: its addresses for the same seed and pool name). */
export type KeyDerivation = 'floodgate' | 'contender'

/** A named pool and its number of accounts. */
export interface PoolSize {
  name: string
  size: number
}

/**
 * The name a pool's keys are derived under: shard 0 (and an unsharded run) keeps the pool's own
 * name, so its accounts are the same as without sharding; shard i > 0 derives under
 * `name#shard<i>`, so no two shards ever share an account.
 */
export const shardPoolName = (name: string, shard: number): string => (shard === 0 ? name : `${name}#shard${shard}`)

/**
 * Private keys of several named pools, in the order given. `shard` (`--shard i/n`): shard i's
 * own accounts (see shardPoolName; from a mnemonic, shard i takes the indices after those of
 * shards 0 … i-1, which have the same pools). From a seed, each pool's keys
 * depend only on the seed, its name and the index (so a pool keeps its accounts whatever
 * other pools a run has). From a mnemonic, the pools take consecutive indices of
 * m/44'/60'/0'/0/i in the order given.
 */
export function derivePoolKeys(pools: readonly PoolSize[], from: { seed: string; derivation?: KeyDerivation } | { mnemonic: string }, shard = 0): Hex[][] {
  if ('seed' in from) {
    const derive = from.derivation === 'contender' ? poolKeysContender : poolKeysFromSeed
    return pools.map((p) => derive(from.seed, shardPoolName(p.name, shard), p.size))
  }
  const total = pools.reduce((n, p) => n + p.size, 0)
  const all = poolKeysFromMnemonic(from.mnemonic, total * (shard + 1))
  all.fill('0x', 0, total * shard)
  const out: Hex[][] = []
  let at = total * shard
  for (const p of pools) {
    out.push(all.slice(at, at + p.size))
    at += p.size
  }
  all.fill('0x')
  return out
}
