/** Tops scenario accounts up to what their next deploy or setup txs will cost (estimated gas × max fee + value), on top of the minimum balance. */
import { keyOf } from '../base/key.js'
import { formatEther, type Address } from 'viem'
import { fundAccounts } from '../accounts/fundAccounts.js'
import type { Logger } from '../log.js'
import type { SendSession } from '../sender/sendSession.js'
import type { TxFields } from '../tx/buildTx.js'
import type { FeeSnapshot } from '../tx/fees.js'
import type { Signer } from '../tx/signer.js'

/** One tx a step is about to send: its sender and its built fields (gas already estimated). */
export interface StepCost {
  signer: Signer
  fields: TxFields
}

/** The most a tx of these fields can cost: gas limit × the fee it will pay at most, plus its value. */
export function maxCost(fields: TxFields, fees: FeeSnapshot): bigint {
  const feePerGas = fields.maxFeePerGas ?? (fees.type === 'eip1559' ? fees.maxFeePerGas : fees.gasPrice)
  return fields.gas * feePerGas + fields.value
}

/**
 * Before a step sends: every sender whose balance is below its tx's cost plus `minBalance`
 * (what the account keeps for the spam after it) is topped up to that, from the funder, in one
 * funding round (a deploy of a large contract can cost more than a flat minimum: contender's
 * uniV2 failed its factory deploy with 0.01 ETH, the default then). Without a funder, nothing
 * is done: the send then fails with INSUFFICIENT_FUNDS naming the entry.
 */
export async function coverStepCosts(o: { session: SendSession; chainId: number; funder: Signer | undefined; fees: FeeSnapshot; minBalance: bigint; log: Logger; onFunded?: (wei: bigint) => void }, txs: readonly StepCost[]): Promise<void> {
  if (!o.funder || txs.length === 0) return
  const need = new Map<Address, bigint>()
  for (const t of txs) need.set(t.signer.address, (need.get(t.signer.address) ?? 0n) + maxCost(t.fields, o.fees))
  const short: Address[] = []
  let target = 0n
  for (const [address, cost] of need) {
    if (keyOf(address) === keyOf(o.funder.address)) continue // the funder pays its own steps
    const want = cost + o.minBalance
    if ((await o.session.reads.balanceOf(address)) >= want) continue
    short.push(address)
    if (want > target) target = want
  }
  if (short.length === 0) return
  o.log.info({ accounts: short.length, eth: formatEther(target) }, 'topping scenario accounts up to the estimated cost of their next step')
  await fundAccounts({ session: o.session, chainId: o.chainId, funder: o.funder, accounts: short, minBalance: target, log: o.log, ...(o.onFunded ? { onSent: o.onFunded } : {}) })
}
