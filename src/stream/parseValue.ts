// Owns amounts of wei: parsing a spec field's or flag's amount (integer, hex, with a unit) and quoting input in its errors.
import { FloodgateError } from '../base/errors.js'
import { jsonPreview } from './jsonPreview.js'

/**
 * Amount parsing for spec fields (`value`, `max_fee_per_gas`, `max_priority_fee_per_gas`)
 * and CLI flags (`--min-balance`, fee flags).
 *
 * Accepted forms (all resolve to an exact number of wei):
 *   - a JSON number that is a non-negative safe integer: `1000`
 *   - a decimal string: `"1000"` (wei)
 *   - a hex string: `"0x3e8"` (wei)
 *   - a number with a unit, case-insensitive, optional space: `"1 wei"`, `"100 gwei"`,
 *     `"0.5 eth"`, `"1ether"`; units: wei, kwei, mwei, gwei, szabo, finney, eth, ether
 *   - scientific notation in strings: `"1e18"` (wei), `"1.5e9 gwei"`
 * Fractions are allowed only when they resolve to whole wei (`"0.1 wei"` is an error).
 * The result must be below 2^256.
 */

/**
 * A malformed amount. `field` names the field or flag it came from; the message describes
 * the problem without the field name, so callers prefix it (`value: …`, `--min-balance: …`).
 */
export class AmountError extends FloodgateError {
  override name = 'AmountError'
  readonly field: string

  constructor(field: string, message: string) {
    super('INVALID_AMOUNT', message)
    this.field = field
  }
}

/** Unit name → number of decimals. */
export const AMOUNT_UNITS: Readonly<Record<string, number>> = Object.freeze({
  wei: 0,
  kwei: 3,
  mwei: 6,
  gwei: 9,
  szabo: 12,
  finney: 15,
  eth: 18,
  ether: 18,
})

const MAX_EXCLUSIVE = 1n << 256n
/** Exponents beyond this cannot produce a value below 2^256 (which has 78 digits) or are nonsense. */
const MAX_EXPONENT = 100
/** A decimal amount below 2^256 never needs more characters than this (78 digits + fraction + unit slack). */
const MAX_AMOUNT_CHARS = 200

// digits, optional fraction, optional exponent, optional unit
const AMOUNT_RE = /^(\d+)?(?:\.(\d*))?(?:e([+-]?\d+))?\s*([a-z]+)?$/
const HEX_RE = /^0x[0-9a-f]+$/
const FORMS = 'expected wei as an integer, 0x hex, or a number with a unit such as "100 gwei" or "0.5 eth"'

/**
 * Quote a piece of user input for an error message: JSON-quoted, at most `max` characters
 * of input (longer input is cut and marked with an ellipsis).
 */
export function quoteInput(input: unknown, max = 80): string {
  if (typeof input === 'string') return JSON.stringify(input.length > max ? `${input.slice(0, max)}…` : input)
  if (typeof input === 'bigint') return JSON.stringify(`${input}`)
  // bounded and iterative: a value nested 5,000 deep overflowed the stack of JSON.stringify
  return jsonPreview(input, max)
}

function describeType(input: unknown): string {
  if (input === null) return 'null'
  if (Array.isArray(input)) return 'an array'
  return typeof input === 'object' ? 'an object' : `a ${typeof input}`
}

/** Parse an amount of wei; throws {@link AmountError} with a message naming `field`. */
export function parseAmount(input: unknown, field: string): bigint {
  if (typeof input === 'number') return amountOfNumber(input, field)
  if (typeof input === 'bigint') return amountOfBigint(input, field)
  if (typeof input !== 'string') throw new AmountError(field, `expected a string or a number, got ${describeType(input)}`)
  return amountOfString(input, field)
}

