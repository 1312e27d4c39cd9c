import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { readLines } from '../../../src/stream/lineReader.js'
import { parseSpec } from '../../../src/stream/parseSpec.js'
import { parseContext, type ParseContext } from '../../../src/stream/spec.js'

const ctx: ParseContext = parseContext([['executors', []]])
const LIMIT = 4096

async function collect(chunks: Uint8Array[]) {
  const out = []
  for await (const l of readLines((async function* () { for (const c of chunks) yield Buffer.from(c) })(), { maxLineBytes: LIMIT })) out.push(l)
  return out
}

/** Which lines of a byte stream the reader must yield (not blank, not `#`), by number. */
function expectedLines(bytes: Uint8Array): number[] {
  const text = Buffer.from(bytes).toString('latin1') // byte-preserving: only \n, \r, space, tab and # matter
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  const out: number[] = []
  lines.forEach((l, i) => {
    // the reader's whitespace is bytes: space, tab, CR, VT, FF (not U+00A0 as JS trim() has it)
    const t = l.replace(/^[ \t\r\v\f]+|[ \t\r\v\f]+$/g, '')
    if (t !== '' && !t.startsWith('#')) out.push(i + 1)
  })
  return out
}

describe('lineReader properties', () => {
  test('behavior: random bytes in random chunks → each content line exactly once, numbered right, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constant(new Uint8Array([10])), fc.constant(new TextEncoder().encode('# c\n'))), { maxLength: 40 }),
        async (parts) => {
          const bytes = Buffer.concat(parts)
          // skip inputs whose first line starts with a BOM-like prefix: the BOM rule is tested elsewhere
          if (bytes[0] === 0xef) return
          const got = await collect(parts)
          expect(got.map((l) => l.line)).toEqual(expectedLines(bytes))
          for (const l of got) if ('problem' in l) expect(['LINE_TOO_LONG', 'INVALID_UTF8']).toContain(l.problem.code)
        },
      ),
      { numRuns: 300 },
    )
  })

  test('behavior: over-limit lines become LINE_TOO_LONG and the following lines keep their numbers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: LIMIT * 3 }), { minLength: 1, maxLength: 8 }), async (lengths) => {
        const text = lengths.map((n) => 'x'.repeat(n)).join('\n') + '\n'
        const got = await collect([new TextEncoder().encode(text)])
        expect(got).toHaveLength(lengths.length)
        got.forEach((l, i) => {
          expect(l.line).toBe(i + 1)
          expect('problem' in l).toBe(lengths[i]! > LIMIT)
        })
      }),
      { numRuns: 100 },
    )
  })
})

describe('parseSpec properties', () => {
  test('behavior: any JSON value or text gives a result, never a throw; failures name a code and stay short', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), (text) => {
        const r = parseSpec(text, 1, ctx)
        if (!r.ok) {
          expect(r.problem.code).toMatch(/^[A-Z_]+$/)
          expect(r.problem.error.length).toBeLessThan(600)
        }
      }),
      { numRuns: 2000 },
    )
  })

  test('behavior: every field with every wrong type is an invalid_spec naming that field', () => {
    const base = { to: '0x000000000000000000000000000000000000dEaD' }
    const fields = ['to', 'from', 'from_pool', 'signature', 'args', 'value', 'gas_limit', 'access_list', 'kind', 'max_fee_per_gas', 'max_priority_fee_per_gas', 'id', 'data']
    const wrong = fc.oneof(fc.boolean(), fc.double({ noInteger: true }), fc.dictionary(fc.string(), fc.integer(), { minKeys: 1 }), fc.constant(-1), fc.constant('not-a-thing'))
    fc.assert(
      fc.property(fc.constantFrom(...fields), wrong, (field, value) => {
        const r = parseSpec(JSON.stringify({ ...base, [field]: value }), 1, ctx)
        // some wrong-looking values are valid for some fields (e.g. a string id or kind)
        if (r.ok) return
        expect(r.problem.field === undefined || r.problem.field.startsWith(field) || field === 'args' || field === 'signature').toBe(true)
      }),
      { numRuns: 1000 },
    )
  })

  test('behavior: values at and beyond 2^256, negative values, deep nesting are rejected cleanly', () => {
    const to = '0x000000000000000000000000000000000000dEaD'
    expect(parseSpec(JSON.stringify({ to, value: (2n ** 256n).toString() }), 1, ctx)).toMatchObject({ ok: false, problem: { code: 'INVALID_VALUE', field: 'value' } })
    expect(parseSpec(JSON.stringify({ to, value: (2n ** 256n - 1n).toString() }), 1, ctx)).toMatchObject({ ok: true })
    expect(parseSpec(JSON.stringify({ to, value: '-1' }), 1, ctx)).toMatchObject({ ok: false, problem: { field: 'value' } })
    const deep = '['.repeat(10_000) + ']'.repeat(10_000)
    expect(parseSpec(`{"to":"${to}","args":${deep}}`, 1, ctx).ok).toBe(false)
    expect(parseSpec('{"a":'.repeat(5000) + '1' + '}'.repeat(5000), 1, ctx).ok).toBe(false)
  })
})
