// Owns the entry point: one input line → a validated Spec, walking its fields in order.
import { keyOf } from '../base/key.js'
import { parseCalldata } from './calldata.js'
import { hiddenProblem } from './jsonText.js'
import { quoteInput } from './parseValue.js'
import { SpecRejection, cut, describeType, didYouMean, errorText, invalidType, reject } from './rejections.js'
import { type ParseContext, type ParseResult, type Spec, type SpecProblem, SENDER_PLACEHOLDER } from './spec.js'
import { MAX_LABEL_LENGTH, field, parseAccessList, parseAmountField, parseGasLimit, parseLabel, requireAddress } from './specFields.js'
import { nearest } from './suggest.js'
import { parseTxType } from './txTypeRules.js'

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

/**
 * Parse and validate one spec line. Never throws: the first problem found is the result, and
 * so is anything thrown while reading the line (a bug, or input beyond what a parser can
 * take), as `PARSE_FAILED`. Every reader of spec lines (the intake of `send` and `run`,
 * scenario and campaign entries) comes through here, so no line's failure leaves its line.
 */
export function parseSpec(text: string, line: number, ctx: ParseContext): ParseResult {
  try {
    return readSpec(text, line, ctx)
  } catch (err) {
    return { ok: false, problem: { code: 'PARSE_FAILED', error: `the line could not be read: ${cut(errorText(err), 160)}` } }
  }
}

function readSpec(text: string, line: number, ctx: ParseContext): ParseResult {
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
  const hidden = hiddenProblem(text)
  if (hidden !== undefined) return rejected(hidden, json as Record<string, unknown>)
  try {
    return buildSpec(json as Record<string, unknown>, line, ctx)
  } catch (err) {
    if (!(err instanceof SpecRejection)) throw err
    return rejected(err.problem, json as Record<string, unknown>)
  }
}

/** A rejection, echoing a usable `id` even on a bad line, so the producer can correlate it. */
function rejected(problem: SpecProblem, obj: Record<string, unknown>): ParseResult {
  const id = obj.id
  const echo = typeof id === 'string' ? id : Number.isSafeInteger(id) ? String(id) : undefined
  return echo !== undefined && echo.length <= MAX_LABEL_LENGTH ? { ok: false, problem, id: echo } : { ok: false, problem }
}

function buildSpec(obj: Record<string, unknown>, line: number, ctx: ParseContext): ParseResult {
  const ignored = checkFieldNames(obj)
  const spec: Spec = { line, to: SENDER_PLACEHOLDER, value: 0n }

  const id = field(obj, 'id')
  if (id !== undefined) spec.id = parseLabel(id, 'id')
  const kind = field(obj, 'kind')
  if (kind !== undefined) spec.kind = parseLabel(kind, 'kind')

  const to = field(obj, 'to')
  if (to === undefined) throw reject('MISSING_FIELD', 'to', `to: missing (a recipient address, or "${SENDER_PLACEHOLDER}")`)
  spec.to = to === SENDER_PLACEHOLDER ? SENDER_PLACEHOLDER : requireAddress(to, 'to')

  parseSender(obj, spec, ctx)

  const value = field(obj, 'value')
  if (value !== undefined) spec.value = parseAmountField(value, 'value')
  const gasLimit = field(obj, 'gas_limit')
  if (gasLimit !== undefined) spec.gasLimit = parseGasLimit(gasLimit)
  parseFees(obj, spec)
  const accessList = field(obj, 'access_list')
  if (accessList !== undefined) spec.accessList = parseAccessList(accessList)

  parseCalldata(obj, spec)
  parseTxType(obj, spec, ctx)
  return { ok: true, spec, ignored }
}

/** The contender fields the line uses that floodgate ignores; rejects a field nobody knows. */
function checkFieldNames(obj: Record<string, unknown>): string[] {
  const ignored: string[] = []
  for (const key of Object.keys(obj)) {
    if (SPEC_FIELD_SET.has(key)) continue
    if (IGNORED_FIELD_SET.has(key)) {
      ignored.push(key)
      continue
    }
    throw reject('UNKNOWN_FIELD', cut(key, 80), `unknown field ${quoteInput(key)}${didYouMean(nearest(key, KNOWN_FIELDS))}`)
  }
  return ignored
}

/** `from` (a pinned pool address) and `from_pool` (which of the run's pools sends it; default the first). */
function parseSender(obj: Record<string, unknown>, spec: Spec, ctx: ParseContext): void {
  const from = field(obj, 'from')
  if (from !== undefined) {
    const address = requireAddress(from, 'from')
    const pinned = ctx.poolAddresses.get(keyOf(address))
    if (pinned === undefined) throw reject('UNKNOWN_SENDER', 'from', `from: ${address} is not an address of ${poolsPhrase(ctx)} (${ctx.poolAddresses.size} addresses)`)
    spec.from = pinned
  }
  const fromPool = field(obj, 'from_pool')
  if (fromPool === undefined) return
  if (typeof fromPool !== 'string') throw invalidType('from_pool', 'a pool name string', fromPool)
  const members = ctx.pools.get(fromPool)
  if (members === undefined) {
    const names = [...ctx.pools.keys()].map((n) => quoteInput(n)).join(', ')
    const known = ctx.pools.size === 1 ? `this run has one pool, ${names}` : `this run's pools are ${cut(names, 160)}`
    throw reject('UNKNOWN_POOL', 'from_pool', `from_pool: unknown pool ${quoteInput(fromPool)}; ${known} (send --from-pool names the run's pool)`)
  }
  if (spec.from !== undefined && !members.has(keyOf(spec.from))) {
    throw reject('UNKNOWN_SENDER', 'from', `from: ${spec.from} is not an address of pool ${quoteInput(fromPool)} (${members.size} addresses)`)
  }
  if (fromPool !== ctx.defaultPool) spec.pool = fromPool // the default pool is where a spec goes anyway
}

/** "pool "x"" for a run of one pool, "this run's pools" for several. */
function poolsPhrase(ctx: ParseContext): string {
  return ctx.pools.size === 1 ? `pool "${cut(ctx.defaultPool, 40)}"` : "this run's pools"
}

/** `max_fee_per_gas` and `max_priority_fee_per_gas`; the tip may not exceed the cap. */
function parseFees(obj: Record<string, unknown>, spec: Spec): void {
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
}
