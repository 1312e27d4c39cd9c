import type { AccessList, Address, Hex, TransactionSerializable } from 'viem'
import type { FeeSnapshot } from './feeOracle.js'

export interface TxFields {
  chainId: number
  nonce: number
  to: Address
  value: bigint
  data?: Hex
  gas: bigint
  accessList?: AccessList
  /** Per-spec fee overrides. */
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
}

/**
 * A serializable tx from a spec's fields and the shared fee snapshot: EIP-1559 where the
 * chain has a base fee, else legacy (EIP-2930 when there is an access list).
 */
export function buildTx(f: TxFields, fees: FeeSnapshot): TransactionSerializable {
  // runs once per tx: plain assignments, no object spreads
  const tx: Record<string, unknown> = { chainId: f.chainId, nonce: f.nonce, to: f.to, value: f.value, gas: f.gas }
  if (f.data && f.data !== '0x') tx.data = f.data
  if (fees.type === 'eip1559') {
    const tip = f.maxPriorityFeePerGas ?? fees.maxPriorityFeePerGas
    let maxFee = f.maxFeePerGas ?? fees.maxFeePerGas
    // a spec tip above our max fee: raise the cap rather than build an invalid tx
    if (f.maxFeePerGas === undefined && tip > maxFee) maxFee = 2n * fees.baseFeePerGas + tip
    tx.type = 'eip1559'
    tx.maxFeePerGas = maxFee
    tx.maxPriorityFeePerGas = tip
    if (f.accessList) tx.accessList = f.accessList
    return tx as TransactionSerializable
  }
  tx.gasPrice = f.maxFeePerGas ?? fees.gasPrice
  if (f.accessList) {
    tx.type = 'eip2930'
    tx.accessList = f.accessList
  } else tx.type = 'legacy'
  return tx as TransactionSerializable
}

/** True when a spec fixes its own fee, so refreshing the shared fees cannot help it. */
export function pinsFee(f: Pick<TxFields, 'maxFeePerGas'>): boolean {
  return f.maxFeePerGas !== undefined
}
