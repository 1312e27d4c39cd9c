import {
  type AbiFunction,
  type AbiParameter,
  type Address,
  type Hex,
  concatHex,
  encodeAbiParameters,
  isAddress,
  parseAbiItem,
  toFunctionSelector,
  zeroAddress,
} from 'viem'
import { quoteInput } from './parseValue.js'
import { ArgRejection, SpecRejection, cut, describeType, errorText, invalidType, placeholderHint, reject } from './rejections.js'
import {
  type ParseContext,
  type ParseResult,
  type Spec,
  type SpecProblem,
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

/** Longest accepted `id` / `kind` (they are echoed in every event). */
const SIGNATURE_CACHE_SIZE = 1024
const MAX_COMPOSITE_DEPTH = 32

// ---------------------------------------------------------------------------------------------
// ABI argument coercion

/** Marks where the sender's address goes in deferred-encoding args. */
const SENDER: unique symbol = Symbol('sender')

interface CoerceState {
  usesSender: boolean
}

type Coercer = (value: unknown, path: string, st: CoerceState) => unknown


interface CompiledSignature {
  inputs: readonly AbiParameter[]
  selector: Hex
  /** `name(type,type)` for messages. */
  display: string
  coercers: readonly Coercer[]
}

function typeLabel(param: AbiParameter): string {
  if (param.type.startsWith('tuple') && 'components' in param) {
    return `(${param.components.map(typeLabel).join(',')})${param.type.slice('tuple'.length)}`
  }
  return param.type
}

const DEC_RE = /^-?\d+$/
const HEX_NUM_RE = /^-?0x[0-9a-fA-F]+$/
const HEX_BYTES_RE = /^0x(?:[0-9a-fA-F]{2})*$/
const HEX_ANY_RE = /^0x[0-9a-fA-F]*$/
const ARRAY_TYPE_RE = /^(.*)\[(\d*)\]$/
const INT_TYPE_RE = /^(u?)int(\d*)$/
const FIXED_BYTES_RE = /^bytes(\d+)$/

/**
 * Parse contender's string syntax for composite values: `[1,2]`, `(0xabc…,0,0xd09de08a)`,
 * `[(a,b),(c,d)]`, `["quoted, with comma"]`. Scalars come back as trimmed strings.
 */
function parseComposite(text: string): unknown[] {
  const s = text
  let i = 0
  const skipWs = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++
  }
  const parseList = (depth: number): unknown[] => {
    if (depth > MAX_COMPOSITE_DEPTH) throw new Error(`nested deeper than ${MAX_COMPOSITE_DEPTH} levels`)
    const close = s[i] === '[' ? ']' : ')'
    i++
    const out: unknown[] = []
    skipWs()
    if (s[i] === close) {
      i++
      return out
    }
    for (;;) {
      skipWs()
      const c = s[i]
      if (c === '[' || c === '(') out.push(parseList(depth + 1))
      else if (c === '"') {
        let j = i + 1
        while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1
        if (j >= s.length) throw new Error('unterminated string')
        out.push(JSON.parse(s.slice(i, j + 1)) as string)
        i = j + 1
      } else {
        let j = i
        while (j < s.length && s[j] !== ',' && s[j] !== ']' && s[j] !== ')' && s[j] !== '[' && s[j] !== '(') j++
        const token = s.slice(i, j).trim()
        if (token === '') throw new Error(`empty element at position ${i}`)
        out.push(token)
        i = j
      }
      skipWs()
      if (s[i] === ',') {
        i++
        continue
      }
      if (s[i] === close) {
        i++
        return out
      }
      throw new Error(i >= s.length ? `missing "${close}"` : `expected "," or "${close}" at position ${i}`)
    }
  }
  skipWs()
  if (s[i] !== '[' && s[i] !== '(') throw new Error('expected "[" or "("')
  const result = parseList(1)
  skipWs()
  if (i !== s.length) throw new Error(`unexpected text after position ${i}`)
  return result
}

