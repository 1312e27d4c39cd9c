// Owns what JSON.parse hides in a line's text: a key given twice, and a number the double it becomes does not hold exactly.
import { cut } from './rejections.js'
import type { SpecProblem } from './spec.js'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const MINUS = 0x2d

/**
 * The first problem JSON.parse let through in `text` (which it parsed): a key given twice in one
 * object (JSON.parse keeps the last, silently, even over an invalid first value), or a number
 * whose double is a whole number or infinite while the text is not exactly that
 * (`21000.0000000000001` reads as 21000, `1e-400` as 0, `1e400` as Infinity). The `field` is the
 * top-level key it is under. One pass over the text with an explicit stack: linear, whatever
 * the nesting.
 */
export function hiddenProblem(text: string): SpecProblem | undefined {
  // per open object its keys so far (created on its second key), per open array undefined
  const keys: Array<Set<string> | string | undefined> = []
  const isObject: boolean[] = []
  let expectKey = false
  let field: string | undefined
  const n = text.length
  let i = 0
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      const end = stringEnd(text, i)
      if (expectKey) {
        const raw = text.slice(i + 1, end)
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw
        const depth = isObject.length - 1
        if (depth === 0) field = key
        const seen = keys[depth]
        if (seen === undefined) keys[depth] = key
        else if (typeof seen === 'string') {
          if (seen === key) return duplicate(key, field)
          keys[depth] = new Set([seen, key])
        } else if (seen.has(key)) return duplicate(key, field)
        else seen.add(key)
        expectKey = false
      }
      i = end + 1
    } else if (c === OPEN_OBJECT) {
      isObject.push(true)
      keys.push(undefined)
      expectKey = true
      i++
    } else if (c === OPEN_ARRAY) {
      isObject.push(false)
      keys.push(undefined)
      i++
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      isObject.pop()
      keys.pop()
      expectKey = false
      i++
    } else if (c === COMMA) {
      expectKey = isObject[isObject.length - 1] === true
      i++
    } else if (c === MINUS || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1
      let plain = true
      for (; j < n; j++) {
        const d = text.charCodeAt(j)
        if (d >= 0x30 && d <= 0x39) continue
        if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === MINUS) plain = false
        else break
      }
      // a plain integer of up to 15 digits is always exact
      if ((!plain || j - i > 15) && !exact(text.slice(i, j))) return inexact(text.slice(i, j), field)
      i = j
    } else i++
  }
  return undefined
}

/** The index of the quote that closes the string opened at `open`. */
function stringEnd(text: string, open: number): number {
  let end = text.indexOf('"', open + 1)
  for (;;) {
    let k = end - 1
    while (text.charCodeAt(k) === BACKSLASH) k--
    if ((end - 1 - k) % 2 === 0) return end // an even run of backslashes: the quote is not escaped
    end = text.indexOf('"', end + 1)
  }
}

const NUMBER_RE = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/

/**
 * Whether the double of a JSON number holds the number exactly, as far as any field can tell: a
 * fractional double, or one above 2^53, is not checked (every field that takes a JSON number
 * refuses those itself); an infinite one never is, and a safe integer must be the text's exact value.
 */
export function exact(raw: string): boolean {
  const v = Number(raw)
  if (!Number.isFinite(v)) return false
  // fractions and integers above 2^53: every field that takes a JSON number refuses them itself, saying why
  if (!Number.isSafeInteger(v)) return true
  const m = NUMBER_RE.exec(raw)
  if (!m) return true
  const all = `${m[1]}${m[2] ?? ''}`.replace(/^0+/, '')
  const digits = all.replace(/0+$/, '')
  if (digits === '') return true // a zero, however written
  const scale = Number(m[3] ?? 0) - (m[2]?.length ?? 0) + (all.length - digits.length) // the text is digits × 10^scale
  if (scale < 0) return false // the text has a fraction, its double none
  if (scale + digits.length > 16) return false
  return BigInt(digits) * 10n ** BigInt(scale) === BigInt(Math.abs(v))
}

function duplicate(key: string, field: string | undefined): SpecProblem {
  const where = field === undefined || field === key ? '' : `${cut(field, 80)}: `
  return { code: 'DUPLICATE_KEY', field: cut(field ?? key, 80), error: `${where}key ${JSON.stringify(cut(key, 80))} is given twice in one object (which one counts would be a guess)` }
}

function inexact(raw: string, field: string | undefined): SpecProblem {
  const name = field === undefined ? 'a number' : cut(field, 80)
  return {
    code: 'INVALID_VALUE',
    ...(field !== undefined ? { field: cut(field, 80) } : {}),
    error: `${name}: the JSON number ${cut(raw, 40)} cannot be held exactly (it reads as ${Number(raw)}); write the exact whole number, or a string`,
  }
}
