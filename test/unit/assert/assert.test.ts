import { describe, expect, test } from 'vitest'
import { AssertSyntaxError, evaluate, parseAssert } from '../../../src/assert/expr.js'
import { availableMetrics, evaluateAssertions, formatAssertTable, parseAssertions } from '../../../src/assert/metrics.js'
import { UsageError } from '../../../src/base/errors.js'

const summary = (over: Record<string, unknown> = {}) =>
  ({
    type: 'summary',
    sent: 100,
    failed: 0,
    invalid: 0,
    duration_ms: 1000,
    tps: 100,
    errors: { NONCE_TOO_LOW: 2 },
    send_latency_ms: { p50: 1, p90: 2, p99: 3, max: 4 },
    included: 100,
    reverted: 5,
    timed_out: 0,
    inclusion_latency_ms: { p50: 800, p90: 1000, p99: 2500, max: 2600 },
    included_tps: 95,
    gas_used: '2100000',
    by_kind: {},
    backpressure_episodes: 0,
    worker_panics: 0,
    reason: 'eof',
    ...over,
  }) as any

describe('assert expressions', () => {
  test('behavior: comparisons, && binds tighter than ||, parentheses', () => {
    const vars: Record<string, number> = { a: 1, b: 2, c: 3 }
    const ev = (e: string) => evaluate(parseAssert(e), (m) => vars[m])
    expect(ev('a == 1')).toBe(true)
    expect(ev('a != 1')).toBe(false)
    expect(ev('b >= 2 && c < 3')).toBe(false)
    expect(ev('a > 5 || b <= 2 && c > 2')).toBe(true)
    expect(ev('(a > 5 || b <= 2) && c > 3')).toBe(false)
    expect(ev('a<1.5&&b>-1e3')).toBe(true)
  })

  test('behavior: an unmeasured metric never passes', () => {
    expect(evaluate(parseAssert('x < 10'), () => undefined)).toBe(false)
    expect(evaluate(parseAssert('x != 10'), () => undefined)).toBe(false)
  })

  test.each([
    ['', /empty/],
    ['failed = 0', /use "=="/],
    ['failed ==', /expected a number/],
    ['== 0', /expected a metric name/],
    ['failed == 0 &&', /expected a metric name/],
    ['failed == 0 extra', /expected "&&", "\|\|" or the end/],
    ['(failed == 0', /expected "\)"/],
    ['failed == 0; rm -rf /', /unexpected ";"/],
    ['process.exit(1) == 0', /expected a comparison/],
  ])('error: %j is a syntax error', (expr, message) => {
    expect(() => parseAssert(expr)).toThrow(AssertSyntaxError)
    expect(() => parseAssert(expr)).toThrow(message)
  })
})

describe('assert metrics over the summary', () => {
  test('behavior: every documented metric reads its summary field', () => {
    const a = parseAssertions([
      'failed == 0',
      'p99_inclusion_ms < 3000',
      'included_tps >= 90',
      'reverted_ratio <= 0.05',
      'errors.NONCE_TOO_LOW == 2',
      'errors.UNDERPRICED == 0',
      'p99_send_ms <= 3',
      'gas_used == 2100000',
    ])
    const r = evaluateAssertions(a, summary())
    expect(r.results.map((x) => [x.expr, x.passed])).toEqual(a.map((x) => [x.expr, true]))
    expect(r.passed).toBe(true)
    expect(r.results[3]!.checks[0]).toEqual({ metric: 'reverted_ratio', op: '<=', expected: 0.05, measured: 0.05, passed: true })
  })

  test('behavior: a stopped run: failed == 0 holds with specs not sent and txs pending at the stop, which have metrics of their own', () => {
    const stopped = summary({ failed: 0, not_sent: 258, errors: {}, timed_out: 0, pending_at_stop: 40 })
    const r = evaluateAssertions(parseAssertions(['failed == 0', 'failed_ratio == 0', 'timed_out == 0', 'not_sent == 258', 'pending_at_stop == 40']), stopped)
    expect(r.results.map((x) => [x.expr, x.passed])).toEqual([['failed == 0', true], ['failed_ratio == 0', true], ['timed_out == 0', true], ['not_sent == 258', true], ['pending_at_stop == 40', true]])
  })

  test('behavior: a miss is in the result and the table shows expected vs measured', () => {
    const r = evaluateAssertions(parseAssertions(['p99_inclusion_ms < 1000', 'failed == 0']), summary())
    expect(r.passed).toBe(false)
    const table = formatAssertTable(r)
    expect(table).toContain('1 of 2 assertions missed')
    expect(table).toMatch(/p99_inclusion_ms < 1000\s+p99_inclusion_ms\s+< 1000\s+2500\s+MISS/)
    expect(table).toMatch(/failed == 0\s+failed\s+== 0\s+0\s+ok/)
  })

  test('behavior: latency with no sample and ratios over zero are n/a and fail', () => {
    const r = evaluateAssertions(parseAssertions(['p99_inclusion_ms < 1000000', 'reverted_ratio <= 1']), summary({ included: 0, reverted: 0 }))
    expect(r.results.every((x) => !x.passed)).toBe(true)
    expect(r.results[0]!.checks[0]!.measured).toBeNull()
    expect(formatAssertTable(r)).toContain('n/a')
  })

  test('error: an unknown metric is a usage error naming the known ones', () => {
    expect(() => parseAssertions(['p99_latency < 5'])).toThrow(UsageError)
    expect(() => parseAssertions(['p99_latency < 5'])).toThrow(/unknown metric "p99_latency".*known: .*p99_inclusion_ms/)
    expect(() => parseAssertions(['failed =! 0'])).toThrow(UsageError)
  })

  test('behavior: the inclusion metrics are available because the summary schema has receipt fields', () => {
    expect(availableMetrics()).toEqual(expect.arrayContaining(['included', 'reverted', 'included_tps', 'p99_inclusion_ms', 'reverted_ratio', 'failed', 'p99_send_ms']))
  })
})
