// Owns splitting input bytes into numbered lines: blank lines and comments skipped, oversize and non-UTF-8 lines reported.
import type { SpecProblem } from './spec.js'

/** A physical input line worth parsing, or the reason it cannot be read. */
export type RawLine = { line: number; text: string } | { line: number; problem: SpecProblem }

export interface ReadLinesOptions {
  /** Longest accepted line in bytes, excluding the line terminator. Default 131072 (128 KiB). */
  maxLineBytes?: number
}

export const DEFAULT_MAX_LINE_BYTES = 128 * 1024

const LF = 0x0a
const CR = 0x0d
const HASH = 0x23

/** The UTF-8 byte-order mark, tolerated at the very start of the input. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf])

function isBlankByte(b: number): boolean {
  // JSON whitespace plus VT/FF
  return b === 0x20 || b === 0x09 || b === CR || b === 0x0b || b === 0x0c
}

/**
 * Classify the start of a line from its first bytes: 'blank' (only whitespace so far),
 * 'comment' (first non-whitespace byte is `#`) or 'data'.
 */
function classify(parts: readonly Buffer[]): 'blank' | 'comment' | 'data' {
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const b = part[i]!
      if (isBlankByte(b)) continue
      return b === HASH ? 'comment' : 'data'
    }
  }
  return 'blank'
}

function tooLong(line: number, bytes: number, max: number): RawLine {
  return {
    line,
    problem: { code: 'LINE_TOO_LONG', error: `line is ${bytes} bytes, over the ${max}-byte limit` },
  }
}

/**
 * Split a byte stream into numbered lines.
 *
 * - Line numbers are 1-based and count every physical line (`\n`-terminated; a trailing `\r`
 *   is dropped, so `\r\n` works too). A last line without a newline is still a line.
 * - Blank lines and lines whose first non-whitespace character is `#` are not yielded.
 * - Chunks may split lines and multi-byte characters anywhere: bytes are joined before decoding.
 * - A line over `maxLineBytes` yields `LINE_TOO_LONG`; its bytes are counted and dropped as
 *   they arrive, so at most `maxLineBytes + 1` bytes of one line are ever held.
 * - A line that is not valid UTF-8 yields `INVALID_UTF8`.
 * - A UTF-8 byte-order mark at the start of the input is ignored.
 */
export async function* readLines(input: AsyncIterable<Buffer | string>, opts: ReadLinesOptions = {}): AsyncGenerator<RawLine> {
  for await (const batch of readLineBatches(input, opts)) yield* batch
}

/**
 * {@link readLines}, one array per input chunk (the lines that chunk completed; never empty):
 * the same lines, without an async step per line for consumers on a hot path.
 */
export async function* readLineBatches(
  input: AsyncIterable<Buffer | string>,
  opts: ReadLinesOptions = {},
): AsyncGenerator<RawLine[]> {
  const splitter = new LineSplitter(opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES)
  for await (const raw of input) {
    const batch = splitter.push(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw)
    if (batch.length > 0) yield batch
  }
  const last = splitter.end()
  if (last !== undefined) yield [last]
}

/**
 * The state between chunks: the held start of an unfinished line (`parts`, `pending` bytes),
 * or the count of an oversize line being skipped, and the next line number.
 */
class LineSplitter {
  // Bytes beyond `max` that we still keep: one, for a possible `\r` before the `\n`.
  private readonly holdLimit: number
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  private lineNo = 1
  private parts: Buffer[] = []
  private pending = 0
  // Oversize line being skipped: its byte count so far, whether its last byte was `\r`,
  // and whether it is a comment (comments are skipped whatever their length).
  private discarding = false
  private discarded = 0
  private discardedEndsWithCR = false
  private discardedIsComment = false

