/** Tops up accounts from a funder key, through the same sender units as the workers. */
import { formatEther, type Address, type Hex } from 'viem'
import { FatalError, describeError } from '../base/errors.js'
import type { Logger } from '../log.js'
import type { RpcReceipt } from '../chain/receipts.js'
import { RpcError, TransportError } from '../rpc/rpc.js'
import type { SendSession } from '../sender/sendSession.js'
import { SendFailure } from '../sender/txRequest.js'
import { TRANSFER_GAS } from '../tx/gasEstimator.js'
import type { Signer } from '../tx/signer.js'

export interface FundOptions {
  /** The phase's senders and reads (retries, outage budget, cancel). */
  session: SendSession
  chainId: number
  funder: Signer
  accounts: readonly Address[]
  /** Every account below this is topped up to exactly this. */
  minBalance: bigint
  /** Per account, a target of its own instead of `minBalance` (the background top-up's). */
  targets?: ReadonlyMap<Address, bigint>
  /** Told each top-up's amount once the node took its tx (the run's funding figures count it). */
  onSent?: (wei: bigint) => void
  log: Logger
  /** Background top-ups: their progress is logged at debug level, not info. */
  quiet?: boolean
}

export interface FundResult {
  toppedUp: number
  total: bigint
  /** What each account topped up was sent. */
  amounts: ReadonlyMap<Address, bigint>
}

/**
 * Tops up every account below `minBalance`. First checks that the funder can pay for all
 * top-ups and their gas, and stops with a clear error before sending anything if not. Then
 * sends the top-ups (a send without an answer is asked about, never guessed) and waits for their
 * receipts, read from their blocks by the session's receipt tracker: each must be mined and must
 * have succeeded. A node that stays away ends it with one line, never a stack trace.
 */
export async function fundAccounts(o: FundOptions): Promise<FundResult> {
  try {
    return await topUp(o)
  } catch (err) {
    if (err instanceof TransportError) throw new FatalError('RPC_UNAVAILABLE', `funding: the node did not answer: ${describeError(err)}`, { cause: err })
    if (err instanceof RpcError) throw new FatalError('RPC_ERROR', `funding: ${describeError(err)}`, { cause: err })
    throw err
  }
}

async function topUp(o: FundOptions): Promise<FundResult> {
  const { reads } = o.session
  const balances = await Promise.all(o.accounts.map((a) => reads.balanceOf(a)))
  const topUps = o.accounts.map((address, i) => ({ address, amount: (o.targets?.get(address) ?? o.minBalance) - balances[i]! })).filter((t) => t.amount > 0n)
  if (topUps.length === 0) {
    say(o, { accounts: o.accounts.length }, 'pool already funded')
    return { toppedUp: 0, total: 0n, amounts: new Map() }
  }
  const sender = o.session.senderOf(o.funder)
  const fees = sender.fees
  const feePerGas = fees.type === 'eip1559' ? fees.maxFeePerGas : fees.gasPrice
  const total = topUps.reduce((s, t) => s + t.amount, 0n)
  const need = total + BigInt(topUps.length) * TRANSFER_GAS * feePerGas
  const have = await reads.balanceOf(o.funder.address)
  if (have < need) {
    throw new FatalError(
      'FUNDER_INSUFFICIENT',
      `funder ${o.funder.address} has ${formatEther(have)} ETH but topping up ${topUps.length} pool accounts to ${formatEther(o.targets ? total / BigInt(topUps.length) : o.minBalance)} ETH${o.targets ? ' on average' : ''} needs ${formatEther(need)} ETH (incl. gas); nothing was sent`,
    )
  }
  say(o, { accounts: topUps.length, eth: formatEther(total) }, 'funding pool accounts')
  const mined: Promise<TopUp>[] = []
  for (const t of topUps) {
    let hash: Hex
    try {
      hash = await o.session.send(o.funder, { fields: { chainId: o.chainId, nonce: 0, to: t.address, value: t.amount, gas: TRANSFER_GAS } })
    } catch (err) {
      if (err instanceof SendFailure) throw new FatalError('FUNDING_FAILED', `funding ${t.address} failed: ${err.message}`, { cause: err })
      throw err
    }
    o.onSent?.(t.amount)
    // followed from its send on by the session's receipt tracker (a wait never rejects)
    mined.push(o.session.receipt(hash).then((receipt) => ({ address: t.address, hash, receipt })))
  }
  checkMined(o, await Promise.all(mined))
  say(o, { accounts: topUps.length }, 'pool funded')
  return { toppedUp: topUps.length, total, amounts: new Map(topUps.map((t) => [t.address, t.amount])) }
}

const say = (o: FundOptions, fields: Record<string, unknown>, msg: string) => (o.quiet ? o.log.debug(fields, msg) : o.log.info(fields, msg))

/** A top-up sent, and its receipt (null: not mined within the session's receipt timeout, or cancelled). */
interface TopUp {
  address: Address
  hash: Hex
  receipt: RpcReceipt | null
}

/** Every top-up must be in a block, and must have succeeded (an account whose code refuses the value reverts it). */
function checkMined(o: FundOptions, topUps: readonly TopUp[]): void {
  const { session } = o
  if (session.cancel.aborted) throw new FatalError('CANCELLED', 'cancelled while waiting for the funding transactions')
  const reverted = topUps.find((t) => t.receipt && isReverted(t.receipt))
  if (reverted) throw new FatalError('FUNDING_FAILED', `funding ${reverted.address} failed: tx ${reverted.hash} reverted (block ${Number(BigInt(reverted.receipt!.blockNumber))})`)
  const lost = topUps.filter((t) => !t.receipt)
  if (lost.length === 0) return
  const first = lost[0]!
  throw new FatalError('FUNDING_TIMEOUT', `funding transactions not mined after ${Math.round(session.receiptTimeoutMs / 1000)} s (${lost.length} still pending: tx ${first.hash} to ${first.address}${lost.length > 1 ? ' and others' : ''})`)
}

const isReverted = (r: RpcReceipt): boolean => r.status !== undefined && r.status !== null && BigInt(r.status) === 0n
