/** The signers a scenario sends from: its pools' accounts, the funder, and who sends each entry. */
import { keyOf, type Key } from '../base/key.js'
import type { Signer } from '../tx/signer.js'
import { UsageError } from '../base/errors.js'
import type { PoolPlan } from './planPools.js'
import type { PrepareOptions } from './prepareOptions.js'
import { scenarioKeys } from './shardSetup.js'
import { baseContext } from './entrySpecs.js'
import { substitute, withHexPrefix } from './template.js'
import { ADMIN_POOL } from './types.js'

/** The scenario's signers: its pools' accounts and the funder, and who sends each entry. */
export interface Accounts {
  signers: Map<string, Signer[]>
  funder: Signer | undefined
  /** The signers an entry's `from` / `from_pool` names (a literal `from` must be one floodgate holds the key of). */
  senderOf(from: string | undefined, fromPool: string | undefined, where: string): Signer[]
}

export function scenarioAccounts(o: PrepareOptions, plan: PoolPlan): Accounts {
  const s = o.scenario
  const keys = scenarioKeys(plan, o.seed, o.shard, o.keyDerivation)
  const signers = new Map<string, Signer[]>()
  plan.all.forEach((p, i) => signers.set(p.name, keys[i]!.map((k) => o.chain.makeSigner(k))))
  for (const k of keys) k.fill('0x')
  const funder = o.chain.funderKey ? o.chain.makeSigner(o.chain.funderKey) : undefined
  const known = new Map<Key, Signer>()
  for (const list of signers.values()) for (const sg of list) known.set(keyOf(sg.address), sg)
  if (funder) known.set(keyOf(funder.address), funder)
  const senderOf = (from: string | undefined, fromPool: string | undefined, where: string): Signer[] => {
    if (from === undefined) return signers.get(fromPool ?? ADMIN_POOL)!
    const address = String(withHexPrefix(substitute(from, baseContext(s, new Map()), `${where}.from`)))
    const sg = known.get(keyOf(address))
    if (!sg) throw new UsageError(`scenario ${s.name}: ${where}.from: floodgate has no key for ${from}; name a pool with from_pool (floodgate derives its accounts) or use the funder's address`)
    return [sg]
  }
  return { signers, funder, senderOf }
}