  constructor(private readonly max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`maxLineBytes must be a positive integer, got ${max}`)
    this.holdLimit = max + 1
  }

  /** The lines `chunk` completes; its unfinished tail is held (or counted, when oversize). */
  push(chunk: Buffer): RawLine[] {
    const batch: RawLine[] = []
    let pos = 0
    while (pos < chunk.length) {
      const nl = chunk.indexOf(LF, pos)
      if (nl === -1) {
        this.hold(pos === 0 ? chunk : chunk.subarray(pos), pos === 0)
        break
      }
      const piece = chunk.subarray(pos, nl)
      pos = nl + 1
      const result = this.finishLine(piece)
      if (result !== undefined) batch.push(result)
    }
    return batch
  }

  /** The last line, when the input ends without a newline. */
  end(): RawLine | undefined {
    return this.pending > 0 || this.discarding ? this.finishLine(Buffer.alloc(0)) : undefined
  }

  /** Keeps the start of an unfinished line; `whole`: it is a whole chunk, nothing else of it to pin. */
  private hold(rest: Buffer, whole: boolean): void {
    if (this.discarding) {
      this.discarded += rest.length
      this.discardedEndsWithCR = rest[rest.length - 1] === CR
    } else if (this.pending + rest.length > this.holdLimit) {
      this.startDiscard(rest)
    } else {
      // Copy a tail so we do not pin the whole chunk it came from.
      this.parts.push(whole ? rest : Buffer.from(rest))
      this.pending += rest.length
    }
  }

  private startDiscard(extra: Buffer): void {
    const kind = classify(this.parts.length > 0 ? [...this.parts, extra] : [extra])
    this.discarding = true
    this.discardedIsComment = kind === 'comment'
    this.discarded = this.pending + extra.length
    this.discardedEndsWithCR = extra.length > 0 ? extra[extra.length - 1] === CR : false
    this.parts = []
    this.pending = 0
  }

  private finishLine(last: Buffer): RawLine | undefined {
    const line = this.lineNo
    this.lineNo += 1
    if (this.discarding) return this.finishDiscarded(line, last)
    const parts = this.parts
    const total = this.pending + last.length
    const lastByte = last.length > 0 ? last[last.length - 1] : parts.length > 0 ? parts[parts.length - 1]!.at(-1) : undefined
    const contentBytes = lastByte === CR ? total - 1 : total
    if (contentBytes > this.max) {
      // Possible only when the final piece pushes the line over; nothing is concatenated.
      const kind = classify(parts.length > 0 ? [...parts, last] : [last])
      this.parts = []
      this.pending = 0
      return kind === 'comment' ? undefined : tooLong(line, contentBytes, this.max)
    }
    let buf: Buffer
    if (parts.length === 0) buf = last
    else {
      parts.push(last)
      buf = Buffer.concat(parts, total)
      this.parts = []
      this.pending = 0
    }
    return this.decodeLine(line, buf, contentBytes)
  }

  /** The end of an oversize line: LINE_TOO_LONG, unless it is a comment. */
  private finishDiscarded(line: number, last: Buffer): RawLine | undefined {
    const total = this.discarded + last.length
    const endsWithCR = last.length > 0 ? last[last.length - 1] === CR : this.discardedEndsWithCR
    const isComment = this.discardedIsComment
    this.discarding = false
    this.discarded = 0
    this.discardedEndsWithCR = false
    this.discardedIsComment = false
    return isComment ? undefined : tooLong(line, endsWithCR ? total - 1 : total, this.max)
  }

  /** The text of `buf[0, end)` (a leading BOM on line 1 dropped); blank lines and comments skipped without decoding. */
  private decodeLine(line: number, buf: Buffer, end: number): RawLine | undefined {
    let start = 0
    if (line === 1 && end >= 3 && buf[0] === BOM[0] && buf[1] === BOM[1] && buf[2] === BOM[2]) start = 3
    let i = start
    while (i < end && isBlankByte(buf[i]!)) i++
    if (i === end || buf[i] === HASH) return undefined
    try {
      return { line, text: this.decoder.decode(buf.subarray(start, end)) }
    } catch {
      return { line, problem: { code: 'INVALID_UTF8', error: 'line is not valid UTF-8' } }
    }
  }
}
