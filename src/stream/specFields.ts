// Owns the parsers of single spec fields: addresses, amounts, gas_limit, id/kind labels and access_list.
import { type AccessList, type Address, type Hex, getAddress, isAddress } from 'viem'
import { AmountError, parseAmount, quoteInput } from './parseValue.js'
import { cut, describeType, didYouMean, invalidType, placeholderHint, reject } from './rejections.js'
import type { InvalidSpecCode } from './spec.js'
import { nearest } from './suggest.js'

/** Longest accepted `id` / `kind` (they are echoed in every event). */
export const MAX_LABEL_LENGTH = 256
const GAS_LIMIT_MAX = (1n << 64n) - 1n
const ADDRESS_CACHE_SIZE = 4096
const STORAGE_KEY_RE = /^0x[0-9a-fA-F]{64}$/

/** The value of an optional field; JSON `null` counts as absent (as in contender's TOML/serde). */
export function field(obj: Record<string, unknown>, key: string): unknown {
  const v = Object.hasOwn(obj, key) ? obj[key] : undefined
  return v === null ? undefined : v
}

const addressCache = new Map<string, Address>()

/** Checksummed form of an address of any case, or undefined when it is not an address. */
function toAddress(v: string): Address | undefined {
  const hit = addressCache.get(v)
  if (hit !== undefined) return hit
  if (!isAddress(v, { strict: false })) return undefined
  const checksummed = getAddress(v)
  if (addressCache.size >= ADDRESS_CACHE_SIZE) addressCache.clear()
  addressCache.set(v, checksummed)
  return checksummed
}

/** The checksummed address in `v`, else a rejection of `field` with `code`. */
export function requireAddress(v: unknown, field: string, code: InvalidSpecCode = 'INVALID_ADDRESS'): Address {
  if (typeof v !== 'string') throw invalidType(field, 'an address string', v)
  const a = toAddress(v)
  if (a === undefined) {
    throw reject(code, field, `${field}: ${quoteInput(v)} is not an address (0x followed by 40 hex digits)${placeholderHint(v)}`)
  }
  return a
}

export function parseGasLimit(v: unknown): bigint {
  let n: bigint
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || !Number.isSafeInteger(v)) {
      throw reject('INVALID_VALUE', 'gas_limit', `gas_limit: ${quoteInput(v)} is not a safe integer`)
    }
    n = BigInt(v)
  } else if (typeof v === 'string') {
    const t = v.trim()
    if (!/^\d{1,20}$/.test(t)) {
      throw reject('INVALID_VALUE', 'gas_limit', `gas_limit: ${quoteInput(v)} is not a positive decimal integer`)
    }
    n = BigInt(t)
  } else {
    throw invalidType('gas_limit', 'a positive integer (number or decimal string)', v)
  }
  if (n <= 0n) throw reject('INVALID_VALUE', 'gas_limit', `gas_limit: must be positive, got ${quoteInput(v)}`)
  if (n > GAS_LIMIT_MAX) throw reject('INVALID_VALUE', 'gas_limit', `gas_limit: ${quoteInput(v)} is above 2^64-1`)
  return n
}

/** An amount of wei (`value`, fee fields); see {@link parseAmount} for the forms. */
export function parseAmountField(v: unknown, field: string): bigint {
  if (typeof v !== 'string' && typeof v !== 'number') {
    throw invalidType(field, 'an amount (string such as "1 gwei", or an integer number of wei)', v)
  }
  try {
    return parseAmount(v, field)
  } catch (err) {
    if (err instanceof AmountError) throw reject('INVALID_VALUE', field, `${field}: ${err.message}`)
    throw err
  }
}

/** `id` (a string or a safe integer) or `kind` (a string), at most {@link MAX_LABEL_LENGTH} characters. */
export function parseLabel(v: unknown, field: 'id' | 'kind'): string {
  let s: string
  if (typeof v === 'string') s = v
  else if (field === 'id' && typeof v === 'number' && Number.isInteger(v)) {
    if (!Number.isSafeInteger(v)) {
      throw reject('INVALID_VALUE', field, `id: ${quoteInput(v)} is above 2^53 and loses precision as a JSON number; use a string`)
    }
    s = String(v)
  } else {
    throw invalidType(field, field === 'id' ? 'a string or an integer' : 'a string', v)
  }
  if (s.length > MAX_LABEL_LENGTH) {
    throw reject('INVALID_VALUE', field, `${field}: longer than ${MAX_LABEL_LENGTH} characters (${s.length})`)
  }
  return s
}

export function parseAccessList(v: unknown): AccessList {
  if (!Array.isArray(v)) throw invalidType('access_list', 'an array of {address, storageKeys}', v)
  const out: { address: Address; storageKeys: Hex[] }[] = []
  for (let k = 0; k < v.length; k++) out.push(parseAccessListEntry(v[k], `access_list[${k}]`))
  return out
}

function parseAccessListEntry(entry: unknown, at: string): { address: Address; storageKeys: Hex[] } {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw reject('INVALID_ACCESS_LIST', at, `${at}: expected an object {address, storageKeys}, got ${describeType(entry)}`)
  }
  const e = entry as Record<string, unknown>
  for (const key of Object.keys(e)) {
    if (key !== 'address' && key !== 'storageKeys') {
      const hint = nearest(key, ['address', 'storageKeys'])
      throw reject('INVALID_ACCESS_LIST', `${at}.${cut(key, 80)}`, `${at}: unknown member ${quoteInput(key)}${didYouMean(hint)}`)
    }
  }
  if (e.address === undefined || e.address === null) {
    throw reject('INVALID_ACCESS_LIST', `${at}.address`, `${at}.address: missing`)
  }
  const address = requireAddress(e.address, `${at}.address`, 'INVALID_ACCESS_LIST')
  const keys = e.storageKeys ?? []
  if (!Array.isArray(keys)) {
    throw reject('INVALID_ACCESS_LIST', `${at}.storageKeys`, `${at}.storageKeys: expected an array of 32-byte hex strings, got ${describeType(keys)}`)
  }
  const storageKeys: Hex[] = []
  for (let j = 0; j < keys.length; j++) {
    const key: unknown = keys[j]
    if (typeof key !== 'string' || !STORAGE_KEY_RE.test(key)) {
      const f = `${at}.storageKeys[${j}]`
      throw reject('INVALID_ACCESS_LIST', f, `${f}: ${quoteInput(key)} is not a 32-byte hex storage key (0x followed by 64 hex digits)`)
    }
    storageKeys.push(key.toLowerCase() as Hex)
  }
  return { address, storageKeys }
}
