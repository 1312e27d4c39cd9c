/** Before the spam: each spam account funded from the spend model, for its window of the costliest spam tx at the first bid, plus some seconds of its spend. */
import { formatEther, formatGwei, type Address } from 'viem'
import type { PoolSize } from '../accounts/derivePoolKeys.js'
import { fundAccounts } from '../accounts/fundAccounts.js'
import type { FundingTally } from '../accounts/fundingFigures.js'
import { FUNDED_SECONDS, bidOf, spamFunding, type TxShape } from '../accounts/spendModel.js'
import type { Logger } from '../log.js'
import { SendSession } from '../sender/sendSession.js'
import type { Chain } from '../startup/openChain.js'
import { parseAmount } from '../stream/parseValue.js'
import { TRANSFER_GAS } from '../tx/gasEstimator.js'
import type { CompiledStep } from './generate.js'

export interface FundSpamOptions {
  chain: Chain
  steps: readonly CompiledStep[]
  pools: readonly PoolSize[]
  poolAddresses: ReadonlyMap<string, readonly Address[]>
  /** The run's rate, all pools together (0: unpaced). */
  tps: number
  inFlight: number
  retries: number
  maxOutageMs: number
  signal?: AbortSignal
  /** Told each funding tx once the node took it (the summary's `funding`). */
  tally?: FundingTally
  log: Logger
}

/**
 * Tops every spam account up to what the spend model says it needs before the first send
 * (`--min-balance` stays the floor): the funder is refused before anything is sent when it
 * cannot pay that. Resolves what one account's window can cost at most, for the treasury.
 */
export async function fundSpam(o: FundSpamOptions): Promise<bigint> {
  const { chain } = o
  if (!chain.funderKey) return 0n
  const fees = chain.fees.current
  const totalWeight = o.steps.reduce((s, st) => s + st.weight, 0) || 1
  const targets = new Map<Address, bigint>()
  let window = 0n
  for (const pool of o.pools) {
    const steps = o.steps.filter((s) => s.pool === pool.name)
    const accounts = o.poolAddresses.get(pool.name) ?? []
    if (steps.length === 0 || accounts.length === 0) continue
    const tx = costliest(steps, bidOf(fees).cap)
    const share = steps.reduce((s, st) => s + st.weight, 0) / totalWeight
    const need = spamFunding({ tx, inFlight: o.inFlight, tps: o.tps * share, accounts: accounts.length, fees, minBalance: chain.minBalance })
    if (need.window > window) window = need.window
    for (const a of accounts) targets.set(a, need.perAccount)
    o.log.info(
      { pool: pool.name, accounts: accounts.length, eth_each: formatEther(need.perAccount), window_eth: formatEther(need.window), spend_eth: formatEther(need.spend), gas: tx.gas.toString(), fee_cap_gwei: formatGwei(bidOf(fees).cap) },
      `funding the spam: ${accounts.length} accounts × ${formatEther(need.perAccount)} ETH (a window of ${o.inFlight} txs of ${tx.gas} gas at ${formatGwei(bidOf(fees).cap)} gwei, plus ${FUNDED_SECONDS} s of their spend; --min-balance is the floor)`,
    )
  }
  if (targets.size === 0) return 0n
  const session = new SendSession({ chain, retries: o.retries, maxOutageMs: o.maxOutageMs, log: o.log, ...(o.signal ? { signal: o.signal } : {}) })
  try {
    const r = await fundAccounts({ session, chainId: chain.chainId, funder: chain.makeSigner(chain.funderKey), accounts: [...targets.keys()], minBalance: chain.minBalance, targets, log: o.log, ...(o.tally ? { onSent: o.tally.funded } : {}) })
    if (r.toppedUp > 0) o.log.info({ accounts: r.toppedUp, eth: formatEther(r.total) }, `the spam accounts were sent ${formatEther(r.total)} ETH in all`)
  } finally {
    await session.close()
  }
  return window
}

/** The step whose tx can cost the most at fee cap `cap` (its gas limit, given or estimated; a transfer's 21,000 without one). */
function costliest(steps: readonly CompiledStep[], cap: bigint): TxShape {
  let best: TxShape = { gas: TRANSFER_GAS, value: 0n }
  for (const st of steps) {
    const tx = { gas: asBig(st.base.gas_limit) ?? TRANSFER_GAS, value: valueOf(st.base.value, st.where) }
    if (tx.gas * cap + tx.value > best.gas * cap + best.value) best = tx
  }
  return best
}

const asBig = (v: unknown): bigint | undefined => {
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') return undefined
  try {
    return BigInt(v)
  } catch {
    return undefined
  }
}

/** A spam entry's base value (a fuzzed or templated one that does not parse counts as 0: its txs then ask out of turn). */
function valueOf(v: unknown, where: string): bigint {
  if (v === undefined) return 0n
  try {
    return parseAmount(v, `${where}.value`)
  } catch {
    return 0n
  }
}
