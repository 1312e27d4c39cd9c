/** A spec's tx fields + the fee snapshot → a serializable tx, and its type on the chain. */
import type { AccessList, Address, Hex, SignedAuthorization, TransactionSerializable } from 'viem'
import type { TxType } from './txType.js'
import type { BlobBundle } from './blobs.js'
import type { FeeSnapshot } from './fees.js'

export interface TxFields {
  chainId: number
  nonce: number
  /** None: a contract creation (`data` is the init code). */
  to?: Address
  value: bigint
  data?: Hex
  gas: bigint
  accessList?: AccessList
  /** Per-spec fee overrides. */
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
  /** The spec's type; undefined: the chain's default (EIP-1559 with a base fee, else legacy/EIP-2930). */
  txType?: TxType
  /** EIP-4844: the blobs (sidecars) and their versioned hashes. */
  blobs?: BlobBundle
  maxFeePerBlobGas?: bigint
  /** EIP-7702: signed authorizations. */
  authorizationList?: SignedAuthorization[]
}

/** The type a tx of these fields is built as, on a chain with these fees. */
export function txTypeOf(f: Pick<TxFields, 'txType' | 'accessList'>, fees: FeeSnapshot): TxType {
  if (f.txType !== undefined) return f.txType
  if (fees.type === 'eip1559') return 'eip1559'
  return f.accessList ? 'eip2930' : 'legacy'
}

/**
 * A serializable tx from a spec's fields and the shared fee snapshot. Gas-price types (legacy,
 * EIP-2930) pay the snapshot's max fee on an EIP-1559 chain (≥ the base fee, as they must);
 * fee-market types on a chain without a base fee pay its gas price as both cap and tip. A tip
 * never exceeds the max fee: a pinned max fee below the snapshot's tip caps the tip (a spec
 * pinning both the other way round is refused by the parser).
 */
export function buildTx(f: TxFields, fees: FeeSnapshot): TransactionSerializable {
  // runs once per tx: plain assignments, no object spreads
  const tx: Record<string, unknown> = { chainId: f.chainId, nonce: f.nonce, to: f.to, value: f.value, gas: f.gas }
  if (f.data && f.data !== '0x') tx.data = f.data
  const type = txTypeOf(f, fees)
  tx.type = type
  if (type === 'legacy' || type === 'eip2930') {
    tx.gasPrice = f.maxFeePerGas ?? (fees.type === 'eip1559' ? fees.maxFeePerGas : fees.gasPrice)
    if (type === 'eip2930') tx.accessList = f.accessList ?? []
    return tx as TransactionSerializable
  }
  let tip: bigint
  let maxFee: bigint
  if (fees.type === 'eip1559') {
    tip = f.maxPriorityFeePerGas ?? fees.maxPriorityFeePerGas
    maxFee = f.maxFeePerGas ?? fees.maxFeePerGas
    if (tip > maxFee) {
      // a spec tip above our max fee: raise the cap rather than build an invalid tx; a spec
      // max fee below our tip ("1 wei"): the tip is capped at it, and the node judges the fee
      if (f.maxFeePerGas === undefined) maxFee = min(2n * fees.baseFeePerGas + tip, MAX_UINT256)
      else tip = maxFee
    }
  } else {
    maxFee = f.maxFeePerGas ?? fees.gasPrice
    tip = f.maxPriorityFeePerGas ?? maxFee
    if (tip > maxFee) tip = maxFee
  }
  tx.maxFeePerGas = maxFee
  tx.maxPriorityFeePerGas = tip
  if (f.accessList) tx.accessList = f.accessList
  if (type === 'eip4844') {
    tx.maxFeePerBlobGas = f.maxFeePerBlobGas ?? (fees.type === 'eip1559' ? fees.maxFeePerBlobGas : undefined)
    tx.blobVersionedHashes = f.blobs?.versionedHashes
    tx.sidecars = f.blobs?.sidecars
  } else if (type === 'eip7702') tx.authorizationList = f.authorizationList ?? []
  return tx as TransactionSerializable
}

const MAX_UINT256 = (1n << 256n) - 1n

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b)

/** True when a spec fixes the fee the node found too low (`code`), so refreshing the shared fees cannot help it. */
export function pinsFee(f: Pick<TxFields, 'maxFeePerGas' | 'maxFeePerBlobGas'>, code?: string): boolean {
  if (code === 'BLOB_FEE_TOO_LOW') return f.maxFeePerBlobGas !== undefined
  return f.maxFeePerGas !== undefined
}