function amountOfNumber(input: number, field: string): bigint {
  if (!Number.isFinite(input)) throw new AmountError(field, `${input} is not a valid amount`)
  if (input < 0) throw new AmountError(field, `amount must not be negative, got ${input}`)
  if (!Number.isInteger(input))
    throw new AmountError(field, `${input} is not a whole number of wei; write fractions as a string with a unit, e.g. "0.5 gwei"`)
  if (!Number.isSafeInteger(input))
    throw new AmountError(field, `${input} is above 2^53 and loses precision as a JSON number; use a string, e.g. "${BigInt(input)}" or "1 eth"`)
  return BigInt(input)
}

function amountOfBigint(input: bigint, field: string): bigint {
  if (input < 0n) throw new AmountError(field, `amount must not be negative, got ${input}`)
  if (input >= MAX_EXCLUSIVE) throw new AmountError(field, 'amount must be below 2^256')
  return input
}

function amountOfString(input: string, field: string): bigint {
  const text = input.trim().toLowerCase()
  if (text === '') throw new AmountError(field, `empty amount; ${FORMS}`)
  if (text.length > MAX_AMOUNT_CHARS) throw new AmountError(field, `${quoteInput(input)} is too long to be an amount`)
  if (text.startsWith('-')) throw new AmountError(field, `amount must not be negative, got ${quoteInput(input)}`)

  if (text.startsWith('0x')) {
    if (!HEX_RE.test(text)) throw new AmountError(field, `${quoteInput(input)} is not valid hex`)
    return checkRange(BigInt(text), field, input)
  }

  const m = AMOUNT_RE.exec(text)
  const intPart = m?.[1]
  const fracPart = m?.[2]
  if (!m || (intPart === undefined && !fracPart)) {
    throw new AmountError(field, `${quoteInput(input)} is not a valid amount; ${FORMS}`)
  }
  const shift = unitDecimals(m[4], field, input) + exponent(m[3], field, input)
  return wholeWei(intPart ?? '', fracPart ?? '', shift, field, input)
}

/** The decimals of a unit name (0 without one). */
function unitDecimals(unitName: string | undefined, field: string, input: string): number {
  if (unitName === undefined) return 0
  const d = AMOUNT_UNITS[unitName]
  if (d === undefined) {
    throw new AmountError(field, `unknown unit ${quoteInput(unitName)} in ${quoteInput(input)}; use one of ${Object.keys(AMOUNT_UNITS).join(', ')}`)
  }
  return d
}

/** The exponent of scientific notation (0 without one). */
function exponent(expPart: string | undefined, field: string, input: string): number {
  if (expPart === undefined) return 0
  const exp = Number(expPart)
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > MAX_EXPONENT) {
    throw new AmountError(field, `exponent in ${quoteInput(input)} is out of range`)
  }
  return exp
}

/** `intPart.fracPart` × 10^shift, which must be a whole number of wei below 2^256. */
function wholeWei(intPart: string, fracPart: string, shift: number, field: string, input: string): bigint {
  let digits = intPart + fracPart
  let scale = shift - fracPart.length // value = digits * 10^scale
  if (scale < 0) {
    const keep = digits.length + scale
    const dropped = keep > 0 ? digits.slice(keep) : digits
    if (/[^0]/.test(dropped)) {
      throw new AmountError(field, `${quoteInput(input)} is not a whole number of wei`)
    }
    digits = keep > 0 ? digits.slice(0, keep) : '0'
    scale = 0
  }
  digits = digits.replace(/^0+(?=\d)/, '')
  if (digits === '0') return 0n
  if (digits.length + scale > 78) throw new AmountError(field, `${quoteInput(input)} is too large: amounts must be below 2^256`)
  const value = BigInt(digits) * 10n ** BigInt(scale)
  return checkRange(value, field, input)
}

function checkRange(value: bigint, field: string, input: string): bigint {
  if (value >= MAX_EXCLUSIVE) throw new AmountError(field, `${quoteInput(input)} is too large: amounts must be below 2^256`)
  return value
}