function toList(v: unknown, path: string, label: string): unknown[] {
  if (Array.isArray(v)) return v
  if (typeof v === 'string') {
    try {
      return parseComposite(v)
    } catch (err) {
      throw new ArgRejection(path, label, `${quoteInput(v)} is not a valid list: ${errorText(err)}`)
    }
  }
  throw new ArgRejection(path, label, `expected a JSON array or a string like "[1,2]", got ${describeType(v)}`)
}

function compileParam(param: AbiParameter): Coercer {
  const type = param.type
  const label = typeLabel(param)

  const arr = ARRAY_TYPE_RE.exec(type)
  if (arr) {
    const inner = compileParam({ ...param, type: arr[1]! } as AbiParameter)
    const len = arr[2] === '' ? undefined : Number(arr[2])
    return (v, path, st) => {
      const list = toList(v, path, label)
      if (len !== undefined && list.length !== len) {
        throw new ArgRejection(path, label, `expected ${len} elements, got ${list.length}`)
      }
      const out = new Array<unknown>(list.length)
      for (let k = 0; k < list.length; k++) out[k] = inner(list[k], `${path}[${k}]`, st)
      return out
    }
  }

  if (type === 'tuple') {
    const components = 'components' in param ? param.components : []
    const parts = components.map(compileParam)
    const names = components.map((c) => c.name)
    const allNamed = names.length > 0 && names.every((n) => n !== undefined && n !== '')
    return (v, path, st) => {
      let list: unknown[]
      if (allNamed && v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>
        const extra = Object.keys(o).find((k) => !names.includes(k))
        if (extra !== undefined) throw new ArgRejection(path, label, `unknown tuple member ${quoteInput(extra)}`)
        list = names.map((n) => {
          if (!Object.hasOwn(o, n!)) throw new ArgRejection(path, label, `missing tuple member "${n}"`)
          return o[n!]
        })
      } else list = toList(v, path, label)
      if (list.length !== parts.length) {
        throw new ArgRejection(path, label, `expected ${parts.length} tuple members, got ${list.length}`)
      }
      const out = new Array<unknown>(list.length)
      for (let k = 0; k < list.length; k++) out[k] = parts[k]!(list[k], `${path}[${k}]`, st)
      return out
    }
  }

  if (type === 'address') {
    return (v, path, st) => {
      if (v === SENDER_PLACEHOLDER) {
        st.usesSender = true
        return SENDER
      }
      if (typeof v !== 'string') throw new ArgRejection(path, label, `expected an address string, got ${describeType(v)}`)
      if (!isAddress(v, { strict: false })) {
        throw new ArgRejection(path, label, `${quoteInput(v)} is not an address${placeholderHint(v)}`)
      }
      return v.toLowerCase()
    }
  }

  if (type === 'bool') {
    return (v, path) => {
      if (typeof v === 'boolean') return v
      if (typeof v === 'string') {
        const t = v.trim().toLowerCase()
        if (t === 'true') return true
        if (t === 'false') return false
      }
      throw new ArgRejection(path, label, `expected true or false, got ${quoteInput(v)}${placeholderHint(v)}`)
    }
  }

  if (type === 'string') {
    return (v, path) => {
      if (typeof v !== 'string') throw new ArgRejection(path, label, `expected a string, got ${describeType(v)}`)
      return v
    }
  }

  if (type === 'bytes') {
    return (v, path) => {
      if (typeof v !== 'string') throw new ArgRejection(path, label, `expected a 0x hex string, got ${describeType(v)}`)
      if (!HEX_BYTES_RE.test(v)) throw new ArgRejection(path, label, `${quoteInput(v)} ${hexProblem(v)}${placeholderHint(v)}`)
      return v.toLowerCase()
    }
  }

  const fixed = FIXED_BYTES_RE.exec(type)
  if (fixed) {
    const size = Number(fixed[1])
    return (v, path) => {
      if (typeof v !== 'string') throw new ArgRejection(path, label, `expected a 0x hex string, got ${describeType(v)}`)
      if (!HEX_BYTES_RE.test(v)) throw new ArgRejection(path, label, `${quoteInput(v)} ${hexProblem(v)}${placeholderHint(v)}`)
      const got = (v.length - 2) / 2
      if (got !== size) throw new ArgRejection(path, label, `${quoteInput(v)} is ${got} bytes, expected exactly ${size}`)
      return v.toLowerCase()
    }
  }

  const int = INT_TYPE_RE.exec(type)
  if (int) {
    const signed = int[1] === ''
    const bits = int[2] === '' ? 256 : Number(int[2])
    const min = signed ? -(1n << BigInt(bits - 1)) : 0n
    const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n
    const range = signed ? `-2^${bits - 1} to 2^${bits - 1}-1` : `0 to 2^${bits}-1`
    return (v, path) => {
      let n: bigint
      if (typeof v === 'number') {
        if (!Number.isInteger(v)) throw new ArgRejection(path, label, `${v} is not an integer`)
        if (!Number.isSafeInteger(v)) {
          throw new ArgRejection(path, label, `${v} is above 2^53 and loses precision as a JSON number; use a string`)
        }
        n = BigInt(v)
      } else if (typeof v === 'string') {
        const t = v.trim()
        if (t.length > 100 || !(DEC_RE.test(t) || HEX_NUM_RE.test(t))) {
          throw new ArgRejection(path, label, `${quoteInput(v)} is not an integer (decimal or 0x hex)${placeholderHint(v)}`)
        }
        n = t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t)
      } else if (typeof v === 'bigint') {
        n = v
      } else {
        throw new ArgRejection(path, label, `expected an integer (number or string), got ${describeType(v)}`)
      }
      if (n < min || n > max) throw new ArgRejection(path, label, `${quoteInput(v)} is out of range (${range})`)
      return n
    }
  }

  return (_v, path) => {
    throw new ArgRejection(path, label, `ABI type ${label} is not supported`)
  }
}

