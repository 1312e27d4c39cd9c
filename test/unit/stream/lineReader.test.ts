import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, test } from 'vitest'
import { DEFAULT_MAX_LINE_BYTES, type RawLine, readLines } from '../../../src/stream/lineReader.js'

async function* from(parts: readonly (Buffer | string)[]): AsyncGenerator<Buffer | string> {
  for (const p of parts) yield p
}

async function collect(parts: readonly (Buffer | string)[], opts?: { maxLineBytes?: number }): Promise<RawLine[]> {
  const out: RawLine[] = []
  for await (const l of readLines(from(parts), opts)) out.push(l)
  return out
}

/** Every way of cutting `bytes` into two chunks. */
function allSplits(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = []
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)])
  return out
}

describe('lines: numbering and terminators', () => {
  test('numbers lines from 1', async () => {
    expect(await collect(['{"a":1}\n{"b":2}\n'])).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '{"b":2}' },
    ])
  })
  test('a last line without a newline is still read', async () => {
    expect(await collect(['x\ny'])).toEqual([
      { line: 1, text: 'x' },
      { line: 2, text: 'y' },
    ])
  })
  test('CRLF terminators are stripped', async () => {
    expect(await collect(['a\r\nb\r\nc\r\n'])).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
      { line: 3, text: 'c' },
    ])
  })
  test('CRLF split between chunks', async () => {
    expect(await collect(['a\r', '\nb\r', '\n'])).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
    ])
  })
  test('a lone CR inside a line is kept', async () => {
    expect(await collect(['a\rb\n'])).toEqual([{ line: 1, text: 'a\rb' }])
  })
  test('empty input yields nothing', async () => {
    expect(await collect([])).toEqual([])
    expect(await collect([''])).toEqual([])
    expect(await collect([Buffer.alloc(0)])).toEqual([])
  })
  test('text is not trimmed', async () => {
    expect(await collect(['  {"a":1}  \n'])).toEqual([{ line: 1, text: '  {"a":1}  ' }])
  })
})

describe('lines: blank lines and comments', () => {
  test('are skipped but counted', async () => {
    const input = '\n   \n\t\r\n# comment\n   # indented comment\nA\n\n#x\nB'
    expect(await collect([input])).toEqual([
      { line: 6, text: 'A' },
      { line: 9, text: 'B' },
    ])
  })
  test('a # later in the line is data', async () => {
    expect(await collect(['{"id":"#1"}\n'])).toEqual([{ line: 1, text: '{"id":"#1"}' }])
  })
  test('a comment with invalid UTF-8 is still skipped', async () => {
    expect(await collect([Buffer.from([0x23, 0xff, 0xfe, 0x0a, 0x41])])).toEqual([{ line: 2, text: 'A' }])
  })
  test('a file that is only comments yields nothing', async () => {
    expect(await collect(['# a\n# b\n'])).toEqual([])
  })
})

describe('lines: chunk boundaries', () => {
  const text = '{"to":"ä€😀"}\r\n# c\n\n{"x":"ü"}\nlast'
  const expected = [
    { line: 1, text: '{"to":"ä€😀"}' },
    { line: 4, text: '{"x":"ü"}' },
    { line: 5, text: 'last' },
  ]
  test('every two-way split, including inside multi-byte characters', async () => {
    const bytes = Buffer.from(text, 'utf8')
    for (const parts of allSplits(bytes)) {
      expect(await collect(parts)).toEqual(expected)
    }
  })
  test('one byte per chunk', async () => {
    const bytes = Buffer.from(text, 'utf8')
    const parts = Array.from(bytes, (b) => Buffer.from([b]))
    expect(await collect(parts)).toEqual(expected)
  })
  test('string chunks', async () => {
    expect(await collect(['{"a":', '"€"}\n', '{"b"', ':1}'])).toEqual([
      { line: 1, text: '{"a":"€"}' },
      { line: 2, text: '{"b":1}' },
    ])
  })
  test('many lines in one chunk', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `{"id":${i}}`)
    const out = await collect([lines.join('\n')])
    expect(out).toHaveLength(1000)
    expect(out[999]).toEqual({ line: 1000, text: '{"id":999}' })
  })
})

describe('lines: byte-order mark', () => {
  test('a BOM at the start of the input is ignored', async () => {
    expect(await collect([Buffer.from([0xef, 0xbb, 0xbf]), '{"a":1}\n'])).toEqual([{ line: 1, text: '{"a":1}' }])
  })
  test('a BOM before a comment on line 1 is ignored', async () => {
    expect(await collect(['\uFEFF# comment\nx'])).toEqual([{ line: 2, text: 'x' }])
  })
  test('a BOM on a later line is kept (and fails JSON parsing later)', async () => {
    expect(await collect(['a\n\uFEFFb'])).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: '\uFEFFb' },
    ])
  })
})

describe('lines: invalid UTF-8', () => {
  test('error: INVALID_UTF8, later lines still read', async () => {
    const out = await collect([Buffer.from([0x7b, 0xc3, 0x28, 0x7d, 0x0a]), 'ok\n'])
    expect(out).toEqual([
      { line: 1, problem: { code: 'INVALID_UTF8', error: 'line is not valid UTF-8' } },
      { line: 2, text: 'ok' },
    ])
  })
  test('error: INVALID_UTF8 for a truncated multi-byte character at end of input', async () => {
    const out = await collect([Buffer.from([0x61, 0xe2, 0x82])])
    expect(out).toEqual([{ line: 1, problem: { code: 'INVALID_UTF8', error: 'line is not valid UTF-8' } }])
  })
  test('error: INVALID_UTF8 for an overlong encoding', async () => {
    const out = await collect([Buffer.from([0xc0, 0xaf, 0x0a])])
    expect(out[0]).toMatchObject({ line: 1, problem: { code: 'INVALID_UTF8' } })
  })
})

