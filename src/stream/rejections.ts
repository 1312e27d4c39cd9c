// Owns how the spec parser rejects a line: the two thrown rejections and the wording helpers of their messages.
import { type InvalidSpecCode, type SpecProblem, SENDER_PLACEHOLDER } from './spec.js'

/**
 * Thrown by the field parsers to reject the line; `parseSpec` catches it and returns its problem.
 * Not a `FloodgateError`: an `Error` captures a stack per throw, which made 100k lines with 3 in
 * 10 rejected about 1.5× slower to parse; and it never leaves the parser.
 */
export class SpecRejection {
  constructor(readonly problem: SpecProblem) {}
}

/**
 * Thrown by an ABI argument coercer when a value does not fit its type; `path` is where in
 * `args` (`args[1][0]`), `type` the ABI type. Becomes an `INVALID_ARGS` {@link SpecRejection}.
 * Not an `Error`, for the same reason.
 */
export class ArgRejection {
  constructor(
    readonly path: string,
    readonly type: string,
    readonly message: string,
  ) {}
}

export function reject(code: InvalidSpecCode, field: string | undefined, error: string): SpecRejection {
  return new SpecRejection(field === undefined ? { code, error } : { code, field, error })
}

export function describeType(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return 'an object'
  return typeof v === 'number' && !Number.isInteger(v) ? 'a fractional number' : `a ${typeof v}`
}

export function invalidType(field: string, expected: string, got: unknown): SpecRejection {
  return reject('INVALID_TYPE', field, `${field}: expected ${expected}, got ${describeType(got)}`)
}

/** `text` on one line, at most `max` characters. */
export function cut(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine
}

/** The message of anything thrown, preferring viem's `shortMessage`. */
export function errorText(err: unknown): string {
  if (err && typeof err === 'object') {
    const short = (err as { shortMessage?: unknown }).shortMessage
    if (typeof short === 'string') return short
    const msg = (err as { message?: unknown }).message
    if (typeof msg === 'string') return msg
  }
  return String(err)
}

/** A note for a value that looks like an unsupported contender placeholder (`{name}`). */
export function placeholderHint(v: unknown): string {
  return typeof v === 'string' && v.includes('{') && v !== SENDER_PLACEHOLDER
    ? ` (placeholders other than ${SENDER_PLACEHOLDER} are not supported; substitute the value before streaming)`
    : ''
}

/** `did you mean` suffix for a near miss, or nothing. */
export function didYouMean(hint: string | undefined): string {
  return hint ? ` (did you mean "${hint}"?)` : ''
}
