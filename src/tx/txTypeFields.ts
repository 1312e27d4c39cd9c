/** The fields only blob and set-code txs have (sidecars, the authorization), added per spec. */
import type { SignedAuthorization } from 'viem'
import { FloodgateError } from '../base/errors.js'
import { BlobCache } from './blobs.js'
import type { TxFields } from './buildTx.js'
import type { FeeSnapshot } from './fees.js'
import { TRANSFER_GAS } from './gasEstimator.js'
import type { Signer } from './signer.js'
import type { TypeSpec } from './txType.js'

/** EIP-7702: intrinsic gas per authorization (PER_EMPTY_ACCOUNT_COST; part is refunded when the account exists). */
export const AUTHORIZATION_GAS = 25_000n

/** A spec of a blob or set-code type that cannot be built: it fails with `code`, the worker goes on. */
export class TxTypeError extends FloodgateError {
  override name = 'TxTypeError'
  constructor(code: 'TX_TYPE_UNSUPPORTED' | 'KZG_UNAVAILABLE', message: string, opts: { cause?: unknown } = {}) {
    super(code, message, opts)
  }
}

/** Blobs (commitments, proofs) of every run in this process: one KZG context, one cache. */
const blobs = new BlobCache()

/**
 * The fields only blob and set-code txs have, added to `fields` once per spec: the blob sidecars
 * (computed once per distinct `blob_data`, shared) and the sender's authorization for its own
 * next nonce after this tx (`fields.nonce + 1`: the tx's own nonce is spent before the
 * authorization list is processed).
 */
export async function typeFields(fields: TxFields, spec: TypeSpec, signer: Signer, fees: FeeSnapshot): Promise<void> {
  if (spec.txType === 'eip4844') {
    if (spec.maxFeePerBlobGas === undefined && (fees.type !== 'eip1559' || fees.maxFeePerBlobGas === undefined)) {
      throw new TxTypeError('TX_TYPE_UNSUPPORTED', 'blob txs need blob fees, and the node reports none (eth_blobBaseFee): the chain is before cancun, or give max_fee_per_blob_gas')
    }
    if (spec.maxFeePerBlobGas !== undefined) fields.maxFeePerBlobGas = spec.maxFeePerBlobGas
    try {
      fields.blobs = await blobs.bundleFor(spec.blobData!)
    } catch (err) {
      throw new TxTypeError('KZG_UNAVAILABLE', (err as Error)?.message ?? String(err), { cause: err })
    }
  } else if (spec.txType === 'eip7702') {
    fields.authorizationList = [await authorize(signer, fields.chainId, spec, fields.nonce + 1)]
  }
}

/** The sender's signed authorization to delegate to the spec's `authorization_address` at `nonce`. */
export async function authorize(signer: Signer, chainId: number, spec: TypeSpec, nonce: number): Promise<SignedAuthorization> {
  if (!signer.signAuthorization) throw new TxTypeError('TX_TYPE_UNSUPPORTED', 'this signer cannot sign EIP-7702 authorizations')
  return signer.signAuthorization({ chainId, address: spec.authorizationAddress!, nonce })
}

/** EIP-2930: intrinsic gas per access-list address and per storage key. */
export const ACCESS_LIST_ADDRESS_GAS = 2_400n
export const ACCESS_LIST_KEY_GAS = 1_900n

/** Intrinsic gas of an access list (not part of an `eth_estimateGas` made without it). */
export function accessListGas(fields: Pick<TxFields, 'accessList'>): bigint {
  if (!fields.accessList?.length) return 0n
  let gas = 0n
  for (const e of fields.accessList) gas += ACCESS_LIST_ADDRESS_GAS + ACCESS_LIST_KEY_GAS * BigInt(e.storageKeys.length)
  return gas
}

/** Gas of a tx without calldata: 21000, plus its access list, plus 25000 per authorization. */
export function intrinsicTransferGas(fields: Pick<TxFields, 'accessList' | 'authorizationList'>): bigint {
  const auths = fields.authorizationList?.length ?? 0
  if (auths === 0 && !fields.accessList?.length) return TRANSFER_GAS
  return TRANSFER_GAS + accessListGas(fields) + AUTHORIZATION_GAS * BigInt(auths)
}

/** Calldata gas since Istanbul (EIP-2028): 4 per zero byte, 16 per other byte. */
export function calldataGas(data: TxFields['data']): bigint {
  if (!data || data.length <= 2) return 0n
  let zeros = 0
  const bytes = (data.length - 2) / 2
  for (let i = 2; i < data.length; i += 2) if (data.charCodeAt(i) === 48 && data.charCodeAt(i + 1) === 48) zeros++
  return BigInt(zeros) * 4n + BigInt(bytes - zeros) * 16n
}

/**
 * The least gas a tx of these fields can be included with on any fork since Istanbul: 21000,
 * calldata, access list, authorizations; with `floor` (Prague or later), at least EIP-7623's
 * calldata floor, 21000 + 10 per calldata token (a zero byte 1 token, another byte 4). A gas
 * limit below this is refused by every client's execution, though some pools accept it.
 */
export function intrinsicGas(fields: Pick<TxFields, 'accessList' | 'authorizationList' | 'data'>, floor = false): bigint {
  const data = calldataGas(fields.data)
  const gas = intrinsicTransferGas(fields) + data
  if (!floor) return gas
  // calldata gas is 4 per token, so the floor is 21000 + 2.5 × it
  const floorGas = TRANSFER_GAS + (data * 10n) / 4n
  return floorGas > gas ? floorGas : gas
}

/**
 * After a set-code tx whose sender authorized itself (tx nonce N, authorization N + 1), the sender's
 * next nonce is N + 2, but only once that tx is mined: until then a tx at N + 2 follows a gap in
 * the pool, and nodes differ on bridging it (anvil 1.7.1 keeps it queued for ever, even after the
 * set-code tx is mined). So the sender's next send waits until the node's mined count reaches
 * N + 2, at most this long (then it resyncs from the node's pending count).
 */
export const SET_CODE_SETTLE_MS = 120_000
export const SET_CODE_SETTLE_POLL_MS = 200