describe('lines: length limit', () => {
  test('the default limit is 128 KiB', () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(131072)
  })
  test('a line of exactly the limit is accepted (with LF or CRLF)', async () => {
    const line = 'a'.repeat(16)
    expect(await collect([`${line}\n${line}\r\n${line}`], { maxLineBytes: 16 })).toEqual([
      { line: 1, text: line },
      { line: 2, text: line },
      { line: 3, text: line },
    ])
  })
  test('a line at the default limit is accepted', async () => {
    const line = 'b'.repeat(DEFAULT_MAX_LINE_BYTES)
    const out = await collect([line.slice(0, 1000), `${line.slice(1000)}\n`])
    expect(out).toHaveLength(1)
    expect((out[0] as { text: string }).text.length).toBe(DEFAULT_MAX_LINE_BYTES)
  })
  test('error: LINE_TOO_LONG with the byte count, then a normal line keeps its number', async () => {
    const big = 'x'.repeat(DEFAULT_MAX_LINE_BYTES + 1)
    const out = await collect([`{"a":1}\n${big}\n{"b":2}\n`])
    expect(out).toEqual([
      { line: 1, text: '{"a":1}' },
      {
        line: 2,
        problem: { code: 'LINE_TOO_LONG', error: 'line is 131073 bytes, over the 131072-byte limit' },
      },
      { line: 3, text: '{"b":2}' },
    ])
  })
  test('error: LINE_TOO_LONG when the line arrives in many chunks', async () => {
    const parts = ['{"a":', ...Array.from({ length: 10 }, () => 'y'.repeat(7)), '}\r\n', 'next\n']
    const out = await collect(parts, { maxLineBytes: 32 })
    expect(out).toEqual([
      { line: 1, problem: { code: 'LINE_TOO_LONG', error: 'line is 76 bytes, over the 32-byte limit' } },
      { line: 2, text: 'next' },
    ])
  })
  test('error: LINE_TOO_LONG counts bytes, not characters', async () => {
    const out = await collect(['€€€€€€\n'], { maxLineBytes: 10 }) // 18 bytes
    expect(out).toEqual([{ line: 1, problem: { code: 'LINE_TOO_LONG', error: 'line is 18 bytes, over the 10-byte limit' } }])
  })
  test('error: LINE_TOO_LONG for an oversize last line without newline', async () => {
    const out = await collect(['ok\n', 'z'.repeat(50)], { maxLineBytes: 20 })
    expect(out).toEqual([
      { line: 1, text: 'ok' },
      { line: 2, problem: { code: 'LINE_TOO_LONG', error: 'line is 50 bytes, over the 20-byte limit' } },
    ])
  })
  test('an oversize comment is skipped like any comment', async () => {
    const out = await collect([`# ${'c'.repeat(100)}`, `${'c'.repeat(100)}\nA\n`], { maxLineBytes: 20 })
    expect(out).toEqual([{ line: 2, text: 'A' }])
  })
  test('error: invalid maxLineBytes', async () => {
    await expect(collect(['a'], { maxLineBytes: 0 })).rejects.toThrow(RangeError)
  })
})

/** `global.gc`, exposed at runtime (vitest does not pass --expose-gc). */
function getGc(): () => void {
  setFlagsFromString('--expose_gc')
  return runInNewContext('gc') as () => void
}

describe('lines: memory stays bounded on a huge line', () => {
  test('a 5 MB line in 64 KiB chunks holds at most ~2× the limit', async () => {
    const gc = getGc()
    const CHUNK = 64 * 1024
    const TOTAL = 5 * 1024 * 1024
    const limit = DEFAULT_MAX_LINE_BYTES
    let peakGrowth = 0
    let baseline = 0

    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"first":1}\n')
      await new Promise((r) => setImmediate(r))
      gc()
      baseline = process.memoryUsage().arrayBuffers
      for (let sent = 0; sent < TOTAL; sent += CHUNK) {
        // A fresh buffer every time: if the reader kept them, memory would grow by 5 MB.
        yield Buffer.alloc(CHUNK, 0x61)
        if ((sent / CHUNK) % 8 === 7) {
          // Two rounds: one collection does not always release external backing stores.
          for (let round = 0; round < 2; round++) {
            await new Promise((r) => setImmediate(r))
            gc()
          }
          peakGrowth = Math.max(peakGrowth, process.memoryUsage().arrayBuffers - baseline)
        }
      }
      yield Buffer.from('\n{"after":2}\n')
    }

    const out: RawLine[] = []
    for await (const l of readLines(source())) out.push(l)

    expect(out).toEqual([
      { line: 1, text: '{"first":1}' },
      { line: 2, problem: { code: 'LINE_TOO_LONG', error: `line is ${TOTAL} bytes, over the ${limit}-byte limit` } },
      { line: 3, text: '{"after":2}' },
    ])
    // Held: at most limit + 1 bytes of the line, plus the chunk in flight.
    expect(peakGrowth).toBeLessThan(2 * limit + CHUNK)
  })

  test('a 5 MB single chunk without newline is counted, not copied', async () => {
    const TOTAL = 5 * 1024 * 1024
    const out = await collect([Buffer.alloc(TOTAL, 0x62), '\r\nok'])
    expect(out).toEqual([
      { line: 1, problem: { code: 'LINE_TOO_LONG', error: `line is ${TOTAL} bytes, over the 131072-byte limit` } },
      { line: 2, text: 'ok' },
    ])
  })
})
