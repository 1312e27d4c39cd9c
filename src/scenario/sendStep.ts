/**
 * One create/setup tx: its fields from the entry (gas estimated when it gives none), its sender
 * topped up to cover it, and sent and waited for until mined.
 */
import { type Address, type Hex, formatEther, toHex } from 'viem'
import type { RpcReceipt } from '../chain/receipts.js'
import type { SendSession } from '../sender/sendSession.js'
import { SendFailure, type SendProgress } from '../sender/txRequest.js'
import type { TxFields } from '../tx/buildTx.js'
import { withHeadroom } from '../tx/gasEstimator.js'
import type { Signer } from '../tx/signer.js'
import { FatalError, describeError } from '../base/errors.js'
import { SENDER_PLACEHOLDER, type Spec } from '../stream/spec.js'
import { coverStepCosts, type StepCost } from './fundSteps.js'
import type { PrepareOptions } from './prepareOptions.js'
import type { Accounts } from './scenarioAccounts.js'

/** A create/setup tx's receipt: what setup reads of it. */
export type Receipt = RpcReceipt & { contractAddress?: Address | null }

/** A create (no `to`) or setup call, from the scenario's entry. */
export interface StepTx {
  to?: Address
  data?: Hex
  value?: bigint
  gas?: bigint
  accessList?: Spec['accessList']
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
}

/** A setup step's spec as the tx its sender sends. */
export function stepOf(spec: Spec, sender: Address): StepTx {
  const data = typeof spec.calldata === 'function' ? spec.calldata(sender) : spec.calldata
  const step: StepTx = { to: spec.to === SENDER_PLACEHOLDER ? sender : spec.to, value: spec.value }
  if (data) step.data = data
  if (spec.gasLimit) step.gas = spec.gasLimit
  if (spec.accessList) step.accessList = spec.accessList
  if (spec.maxFeePerGas !== undefined) step.maxFeePerGas = spec.maxFeePerGas
  if (spec.maxPriorityFeePerGas !== undefined) step.maxPriorityFeePerGas = spec.maxPriorityFeePerGas
  return step
}

/** A create/setup tx's fields, its gas estimated when the entry gives none. */
export async function stepFields(o: PrepareOptions, session: SendSession, signer: Signer, step: StepTx, where: string): Promise<TxFields> {
  const fields: TxFields = { chainId: o.chain.chainId, nonce: 0, value: step.value ?? 0n, gas: step.gas ?? (await estimateStep(session, signer, step, where)) }
  if (step.to) fields.to = step.to
  if (step.data) fields.data = step.data
  if (step.accessList) fields.accessList = step.accessList
  if (step.maxFeePerGas !== undefined) fields.maxFeePerGas = step.maxFeePerGas
  if (step.maxPriorityFeePerGas !== undefined) fields.maxPriorityFeePerGas = step.maxPriorityFeePerGas
  return fields
}

/** Tops a step's senders up to its estimated cost plus the minimum balance (unless funding is skipped). */
export function coverCosts(o: PrepareOptions, session: SendSession, accounts: Accounts, txs: StepCost[]): Promise<void> {
  const funder = o.skipFunding ? undefined : accounts.funder
  return coverStepCosts({ session, chainId: o.chain.chainId, funder, fees: o.chain.fees.current, minBalance: o.chain.minBalance, log: o.log, ...(o.onFunded ? { onFunded: o.onFunded } : {}) }, txs)
}

/**
 * Sends one create/setup tx through the signer's sender (its nonces, its fault handling) and
 * waits until it is mined; a revert or a refusal stops setup with one line naming the entry.
 */
export async function sendAndWait(o: PrepareOptions, session: SendSession, signer: Signer, fields: TxFields, where: string): Promise<Receipt> {
  const sent: SendProgress = { nonce: null, attempts: 0 }
  let hash: Hex
  try {
    hash = await session.send(signer, { fields }, sent)
  } catch (err) {
    if (!(err instanceof SendFailure)) throw err
    // no funder: nobody topped the accounts up, and that is the fix; with one, the floor was too low
    const hint =
      err.code !== 'INSUFFICIENT_FUNDS' ? '' : o.chain.funderKey === undefined ? ' (no funder key: set FLOODGATE_FUNDER_KEY or --funder-key-file, and floodgate funds the scenario\'s accounts)' : ` (top the scenario's accounts up higher: --min-balance, now ${formatEther(o.chain.minBalance)} ETH)`
    throw new FatalError('SETUP_FAILED', `${where}: the node refused the tx from ${signer.address}: ${err.message}${hint}`, { cause: err })
  }
  // read from its block by the session's receipt tracker (null: unmined for the session's receiptTimeoutMs, or cancelled)
  const r = (await session.receipt(hash)) as Receipt | null
  if (r) {
    if (r.status !== '0x1') throw new FatalError('SETUP_FAILED', `${where}: tx ${hash} from ${signer.address} reverted (block ${Number(BigInt(r.blockNumber))})`)
    return r
  }
  if (session.cancel.aborted) throw new FatalError('CANCELLED', `${where}: cancelled while waiting for ${hash}`)
  throw new FatalError('SETUP_TIMEOUT', `${where}: tx ${hash} not mined after ${Math.round(session.receiptTimeoutMs / 1000)} s`)
}

/** A step's gas: the node's estimate plus 25 %; a failed estimate stops setup naming the entry. */
async function estimateStep(session: SendSession, signer: Signer, step: StepTx, where: string): Promise<bigint> {
  const call = { from: signer.address, ...(step.to ? { to: step.to } : {}), data: step.data ?? '0x', value: toHex(step.value ?? 0n) }
  try {
    return withHeadroom(BigInt(await session.reads.read<string>('eth_estimateGas', [call])))
  } catch (err) {
    throw new FatalError('SETUP_FAILED', `${where}: eth_estimateGas failed (the call would revert?): ${describeError(err)}`, { cause: err })
  }
}
