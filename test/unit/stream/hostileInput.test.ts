import { describe, expect, test } from 'vitest'
import { parseSpec } from '../../../src/stream/parseSpec.js'
import { quoteInput } from '../../../src/stream/parseValue.js'
import { parseContext, type ParseContext } from '../../../src/stream/spec.js'

/** Issue 23: hostile spec lines (deep values, duplicate keys, numbers a double cannot hold) are each one line's problem. */
const ctx: ParseContext = parseContext([['executors', []]])
const TO = '0x000000000000000000000000000000000000dEaD'
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`

describe('quoteInput: bounded, whatever the value', () => {
  test('behavior: an array nested 100,000 deep is quoted in at most max characters (no stack overflow)', () => {
    const value = JSON.parse(deep(100_000)) as unknown
    const q = quoteInput(value)
    expect(q.length).toBeLessThanOrEqual(81)
    expect(q.startsWith('[[[[')).toBe(true)
    expect(q.endsWith('…')).toBe(true)
  })
  test('behavior: a short value is quoted as JSON, a huge string is cut', () => {
    expect(quoteInput({ a: [1, 'x', null, true], b: {} })).toBe('{"a":[1,"x",null,true],"b":{}}')
    expect(quoteInput([1n, undefined])).toBe('[1,null]')
    expect(quoteInput({ a: 'y'.repeat(10_000_000) }).length).toBeLessThanOrEqual(81)
  })
  test('behavior: a cycle is quoted, cut at max', () => {
    const a: unknown[] = []
    a.push(a)
    expect(quoteInput(a).length).toBeLessThanOrEqual(81)
  })
})

describe('parseSpec: deep values are that line\'s invalid_spec', () => {
  test('behavior: a bool argument nested 5,000 deep is INVALID_ARGS, not a thrown RangeError', () => {
    const r = parseSpec(`{"to":"${TO}","signature":"f(bool)","args":[${deep(5_000)}]}`, 1, ctx)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problem).toMatchObject({ code: 'INVALID_ARGS', field: 'args[0]' })
  })
  test('behavior: nesting 100,000 deep in any field never throws', () => {
    for (const f of ['to', 'value', 'gas_limit', 'data', 'args', 'access_list', 'kind', 'id', 'blob_data', 'tx_type', 'from', 'from_pool', 'max_fee_per_gas', 'authorization_address']) {
      const r = parseSpec(`{"to":"${TO}","signature":"f(bool[])","${f}":${deep(100_000)}}`, 1, ctx)
      expect(r.ok, f).toBe(false)
    }
  })
})

describe('parseSpec: whatever throws inside is the line\'s problem', () => {
  test('behavior: a RangeError thrown while validating a line is PARSE_FAILED, not a throw out of parseSpec', () => {
    const pools = new Map([['executors', new Map()]])
    const throwing: ParseContext = { ...ctx, pools: Object.assign(pools, { get: () => { throw new RangeError('Maximum call stack size exceeded') } }) }
    const r = parseSpec(`{"to":"${TO}","from_pool":"executors"}`, 1, throwing)
    expect(r).toMatchObject({ ok: false, problem: { code: 'PARSE_FAILED', error: expect.stringMatching(/Maximum call stack/) } })
  })
})

describe('parseSpec: duplicate keys', () => {
  test('behavior: a key given twice is DUPLICATE_KEY naming the key (not last-wins)', () => {
    const r = parseSpec(`{"to":"${TO}","gas_limit":"x","gas_limit":21000}`, 1, ctx)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problem).toMatchObject({ code: 'DUPLICATE_KEY', field: 'gas_limit' })
  })
  test('behavior: a duplicate inside a nested object names its top-level field; an escaped spelling counts', () => {
    const r = parseSpec(`{"to":"${TO}","access_list":[{"address":"${TO}","addr\\u0065ss":"${TO}"}]}`, 1, ctx)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.problem).toMatchObject({ code: 'DUPLICATE_KEY', field: 'access_list' })
      expect(r.problem.error).toContain('"address"')
    }
  })
  test('behavior: the same key in sibling objects, and a key equal to a string value, are fine', () => {
    const r = parseSpec(`{"to":"${TO}","kind":"to","access_list":[{"address":"${TO}"},{"address":"${TO}"}]}`, 1, ctx)
    expect(r.ok).toBe(true)
  })
})

describe('parseSpec: numbers a double cannot hold exactly', () => {
  test('behavior: gas_limit 21000.0000000000001 is INVALID_VALUE naming gas_limit (not rounded to 21000)', () => {
    const r = parseSpec(`{"to":"${TO}","gas_limit":21000.0000000000001}`, 1, ctx)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problem).toMatchObject({ code: 'INVALID_VALUE', field: 'gas_limit' })
  })
  test('behavior: value 1e-400 is INVALID_VALUE naming value (not rounded to 0)', () => {
    const r = parseSpec(`{"to":"${TO}","value":1e-400}`, 1, ctx)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problem).toMatchObject({ code: 'INVALID_VALUE', field: 'value' })
  })
  test('behavior: a number inside args names args; 1e400 is refused too', () => {
    const r = parseSpec(`{"to":"${TO}","signature":"f(uint256)","args":[1e400]}`, 1, ctx)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problem).toMatchObject({ code: 'INVALID_VALUE', field: 'args' })
  })
  test('behavior: exact spellings of a whole number are accepted (21000, 21000.0, 2.1e4, 0, -0.0e5)', () => {
    for (const g of ['21000', '21000.0', '2.1e4', '21000e0', '2100000e-2']) {
      const r = parseSpec(`{"to":"${TO}","gas_limit":${g}}`, 1, ctx)
      expect(r.ok, g).toBe(true)
      if (r.ok) expect(r.spec.gasLimit).toBe(21000n)
    }
    expect(parseSpec(`{"to":"${TO}","value":0}`, 1, ctx).ok).toBe(true)
    expect(parseSpec(`{"to":"${TO}","value":-0.0e5}`, 1, ctx).ok).toBe(true)
  })
})
