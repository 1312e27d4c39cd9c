import { formatEther, type Address, type Hex } from 'viem'
import { FatalError, describeError } from '../base/errors.js'
import type { Logger } from '../log.js'
import { buildTx } from '../tx/buildTx.js'
import type { FeeSnapshot } from '../tx/fees.js'
import { TRANSFER_GAS } from '../tx/gasEstimator.js'
import type { Rpc } from '../rpc/rpc.js'
import type { Signer } from '../tx/signer.js'
import { untilMined } from '../chain/untilMined.js'

export interface FundPoolOptions {
  rpc: Rpc
  chainId: number
  funder: Signer
  accounts: readonly Address[]
  /** Every account below this is topped up to exactly this. */
  minBalance: bigint
  fees: FeeSnapshot
  log: Logger
  /** How long to wait for the top-ups to be mined. */
  timeoutMs?: number
  signal?: AbortSignal
}

export interface FundPoolResult {
  toppedUp: number
  total: bigint
}

/**
 * Tops up every pool account below `minBalance`. First checks that the funder can pay for
 * all top-ups and their gas, and stops with a clear error before sending anything if not.
 * Then sends the top-ups and waits until they are mined.
 */
export async function fundPool(o: FundPoolOptions): Promise<FundPoolResult> {
  const balances = await Promise.all(o.accounts.map((a) => balanceOf(o.rpc, a)))
  const topUps = o.accounts
    .map((address, i) => ({ address, amount: o.minBalance - balances[i]! }))
    .filter((t) => t.amount > 0n)
  if (topUps.length === 0) {
    o.log.info({ accounts: o.accounts.length }, 'pool already funded')
    return { toppedUp: 0, total: 0n }
  }
  const feePerGas = o.fees.type === 'eip1559' ? o.fees.maxFeePerGas : o.fees.gasPrice
  const total = topUps.reduce((s, t) => s + t.amount, 0n)
  const need = total + BigInt(topUps.length) * TRANSFER_GAS * feePerGas
  const have = await balanceOf(o.rpc, o.funder.address)
  if (have < need) {
    throw new FatalError(
      'FUNDER_INSUFFICIENT',
      `funder ${o.funder.address} has ${formatEther(have)} ETH but topping up ${topUps.length} pool accounts to ${formatEther(o.minBalance)} ETH needs ${formatEther(need)} ETH (incl. gas); nothing was sent`,
    )
  }
  o.log.info({ accounts: topUps.length, eth: formatEther(total) }, 'funding pool accounts')
  let nonce = Number(BigInt(await o.rpc.request<string>('eth_getTransactionCount', [o.funder.address, 'pending'])))
  const firstNonce = nonce
  for (const t of topUps) {
    const signed: Hex = await o.funder.signTransaction(
      buildTx({ chainId: o.chainId, nonce, to: t.address, value: t.amount, gas: TRANSFER_GAS }, o.fees),
    )
    try {
      await o.rpc.request('eth_sendRawTransaction', [signed])
    } catch (err) {
      throw new FatalError('FUNDING_FAILED', `funding ${t.address} failed: ${describeError(err)}`)
    }
    nonce++
  }
  await waitForNonce(o, firstNonce + topUps.length)
  o.log.info({ accounts: topUps.length }, 'pool funded')
  return { toppedUp: topUps.length, total }
}

async function balanceOf(rpc: Rpc, address: Address): Promise<bigint> {
  return BigInt(await rpc.request<string>('eth_getBalance', [address, 'latest']))
}

/** Waits until every top-up is in a block (the funder's mined nonce reaches `target`). */
async function waitForNonce(o: FundPoolOptions, target: number): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 120_000
  const readLatest = async () => Number(BigInt(await o.rpc.request<string>('eth_getTransactionCount', [o.funder.address, 'latest'])))
  const mined = await untilMined(readLatest, target, { timeoutMs, pollMs: 250, signal: o.signal })
  if (mined >= target) return
  if (o.signal?.aborted) throw new FatalError('CANCELLED', 'cancelled while waiting for the funding transactions')
  throw new FatalError('FUNDING_TIMEOUT', `funding transactions not mined after ${Math.round(timeoutMs / 1000)} s (${target - mined} still pending)`)
}
