import { parseCalldata } from './calldata.js'
import { quoteInput } from './parseValue.js'
import { SpecRejection, cut, describeType, errorText, invalidType, reject } from './rejections.js'
import {
  type ParseContext,
  type ParseResult,
  type Spec,
  type TxType,
  SENDER_PLACEHOLDER,
  TX_TYPES,
} from './spec.js'
import { MAX_BLOB_DATA_BYTES, blobDataBytes } from '../tx/blobs.js'
import { MAX_LABEL_LENGTH, field, parseAccessList, parseAmountField, parseGasLimit, parseLabel, requireAddress } from './specFields.js'
import { nearest } from './suggest.js'

export { MAX_LABEL_LENGTH } from './specFields.js'

/**
 * One input line (a JSON object in contender's `FunctionCallDefinition` shape) → a validated
 * {@link Spec}. Runs once per input line, so the expensive parts (ABI signatures, address
 * checksums) are cached and static calldata is encoded here, once.
 */

/** Fields that build the transaction. */
const SPEC_FIELDS = [
  'to',
  'from',
  'from_pool',
  'signature',
  'args',
  'value',
  'gas_limit',
  'access_list',
  'kind',
  'max_fee_per_gas',
  'max_priority_fee_per_gas',
  'id',
  'data',
  'tx_type',
  'blob_data',
  'max_fee_per_blob_gas',
  'authorization_address',
] as const
/** contender fields that are accepted and reported back in `ignored`. */
const IGNORED_FIELDS = ['fuzz', 'for_all_accounts'] as const
/** Every field name a spec may contain, for "did you mean" suggestions. */
export const KNOWN_FIELDS: readonly string[] = [...SPEC_FIELDS, ...IGNORED_FIELDS]

const SPEC_FIELD_SET: ReadonlySet<string> = new Set(SPEC_FIELDS)
const IGNORED_FIELD_SET: ReadonlySet<string> = new Set(IGNORED_FIELDS)

/** Parse and validate one spec line. Never throws for bad input; returns the first problem found. */
export function parseSpec(text: string, line: number, ctx: ParseContext): ParseResult {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    return { ok: false, problem: { code: 'INVALID_JSON', error: `not valid JSON: ${cut(errorText(err), 160)}` } }
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return {
      ok: false,
      problem: { code: 'NOT_AN_OBJECT', error: `expected a JSON object per line, got ${describeType(json)}` },
    }
  }
  try {
    return buildSpec(json as Record<string, unknown>, line, ctx)
  } catch (err) {
    if (!(err instanceof SpecRejection)) throw err
    // echo a usable `id` even on a bad line, so the producer can correlate the rejection
    const id = (json as Record<string, unknown>).id
    const echo = typeof id === 'string' ? id : Number.isSafeInteger(id) ? String(id) : undefined
    return echo !== undefined && echo.length <= MAX_LABEL_LENGTH ? { ok: false, problem: err.problem, id: echo } : { ok: false, problem: err.problem }
  }
}