function hexProblem(v: string): string {
  if (!v.startsWith('0x')) return 'is not 0x-prefixed hex'
  if (!HEX_ANY_RE.test(v)) return 'contains characters that are not hex digits'
  return 'has an odd number of hex digits'
}

function substituteSender(v: unknown, sender: Address): unknown {
  if (v === SENDER) return sender
  if (Array.isArray(v)) return v.map((x) => substituteSender(x, sender))
  return v
}

const encodeParams = encodeAbiParameters as unknown as (params: readonly AbiParameter[], values: readonly unknown[]) => Hex

// ---------------------------------------------------------------------------------------------
// Signatures

const FUNCTION_KEYWORD_RE = /^(function|event|error|constructor|fallback|receive|struct)\b/
const signatureCache = new Map<string, CompiledSignature | SpecProblem>()

function compileSignature(signature: string): CompiledSignature | SpecProblem {
  const trimmed = signature.trim()
  const source = FUNCTION_KEYWORD_RE.test(trimmed) ? trimmed : `function ${trimmed}`
  let item: ReturnType<typeof parseAbiItem>
  try {
    item = parseAbiItem(source)
  } catch (err) {
    return {
      code: 'INVALID_SIGNATURE',
      field: 'signature',
      error: `signature: ${quoteInput(signature)} is not a valid function signature: ${cut(errorText(err), 120)}`,
    }
  }
  const maybeFn = item as { type: string }
  if (maybeFn.type !== 'function') {
    return {
      code: 'INVALID_SIGNATURE',
      field: 'signature',
      error: `signature: ${quoteInput(signature)} is ${/^[aeiou]/.test(maybeFn.type) ? 'an' : 'a'} ${maybeFn.type}, expected a function`,
    }
  }
  const fn = item as AbiFunction
  return {
    inputs: fn.inputs,
    selector: toFunctionSelector(fn),
    display: `${fn.name}(${fn.inputs.map(typeLabel).join(',')})`,
    coercers: fn.inputs.map(compileParam),
  }
}

