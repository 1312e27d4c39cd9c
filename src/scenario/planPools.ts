/** The named pools a scenario needs, and how many accounts each gets. */
import type { PoolSize } from '../accounts/derivePoolKeys.js'
import { ADMIN_POOL, SPAM_POOL, type Scenario } from './types.js'

export interface PoolPlan {
  /** Every pool the scenario uses, in a fixed order: create/setup pools, then spam pools. */
  all: PoolSize[]
  /** The pools whose accounts send the spam (one worker per account). */
  spam: PoolSize[]
}

/**
 * The named pools of a scenario (contender's `from_pool`; defaults: `admin` for [[create]] and
 * [[setup]], `spammers` for [[spam]]). As in contender, a pool only [[create]] and [[setup]]
 * steps use has one account; a pool that sends spam, or that a `for_all_accounts` setup step
 * names, has `accountsPerPool`.
 */
export function planPools(s: Scenario, accountsPerPool: number): PoolPlan {
  const size = new Map<string, number>()
  const order: string[] = []
  const use = (name: string, n: number) => {
    if (!size.has(name)) order.push(name)
    size.set(name, Math.max(size.get(name) ?? 0, n))
  }
  for (const c of s.creates) if (c.from === undefined) use(c.fromPool ?? ADMIN_POOL, 1)
  for (const st of s.setups) if (st.from === undefined) use(st.fromPool ?? ADMIN_POOL, st.forAllAccounts ? accountsPerPool : 1)
  const spamNames: string[] = []
  for (const sp of s.spam) {
    if (sp.tx.from !== undefined) continue
    const name = sp.tx.fromPool ?? SPAM_POOL
    use(name, accountsPerPool)
    if (!spamNames.includes(name)) spamNames.push(name)
  }
  const all = order.map((name) => ({ name, size: size.get(name)! }))
  return { all, spam: spamNames.map((name) => ({ name, size: size.get(name)! })) }
}