function buildSpec(obj: Record<string, unknown>, line: number, ctx: ParseContext): ParseResult {
  const ignored: string[] = []
  for (const key of Object.keys(obj)) {
    if (SPEC_FIELD_SET.has(key)) continue
    if (IGNORED_FIELD_SET.has(key)) {
      ignored.push(key)
      continue
    }
    const hint = nearest(key, KNOWN_FIELDS)
    throw reject('UNKNOWN_FIELD', cut(key, 80), `unknown field ${quoteInput(key)}${hint ? ` (did you mean "${hint}"?)` : ''}`)
  }

  const spec: Spec = { line, to: SENDER_PLACEHOLDER, value: 0n }

  const id = field(obj, 'id')
  if (id !== undefined) spec.id = parseLabel(id, 'id')
  const kind = field(obj, 'kind')
  if (kind !== undefined) spec.kind = parseLabel(kind, 'kind')

  const to = field(obj, 'to')
  if (to === undefined) throw reject('MISSING_FIELD', 'to', `to: missing (a recipient address, or "${SENDER_PLACEHOLDER}")`)
  spec.to = to === SENDER_PLACEHOLDER ? SENDER_PLACEHOLDER : requireAddress(to, 'to')

  const from = field(obj, 'from')
  if (from !== undefined) {
    const address = requireAddress(from, 'from')
    const pinned = ctx.poolAddresses.get(address.toLowerCase())
    if (pinned === undefined) {
      throw reject(
        'UNKNOWN_SENDER',
        'from',
        `from: ${address} is not an address of pool "${cut(ctx.poolName, 40)}" (${ctx.poolAddresses.size} addresses)`,
      )
    }
    spec.from = pinned
  }

  const fromPool = field(obj, 'from_pool')
  if (fromPool !== undefined) {
    if (typeof fromPool !== 'string') throw invalidType('from_pool', 'a pool name string', fromPool)
    if (ctx.pools !== undefined) {
      const members = ctx.pools.get(fromPool)
      if (members === undefined) {
        const names = [...ctx.pools.keys()].map((n) => quoteInput(n)).join(', ')
        throw reject('UNKNOWN_POOL', 'from_pool', `from_pool: unknown pool ${quoteInput(fromPool)}; this run's pools are ${cut(names, 160)}`)
      }
      if (spec.from !== undefined && !members.has(spec.from.toLowerCase())) {
        throw reject('UNKNOWN_SENDER', 'from', `from: ${spec.from} is not an address of pool ${quoteInput(fromPool)} (${members.size} addresses)`)
      }
      spec.pool = fromPool
    } else if (fromPool !== ctx.poolName) {
      throw reject(
        'UNKNOWN_POOL',
        'from_pool',
        `from_pool: unknown pool ${quoteInput(fromPool)}; this run has one pool, ${quoteInput(ctx.poolName)}`,
      )
    }
  }

  const value = field(obj, 'value')
  if (value !== undefined) spec.value = parseAmountField(value, 'value')

  const gasLimit = field(obj, 'gas_limit')
  if (gasLimit !== undefined) spec.gasLimit = parseGasLimit(gasLimit)

  const maxFee = field(obj, 'max_fee_per_gas')
  if (maxFee !== undefined) spec.maxFeePerGas = parseAmountField(maxFee, 'max_fee_per_gas')
  const maxPriority = field(obj, 'max_priority_fee_per_gas')
  if (maxPriority !== undefined) spec.maxPriorityFeePerGas = parseAmountField(maxPriority, 'max_priority_fee_per_gas')
  if (spec.maxFeePerGas !== undefined && spec.maxPriorityFeePerGas !== undefined && spec.maxPriorityFeePerGas > spec.maxFeePerGas) {
    throw reject(
      'CONFLICTING_FIELDS',
      'max_priority_fee_per_gas',
      `max_priority_fee_per_gas: ${spec.maxPriorityFeePerGas} wei is above max_fee_per_gas (${spec.maxFeePerGas} wei)`,
    )
  }

  const accessList = field(obj, 'access_list')
  if (accessList !== undefined) spec.accessList = parseAccessList(accessList)

  parseCalldata(obj, spec)
  parseTxType(obj, spec, ctx)
  return { ok: true, spec, ignored }
}

const TX_TYPE_SET: ReadonlySet<string> = new Set(TX_TYPES)

/**
 * `tx_type`, `blob_data`, `max_fee_per_blob_gas`, `authorization_address`, and the type they
 * make: the spec's own `tx_type`, else the one its fields imply (as contender infers), else the
 * run's `--tx-type`. A type and the fields it needs must agree.
 */
function parseTxType(obj: Record<string, unknown>, spec: Spec, ctx: ParseContext): void {
  const given = field(obj, 'tx_type')
  let own: TxType | undefined
  if (given !== undefined) {
    if (typeof given !== 'string') throw invalidType('tx_type', `one of ${TX_TYPES.join(', ')}`, given)
    if (!TX_TYPE_SET.has(given)) {
      const hint = nearest(given, TX_TYPES)
      throw reject('INVALID_VALUE', 'tx_type', `tx_type: ${quoteInput(given)} is not one of ${TX_TYPES.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`)
    }
    own = given as TxType
  }

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
  const from = own !== undefined || implied !== undefined ? 'tx_type' : 'tx_type (--tx-type)'
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
  spec.txType = type
}
