import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { DEFAULT_MAX_LINE_BYTES, readLines } from '../../../src/stream/lineReader.js'
import { parseSpec } from '../../../src/stream/parseSpec.js'
import { parseContext, type ParseContext } from '../../../src/stream/spec.js'

/**
 * Issue 4, bad input at scale: what properties.test.ts leaves open. Invalid UTF-8 placed
 * anywhere, 1 MiB lines at the real cap in any chunking, nesting of any depth in any field,
 * numbers beyond 2^256 and negative numbers in every numeric field, and every field with
 * every wrong type rejected naming that field (not merely "not a throw").
 */
const ctx: ParseContext = parseContext([['executors', []]])
const TO = '0x000000000000000000000000000000000000dEaD'
const enc = new TextEncoder()

async function collect(chunks: Iterable<Uint8Array>, maxLineBytes?: number) {
  const out = []
  const source = (async function* () {
    for (const c of chunks) yield Buffer.from(c)
  })()
  for await (const l of readLines(source, maxLineBytes !== undefined ? { maxLineBytes } : {})) out.push(l)
  return out
}

/** Splits bytes at the given cut points (fast-check picks them). */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let from = 0
  for (const c of at) {
    out.push(bytes.subarray(from, c))
    from = c
  }
  out.push(bytes.subarray(from))
  return out
}

/** Byte sequences that are never valid UTF-8: a lone continuation, an overlong form, a surrogate, a truncated sequence, 0xFF. */
const INVALID_UTF8 = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xff], [0xf8, 0x88, 0x80, 0x80, 0x80]]

describe('line reader: invalid UTF-8 and 1 MiB lines', () => {
  test('behavior: an invalid UTF-8 sequence anywhere in a line makes that line, and only it, INVALID_UTF8, whatever the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ bad: fc.boolean(), seq: fc.constantFrom(...INVALID_UTF8), at: fc.nat(60), text: fc.string({ minLength: 1, maxLength: 60 }) }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (lines, cuts) => {
          const parts: number[] = []
          const expected: boolean[] = []
          for (const l of lines) {
            const body = [...enc.encode(`{"to":"${TO}","id":${JSON.stringify(l.text.replace(/[\n\r#]/g, 'x'))}}`)]
            if (l.bad) body.splice(Math.min(l.at, body.length), 0, ...l.seq)
            parts.push(...body, 10)
            expected.push(l.bad)
          }
          const got = await collect(chunked(Uint8Array.from(parts), cuts))
          expect(got.map((g) => g.line)).toEqual(lines.map((_, i) => i + 1))
          got.forEach((g, i) => {
            if (expected[i]) expect(g).toMatchObject({ problem: { code: 'INVALID_UTF8' } })
            else expect('text' in g && parseSpec(g.text, g.line, ctx).ok).toBe(true)
          })
        },
      ),
      { numRuns: 300 },
    )
  })

  test('behavior: 1 MiB lines at the real 128 KiB cap, in any chunking: each one LINE_TOO_LONG, the lines around them intact', async () => {
    const MiB = 1024 * 1024
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constant('big'), fc.constant('bigjson'), fc.constant('ok')), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (kinds, cuts) => {
          const lines = kinds.map((k) =>
            k === 'big' ? 'x'.repeat(MiB) : k === 'bigjson' ? `{"to":"${TO}","data":"0x${'ab'.repeat(MiB / 2)}"}` : `{"to":"${TO}"}`,
          )
          const got = await collect(chunked(enc.encode(lines.join('\n') + '\n'), cuts))
          expect(got).toHaveLength(lines.length)
          got.forEach((g, i) => {
            expect(g.line).toBe(i + 1)
            if (kinds[i] === 'ok') expect('text' in g).toBe(true)
            else expect(g).toMatchObject({ problem: { code: 'LINE_TOO_LONG' } })
          })
        },
      ),
      { numRuns: 25 },
    )
    expect(DEFAULT_MAX_LINE_BYTES).toBeLessThan(MiB)
  })
})