function getSignature(signature: string): CompiledSignature | SpecProblem {
  let entry = signatureCache.get(signature)
  if (entry === undefined) {
    entry = compileSignature(signature)
    if (signatureCache.size >= SIGNATURE_CACHE_SIZE) {
      const oldest = signatureCache.keys().next()
      if (!oldest.done) signatureCache.delete(oldest.value)
    }
    signatureCache.set(signature, entry)
  }
  return entry
}

function isProblem(x: CompiledSignature | SpecProblem): x is SpecProblem {
  return 'code' in x
}

function parseData(v: unknown): Hex {
  if (typeof v !== 'string') throw invalidType('data', 'a 0x hex string', v)
  if (!HEX_BYTES_RE.test(v)) throw reject('INVALID_HEX', 'data', `data: ${quoteInput(v)} ${hexProblem(v)}`)
  return v.toLowerCase() as Hex
}

function buildCalldata(signature: unknown, args: unknown): { calldata: Hex | ((sender: Address) => Hex); selector: Hex } {
  if (typeof signature !== 'string') throw invalidType('signature', 'a string such as "transfer(address,uint256)"', signature)
  const compiled = getSignature(signature)
  if (isProblem(compiled)) throw new SpecRejection(compiled)
  if (args !== undefined && !Array.isArray(args)) throw invalidType('args', 'an array', args)
  const given = args ?? []
  const expected = compiled.coercers.length
  if (given.length !== expected) {
    throw reject(
      'INVALID_ARGS',
      'args',
      `args: ${cut(compiled.display, 80)} takes ${expected} argument${expected === 1 ? '' : 's'}, got ${args === undefined ? 'none' : given.length}`,
    )
  }
  const st: CoerceState = { usesSender: false }
  const values = new Array<unknown>(expected)
  try {
    for (let k = 0; k < expected; k++) values[k] = compiled.coercers[k]!(given[k], `args[${k}]`, st)
  } catch (err) {
    if (err instanceof ArgRejection) {
      throw reject('INVALID_ARGS', err.path, `${err.path} (${cut(err.type, 60)}): ${err.message}`)
    }
    throw err
  }
  const { inputs, selector } = compiled
  const encode = (vals: readonly unknown[]): Hex => concatHex([selector, encodeParams(inputs, vals)])
  try {
    if (!st.usesSender) return { calldata: encode(values), selector }
    encode(substituteSender(values, zeroAddress) as unknown[])
  } catch (err) {
    throw reject('INVALID_ARGS', 'args', `args: cannot encode for ${cut(compiled.display, 80)}: ${cut(errorText(err), 160)}`)
  }
  return { calldata: (sender: Address) => encode(substituteSender(values, sender) as unknown[]), selector }
}

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

  const data = field(obj, 'data')
  const signature = field(obj, 'signature')
  const args = field(obj, 'args')
  if (data !== undefined && signature !== undefined) {
    throw reject('CONFLICTING_FIELDS', 'data', 'data: cannot be combined with signature; give raw calldata or signature + args, not both')
  }
  if (args !== undefined && signature === undefined) {
    throw reject('MISSING_FIELD', 'signature', 'signature: required when args is given (e.g. "transfer(address,uint256)")')
  }
  if (data !== undefined) {
    const hex = parseData(data)
    if (hex.length > 2) {
      spec.calldata = hex
      if (hex.length >= 10) spec.selector = hex.slice(0, 10) as Hex
    }
  } else if (signature !== undefined) {
    const { calldata, selector } = buildCalldata(signature, args)
    spec.calldata = calldata
    spec.selector = selector
  }

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
