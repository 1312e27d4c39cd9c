/** Which worker gets a spec in a run with named pools: by its index within its pool, or the signer `from` pins. */
import { keyOf, type Key } from '../base/key.js'
import type { Address } from 'viem'
import type { IndexedSpec } from '../stream/spec.js'

/** One named pool's slice of the run's workers: `start` … `start + size - 1`. */
export interface PoolSlice {
  name: string
  start: number
  size: number
}

/**
 * Routing for a run with several named pools: a spec goes to a worker of its pool
 * (`from_pool`, else `defaultPool`), chosen by the spec's index *within that pool*
 * (the n-th spec of pool P goes to P's worker n % size). A spec pinned by `from` goes to
 * that signer's worker and still takes its place in its pool's count, as `idx` does in a
 * one-pool run, so one pool's routing never depends on the other pools' traffic.
 */
export function poolRoute(
  slices: readonly PoolSlice[],
  workerAddresses: readonly string[],
  defaultPool: string,
): (spec: IndexedSpec) => number | undefined {
  const byName = new Map(slices.map((s) => [s.name, { ...s, next: 0 }]))
  const byAddress = new Map(workerAddresses.map((a, i) => [keyOf(a), i]))
  return (spec) => {
    const pool = byName.get(spec.pool ?? defaultPool)
    if (pool === undefined) return undefined
    const n = pool.next++
    if (spec.from !== undefined) return byAddress.get(keyOf(spec.from))
    return pool.start + (n % pool.size)
  }
}

/**
 * The slices and member addresses of `pools`, whose signers are laid out in `signers` one pool
 * after the other in the order given (as `derivePoolKeys` returns them).
 */
export function poolsOf(
  pools: readonly { name: string; size: number }[],
  signers: readonly { address: Address }[],
): { slices: PoolSlice[]; members: Map<string, Map<Key, Address>> } {
  const slices: PoolSlice[] = []
  const members = new Map<string, Map<Key, Address>>()
  let start = 0
  for (const p of pools) {
    slices.push({ name: p.name, start, size: p.size })
    members.set(p.name, new Map(signers.slice(start, start + p.size).map((s) => [keyOf(s.address), s.address])))
    start += p.size
  }
  return { slices, members }
}
