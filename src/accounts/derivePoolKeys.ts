/** The private keys of a run's named pools, from a seed or a mnemonic. */
import type { Hex } from 'viem'
import { poolKeysFromMnemonic, poolKeysFromSeed } from './poolKeys.js'

/** A named pool and its number of accounts. */
export interface PoolSize {
  name: string
  size: number
}

/**
 * Private keys of several named pools, in the order given. From a seed, each pool's keys
 * depend only on the seed, its name and the index (so a pool keeps its accounts whatever
 * other pools a run has). From a mnemonic, the pools take consecutive indices of
 * m/44'/60'/0'/0/i in the order given.
 */
export function derivePoolKeys(pools: readonly PoolSize[], from: { seed: string } | { mnemonic: string }): Hex[][] {
  if ('seed' in from) return pools.map((p) => poolKeysFromSeed(from.seed, p.name, p.size))
  const all = poolKeysFromMnemonic(from.mnemonic, pools.reduce((n, p) => n + p.size, 0))
  const out: Hex[][] = []
  let at = 0
  for (const p of pools) {
    out.push(all.slice(at, at + p.size))
    at += p.size
  }
  all.fill('0x')
  return out
}
