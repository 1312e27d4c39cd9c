/** The pool the first spec of a stream names (`from_pool`), read ahead, with the input given back whole. */
import { DEFAULT_MAX_LINE_BYTES } from './lineReader.js'

export type SpecInput = AsyncIterable<Buffer | string> & { destroy?: () => void }

export interface FirstSpecPool {
  /** The first spec line's `from_pool`, when it is a JSON object naming one (a string). */
  pool?: string
  /** Its line number (blank lines and comments count, as the reader numbers them). */
  line?: number
  /** The same input from its first byte: the chunks read ahead, then the rest. */
  input: SpecInput
}

/**
 * Reads `input` up to its first spec line (not blank, not a `#` comment), at most
 * `maxLineBytes` into it, and returns that line's `from_pool` with the input given back
 * unchanged. `gen` writes its scenario's pool there, so `gen … | send` sends from the pool the
 * scenario's setup prepared. Stops early, with no pool, when `stop` aborts (a signal, or the
 * run's --duration spent waiting for a first line). A line that does not parse, or a name that
 * is not an identifier of at most 64 characters, names no pool: the reader reports it as usual.
 */
export async function firstSpecPool(input: SpecInput, stop?: AbortSignal, maxLineBytes = DEFAULT_MAX_LINE_BYTES): Promise<FirstSpecPool> {
  const it = input[Symbol.asyncIterator]()
  const held: (Buffer | string)[] = []
  let pending: Promise<IteratorResult<Buffer | string>> | undefined
  let done = false
  let text = Buffer.alloc(0) // the current line's bytes so far
  let lineNo = 1
  let found: { pool?: string; line?: number } | undefined
  /** A read that failed ahead: thrown again where the reader meets it (INPUT_READ_FAILED). */
  let failed: { error: unknown } | undefined
  const stopped = new Promise<'stopped'>((resolve) => {
    if (stop?.aborted) resolve('stopped')
    stop?.addEventListener('abort', () => resolve('stopped'), { once: true })
  })
  while (found === undefined && !done) {
    pending ??= it.next()
    let r: IteratorResult<Buffer | string> | 'stopped'
    try {
      r = await Promise.race([pending, stopped])
    } catch (error) {
      failed = { error }
      pending = undefined
      break
    }
    if (r === 'stopped') break
    pending = undefined
    if (r.done) {
      done = true
      found = lookAt(text, lineNo) ?? {}
      break
    }
    held.push(r.value)
    let chunk = typeof r.value === 'string' ? Buffer.from(r.value, 'utf8') : r.value
    for (let nl = chunk.indexOf(0x0a); nl !== -1 && found === undefined; nl = chunk.indexOf(0x0a)) {
      found = lookAt(Buffer.concat([text, chunk.subarray(0, nl)]), lineNo)
      text = Buffer.alloc(0)
      chunk = chunk.subarray(nl + 1)
      lineNo++
    }
    if (found === undefined) {
      text = Buffer.concat([text, chunk])
      if (text.length > maxLineBytes) found = {} // an oversize first line: the reader rejects it
    }
  }
  const rest = pending
  // handled where the replay meets it; nobody may: the run can stop before reading on
  rest?.catch(() => {})
  async function* replay(): AsyncGenerator<Buffer | string> {
    yield* held
    if (failed) throw failed.error
    if (done) return
    if (rest) {
      const r = await rest
      if (r.done) return
      yield r.value
    }
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value
  }
  const again: SpecInput = Object.assign(replay(), input.destroy ? { destroy: () => input.destroy!() } : {})
  return { ...found, input: again }
}

/** A name worth taking from the input (contender's are identifiers); any other names no pool, and the reader rejects the lines that use it (UNKNOWN_POOL). */
const POOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/

/** A line's pool: `{}` for a spec line that names none, undefined for a blank or comment line. */
function lookAt(bytes: Buffer, line: number): { pool?: string; line?: number } | undefined {
  const t = bytes.toString('utf8').replace(/^\uFEFF/, '').trim()
  if (t === '' || t.startsWith('#')) return undefined
  try {
    const v: unknown = JSON.parse(t)
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const pool = (v as Record<string, unknown>).from_pool
      if (typeof pool === 'string' && POOL_NAME.test(pool)) return { pool, line }
    }
  } catch {
    // not JSON: the reader reports it
  }
  return {}
}
