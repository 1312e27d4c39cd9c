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
  const common = {
    chainId: f.chainId,
    nonce: f.nonce,
    to: f.to,
    value: f.value,
    gas: f.gas,
    ...(f.data && f.data !== '0x' ? { data: f.data } : {}),
  }
  if (fees.type === 'eip1559') {
    const tip = f.maxPriorityFeePerGas ?? fees.maxPriorityFeePerGas
    let maxFee = f.maxFeePerGas ?? fees.maxFeePerGas
    // a spec tip above our max fee: raise the cap rather than build an invalid tx
    if (f.maxFeePerGas === undefined && tip > maxFee) maxFee = 2n * fees.baseFeePerGas + tip
    return {
      ...common,
      type: 'eip1559',
      maxFeePerGas: maxFee,
      maxPriorityFeePerGas: tip,
      ...(f.accessList ? { accessList: f.accessList } : {}),
    }
  }
  const gasPrice = f.maxFeePerGas ?? fees.gasPrice
  if (f.accessList) return { ...common, type: 'eip2930', gasPrice, accessList: f.accessList }
  return { ...common, type: 'legacy', gasPrice }
}

/** True when a spec fixes its own fee, so refreshing the shared fees cannot help it. */
export function pinsFee(f: Pick<TxFields, 'maxFeePerGas'>): boolean {
  return f.maxFeePerGas !== undefined
}
