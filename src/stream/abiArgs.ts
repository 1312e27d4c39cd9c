// Owns ABI argument coercion: JSON values and contender's composite strings (`[1,2]`, `(a,b)`) → values viem encodes.
import { type AbiParameter, type Address, type Hex, encodeAbiParameters, isAddress } from 'viem'
import { quoteInput } from './parseValue.js'
import { ArgRejection, describeType, errorText, placeholderHint } from './rejections.js'
import { SENDER_PLACEHOLDER } from './spec.js'

const MAX_COMPOSITE_DEPTH = 32

/** Marks where the sender's address goes in deferred-encoding args. */
const SENDER: unique symbol = Symbol('sender')

export interface CoerceState {
  /** Set when some argument is `{_sender}`: the calldata is then encoded per send. */
  usesSender: boolean
}

/** One ABI parameter's coercer: throws {@link ArgRejection} for a value that does not fit. */
export type Coercer = (value: unknown, path: string, st: CoerceState) => unknown

/** The type as written in a signature: `(address,uint256)[]` rather than `tuple[]`. */
export function typeLabel(param: AbiParameter): string {
  if (param.type.startsWith('tuple') && 'components' in param) {
    return `(${param.components.map(typeLabel).join(',')})${param.type.slice('tuple'.length)}`
  }
  return param.type
}

const DEC_RE = /^-?\d+$/
const HEX_NUM_RE = /^-?0x[0-9a-fA-F]+$/
export const HEX_BYTES_RE = /^0x(?:[0-9a-fA-F]{2})*$/
const HEX_ANY_RE = /^0x[0-9a-fA-F]*$/
const ARRAY_TYPE_RE = /^(.*)\[(\d*)\]$/
const INT_TYPE_RE = /^(u?)int(\d*)$/
const FIXED_BYTES_RE = /^bytes(\d+)$/

/** Why a string that failed {@link HEX_BYTES_RE} is not hex bytes. */
export function hexProblem(v: string): string {
  if (!v.startsWith('0x')) return 'is not 0x-prefixed hex'
  if (!HEX_ANY_RE.test(v)) return 'contains characters that are not hex digits'
  return 'has an odd number of hex digits'
}

/**
 * Parse contender's string syntax for composite values: `[1,2]`, `(0xabc…,0,0xd09de08a)`,
 * `[(a,b),(c,d)]`, `["quoted, with comma"]`. Scalars come back as trimmed strings.
 */
export function parseComposite(text: string): unknown[] {
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

/** The coercer of one ABI parameter, built once per signature. */
export function compileParam(param: AbiParameter): Coercer {
  const type = param.type
  const label = typeLabel(param)
  const arr = ARRAY_TYPE_RE.exec(type)
  if (arr) return arrayCoercer(compileParam({ ...param, type: arr[1]! } as AbiParameter), arr[2]!, label)
  if (type === 'tuple') return tupleCoercer(param, label)
  if (type === 'address') return addressCoercer(label)
  if (type === 'bool') return boolCoercer(label)
  if (type === 'string') return stringCoercer(label)
  if (type === 'bytes') return bytesCoercer(label, undefined)
  const fixed = FIXED_BYTES_RE.exec(type)
  if (fixed) return bytesCoercer(label, Number(fixed[1]))
  const int = INT_TYPE_RE.exec(type)
  if (int) return intCoercer(label, int[1] === '', int[2] === '' ? 256 : Number(int[2]))
  return (_v, path) => {
    throw new ArgRejection(path, label, `ABI type ${label} is not supported`)
  }
}

/** `T[]` and `T[n]`: a JSON array or a composite string, each element coerced by `inner`. */
function arrayCoercer(inner: Coercer, length: string, label: string): Coercer {
  const len = length === '' ? undefined : Number(length)
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

/** A tuple: a list or composite string in order, or (when every member is named) an object. */
function tupleCoercer(param: AbiParameter, label: string): Coercer {
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

/** An address of any case, or `{_sender}` (encoded per send). */
function addressCoercer(label: string): Coercer {
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

function boolCoercer(label: string): Coercer {
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

function stringCoercer(label: string): Coercer {
  return (v, path) => {
    if (typeof v !== 'string') throw new ArgRejection(path, label, `expected a string, got ${describeType(v)}`)
    return v
  }
}

/** `bytes` (`size` undefined) and `bytesN`: 0x hex, exactly N bytes for `bytesN`. */
function bytesCoercer(label: string, size: number | undefined): Coercer {
  return (v, path) => {
    if (typeof v !== 'string') throw new ArgRejection(path, label, `expected a 0x hex string, got ${describeType(v)}`)
    if (!HEX_BYTES_RE.test(v)) throw new ArgRejection(path, label, `${quoteInput(v)} ${hexProblem(v)}${placeholderHint(v)}`)
    if (size !== undefined) {
      const got = (v.length - 2) / 2
      if (got !== size) throw new ArgRejection(path, label, `${quoteInput(v)} is ${got} bytes, expected exactly ${size}`)
    }
    return v.toLowerCase()
  }
}

/** `intN` / `uintN`: a safe-integer number, or a decimal or 0x hex string, within the type's range. */
function intCoercer(label: string, signed: boolean, bits: number): Coercer {
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

/** Coerced values with every `{_sender}` replaced by `sender`. */
export function substituteSender(v: unknown, sender: Address): unknown {
  if (v === SENDER) return sender
  if (Array.isArray(v)) return v.map((x) => substituteSender(x, sender))
  return v
}

/** viem's `encodeAbiParameters`, typed for values that are only known at run time. */
export const encodeParams = encodeAbiParameters as unknown as (params: readonly AbiParameter[], values: readonly unknown[]) => Hex