describe('spec parser: nesting, big and negative numbers, every field × every wrong type', () => {
  const FIELDS = ['to', 'from', 'from_pool', 'signature', 'args', 'value', 'gas_limit', 'access_list', 'kind', 'max_fee_per_gas', 'max_priority_fee_per_gas', 'id', 'data'] as const
  const NUMERIC = ['value', 'gas_limit', 'max_fee_per_gas', 'max_priority_fee_per_gas'] as const
  /** A spec line with `field` set to the raw JSON text `json` (so numbers keep all their digits). */
  const withRaw = (field: string, json: string) => `{"to":"${TO}","${field}":${json}}`
  /** The field a rejection must name: `args` without a signature is reported on `signature`. */
  const names = (field: string, got: string | undefined) => got !== undefined && (got === field || got.startsWith(`${field}[`) || got.startsWith(`${field}.`) || (field === 'args' && got === 'signature'))

  test('behavior: nesting of any depth (arrays, objects, mixed) in any field: a result, never a throw, never a stack overflow', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), fc.integer({ min: 1, max: 200_000 }), fc.constantFrom('[]', '{}', 'mixed'), (field, depth, shape) => {
        let open = ''
        let close = ''
        for (let i = 0; i < depth; i++) {
          const arr = shape === '[]' || (shape === 'mixed' && i % 2 === 0)
          open += arr ? '[' : '{"k":'
          close = (arr ? ']' : '}') + close
        }
        const r = parseSpec(withRaw(field, `${open}1${close}`), 1, ctx)
        expect(r.ok).toBe(false)
        if (!r.ok) expect(r.problem.code).toMatch(/^[A-Z_]+$/)
      }),
      { numRuns: 60 },
    )
  })

  test('behavior: numbers at or beyond 2^256 in any numeric field, as JSON numbers, decimal strings, hex or with a unit: rejected naming the field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NUMERIC), fc.bigInt({ min: 2n ** 256n, max: 2n ** 1024n }), fc.constantFrom('number', 'string', 'hex', 'wei', 'gwei'), (field, n, form) => {
        const json = form === 'number' ? n.toString() : form === 'string' ? `"${n}"` : form === 'hex' ? `"0x${n.toString(16)}"` : `"${n} ${form}"`
        const r = parseSpec(withRaw(field, json), 1, ctx)
        expect(r.ok, `${field}=${json.slice(0, 40)}`).toBe(false)
        if (!r.ok) expect(names(field, r.problem.field), `${field} → ${r.problem.field}`).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  test('behavior: negative numbers in any numeric field, in any form: rejected naming the field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NUMERIC), fc.bigInt({ min: -(2n ** 300n), max: -1n }), fc.constantFrom('number', 'string', 'gwei', 'float'), (field, n, form) => {
        const json = form === 'number' ? n.toString() : form === 'string' ? `"${n}"` : form === 'float' ? `${n}.5` : `"${n} gwei"`
        const r = parseSpec(withRaw(field, json), 1, ctx)
        expect(r.ok, `${field}=${json.slice(0, 40)}`).toBe(false)
        if (!r.ok) expect(names(field, r.problem.field), `${field} → ${r.problem.field}`).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  test('behavior: every field with every wrong JSON type is rejected naming that field (null means absent; a string is a valid id or kind, an integer a valid id)', () => {
    const wrong = fc.oneof(
      fc.record({ type: fc.constant('boolean'), json: fc.boolean().map(String) }),
      fc.record({ type: fc.constant('float'), json: fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }).map((d) => JSON.stringify(d)) }),
      fc.record({ type: fc.constant('object'), json: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 3 }).map((o) => JSON.stringify(o)) }),
      fc.record({ type: fc.constant('array'), json: fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 1, maxLength: 3 }).map((a) => JSON.stringify(a)) }),
      fc.record({ type: fc.constant('integer'), json: fc.integer().map(String) }),
      fc.record({ type: fc.constant('string'), json: fc.string({ maxLength: 20 }).map((s) => JSON.stringify(`zz${s}`)) }),
    )
    /** Field × JSON type combinations that are valid on purpose. */
    const valid = (field: string, type: string, json: string) =>
      (type === 'string' && (field === 'id' || field === 'kind')) ||
      (type === 'integer' && (field === 'id' || ((NUMERIC as readonly string[]).includes(field) && !json.startsWith('-')))) ||
      (type === 'array' && field === 'args') // args is an array; its items are checked against the signature
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), wrong, (field, { type, json }) => {
        const r = parseSpec(withRaw(field, json), 1, ctx)
        if (valid(field, type, json)) return
        expect(r.ok, `${field}: ${type} ${json.slice(0, 40)}`).toBe(false)
        if (!r.ok) expect(names(field, r.problem.field), `${field}: ${type} ${json.slice(0, 40)} → ${r.problem.field}`).toBe(true)
      }),
      { numRuns: 3000 },
    )
  })
})
