// Owns the tx-type rules: `tx_type`, the blob and authorization fields, which type they imply and what each type forbids.
import { MAX_BLOB_DATA_BYTES, blobDataBytes } from '../tx/blobs.js'
import { quoteInput } from './parseValue.js'
import { didYouMean, invalidType, reject } from './rejections.js'
import { type ParseContext, type Spec, type TxType, TX_TYPES } from './spec.js'
import { field, parseAmountField, requireAddress } from './specFields.js'
import { nearest } from './suggest.js'

const TX_TYPE_SET: ReadonlySet<string> = new Set(TX_TYPES)

/**
 * `tx_type`, `blob_data`, `max_fee_per_blob_gas`, `authorization_address`, and the type they
 * make: the spec's own `tx_type`, else the one its fields imply (as contender infers), else the
 * run's `--tx-type`. A type and the fields it needs must agree.
 */
export function parseTxType(obj: Record<string, unknown>, spec: Spec, ctx: ParseContext): void {
  const own = parseOwnTxType(field(obj, 'tx_type'))
  parseTypeFields(obj, spec)
  if (spec.blobData !== undefined && spec.authorizationAddress !== undefined) {
    throw reject('CONFLICTING_FIELDS', 'authorization_address', 'authorization_address: cannot be combined with blob_data; a tx is either a blob tx (EIP-4844) or a set-code tx (EIP-7702)')
  }
  const implied: TxType | undefined = spec.blobData !== undefined ? 'eip4844' : spec.authorizationAddress !== undefined ? 'eip7702' : undefined
  if (own !== undefined && implied !== undefined && own !== implied) {
    const by = implied === 'eip4844' ? 'blob_data' : 'authorization_address'
    throw reject('CONFLICTING_FIELDS', 'tx_type', `tx_type: ${own} cannot carry ${by} (${by} makes an ${implied} tx)`)
  }
  const type = own ?? implied ?? ctx.txType
  if (spec.maxFeePerBlobGas !== undefined && type !== 'eip4844') {
    throw reject('CONFLICTING_FIELDS', 'max_fee_per_blob_gas', `max_fee_per_blob_gas: only a blob tx (eip4844) has one, this one is ${type ?? 'eip1559'}`)
  }
  if (type === undefined) return
  checkTypeFields(spec, type, own !== undefined || implied !== undefined ? 'tx_type' : 'tx_type (--tx-type)')
  spec.txType = type
}

function parseOwnTxType(given: unknown): TxType | undefined {
  if (given === undefined) return undefined
  if (typeof given !== 'string') throw invalidType('tx_type', `one of ${TX_TYPES.join(', ')}`, given)
  if (!TX_TYPE_SET.has(given)) {
    const hint = nearest(given, TX_TYPES)
    throw reject('INVALID_VALUE', 'tx_type', `tx_type: ${quoteInput(given)} is not one of ${TX_TYPES.join(', ')}${didYouMean(hint)}`)
  }
  return given as TxType
}

/** `blob_data`, `max_fee_per_blob_gas` and `authorization_address`, each on its own. */
function parseTypeFields(obj: Record<string, unknown>, spec: Spec): void {
  const blobData = field(obj, 'blob_data')
  if (blobData !== undefined) {
    if (typeof blobData !== 'string') throw invalidType('blob_data', 'a string (hex, or UTF-8 text)', blobData)
    const bytes = blobDataBytes(blobData)
    if (bytes.length > MAX_BLOB_DATA_BYTES) {
      throw reject('INVALID_VALUE', 'blob_data', `blob_data: ${bytes.length} bytes is more than ${MAX_BLOB_DATA_BYTES} (6 blobs)`)
    }
    spec.blobData = bytes
  }
  const blobFee = field(obj, 'max_fee_per_blob_gas')
  if (blobFee !== undefined) spec.maxFeePerBlobGas = parseAmountField(blobFee, 'max_fee_per_blob_gas')
  const auth = field(obj, 'authorization_address')
  if (auth !== undefined) spec.authorizationAddress = requireAddress(auth, 'authorization_address')
}

/** What `type` (named in messages as `from`) needs and forbids among the spec's fields. */
function checkTypeFields(spec: Spec, type: TxType, from: string): void {
  if (type === 'eip4844' && spec.blobData === undefined) {
    throw reject('MISSING_FIELD', 'blob_data', `blob_data: required by ${from} eip4844 (the data the blobs carry)`)
  }
  if (type === 'eip7702' && spec.authorizationAddress === undefined) {
    throw reject('MISSING_FIELD', 'authorization_address', `authorization_address: required by ${from} eip7702 (the address the sender delegates to)`)
  }
  if (type === 'legacy' && spec.accessList !== undefined) {
    throw reject('CONFLICTING_FIELDS', 'access_list', 'access_list: a legacy tx has no access list (use tx_type eip2930 or later)')
  }
  if ((type === 'legacy' || type === 'eip2930') && spec.maxPriorityFeePerGas !== undefined) {
    throw reject('CONFLICTING_FIELDS', 'max_priority_fee_per_gas', `max_priority_fee_per_gas: a ${type} tx has one gas price (give max_fee_per_gas, which sets it)`)
  }
}
