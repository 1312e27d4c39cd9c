/** Tops a scenario's accounts up before anything is deployed: the minimum balance plus what their setup steps send. */
import { type Address, formatEther } from 'viem'
import { fundAccounts } from '../accounts/fundAccounts.js'
import type { SendSession } from '../sender/sendSession.js'
import type { Signer } from '../tx/signer.js'
import { parseAmount } from '../stream/parseValue.js'
import { baseContext } from './entrySpecs.js'
import type { PoolPlan } from './planPools.js'
import type { PrepareOptions } from './prepareOptions.js'
import { substitute } from './template.js'
import { ADMIN_POOL } from './types.js'

export async function fundScenario(o: PrepareOptions, session: SendSession, plan: PoolPlan, signers: Map<string, Signer[]>, funder: Signer | undefined): Promise<void> {
  if (!funder) {
    o.log.warn('no funder key (FLOODGATE_FUNDER_KEY or --funder-key-file): the scenario\'s accounts are not topped up, so they must hold funds already (--skip-funding says that is intended)')
    return
  }
  // what each account needs: the minimum, plus the value its setup steps send
  const need = new Map<Address, bigint>()
  for (const p of plan.all) for (const sg of signers.get(p.name)!) need.set(sg.address, o.chain.minBalance)
  for (const st of o.scenario.setups) {
    if (st.from !== undefined || typeof st.fields.value !== 'string' && typeof st.fields.value !== 'number') continue
    let v: bigint
    try {
      v = parseAmount(substitute(String(st.fields.value), baseContext(o.scenario, new Map()), `${st.where}.value`), `${st.where}.value`)
    } catch {
      continue
    }
    const list = signers.get(st.fromPool ?? ADMIN_POOL)!
    for (const sg of st.forAllAccounts ? list : list.slice(0, 1)) need.set(sg.address, need.get(sg.address)! + v)
  }
  const groups = new Map<bigint, Address[]>()
  for (const [a, v] of need) groups.set(v, [...(groups.get(v) ?? []), a])
  for (const [minBalance, accounts] of groups) {
    await fundAccounts({ session, chainId: o.chain.chainId, funder, accounts, minBalance, log: o.log, ...(o.onFunded ? { onSent: o.onFunded } : {}) })
  }
  o.log.debug({ accounts: need.size, pools: plan.all.map((p) => `${p.name}×${p.size}`).join(' ') }, `scenario accounts hold at least ${formatEther(o.chain.minBalance)} ETH`)
}
