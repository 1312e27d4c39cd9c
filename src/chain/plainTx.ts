/** A tx whose outcome its block tells: what floodgate signed and the block's base fee give its receipt's status, gas used and price. */
import type { TransactionSerializable } from 'viem'
import { keyOf, type Key } from '../base/key.js'
import { TRANSFER_GAS } from '../tx/gasEstimator.js'
import { accessListGas } from '../tx/txTypeFields.js'
import type { ParsedReceipt } from './receipts.js'

/**
 * A value transfer without calldata, of a type that pays gas only (legacy, EIP-2930, EIP-1559),
 * to an address: sent to an address with no code, it runs nothing, so it cannot revert and uses
 * its intrinsic gas exactly (21,000 + its access list's; EIP-7623's floor is 21,000 without
 * calldata). Whether `to` has code is the block's to tell (`CodeReads`).
 */
export interface PlainTx {
  to: Key
  gasUsed: number
  /** Legacy and EIP-2930: the price paid. */
  gasPrice?: bigint
  /** EIP-1559: the price is min(maxFee, base fee + tip). */
  maxFee?: bigint
  tip?: bigint
}

/**
 * Addresses below this run code without having any: the precompiles (0x01…0x11, P256VERIFY's
 * 0x100) and those chains add near them (Arbitrum's 0x64…0xff). A transfer to one is never plain.
 */
const PRECOMPILE_RANGE = 0x400n

/** `tx` as a plain tx, or undefined when only its receipt can tell its outcome. */
export function plainTx(tx: TransactionSerializable): PlainTx | undefined {
  if (!tx.to || (tx.data !== undefined && tx.data !== '0x') || tx.gas === undefined) return undefined
  if (BigInt(tx.to) < PRECOMPILE_RANGE) return undefined
  const gasUsed = TRANSFER_GAS + accessListGas(tx as { accessList?: NonNullable<TransactionSerializable['accessList']> })
  // a node refuses a gas limit below the intrinsic gas: one it took is at least that
  if (tx.gas < gasUsed) return undefined
  const to = keyOf(tx.to)
  if (tx.type === 'legacy' || tx.type === 'eip2930') return tx.gasPrice === undefined ? undefined : { to, gasUsed: Number(gasUsed), gasPrice: tx.gasPrice }
  if (tx.type === 'eip1559' && tx.maxFeePerGas !== undefined && tx.maxPriorityFeePerGas !== undefined) return { to, gasUsed: Number(gasUsed), maxFee: tx.maxFeePerGas, tip: tx.maxPriorityFeePerGas }
  return undefined
}

/**
 * The receipt of plain tx `p`, mined at position `txIndex` of block `blockNumber` whose base fee
 * is `baseFee` (undefined: the block has none), given that `p.to` had no code there; undefined
 * when the block does not tell (a fee-market tx in a block without a base fee).
 */
export function plainReceipt(p: PlainTx, blockNumber: number, txIndex: number, baseFee: bigint | undefined): ParsedReceipt | undefined {
  let price: bigint
  if (p.gasPrice !== undefined) price = p.gasPrice
  else if (baseFee === undefined) return undefined
  else price = p.maxFee! < baseFee + p.tip! ? p.maxFee! : baseFee + p.tip!
  return { blockNumber, txIndex, status: 'success', gasUsed: p.gasUsed, effectiveGasPrice: price.toString() }
}

/** The first field where `derived` differs from the node's receipt, or undefined when they agree. */
export function differingField(derived: ParsedReceipt, node: ParsedReceipt): keyof ParsedReceipt | undefined {
  for (const k of ['blockNumber', 'txIndex', 'status', 'gasUsed', 'effectiveGasPrice', 'blobGasUsed'] as const) {
    if (node[k] !== undefined && derived[k] !== node[k]) return k
  }
  return undefined
}
