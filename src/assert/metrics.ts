/** The metrics `--assert` can name (views of summary fields), and checking assertions against a summary. */
import { EVENT_SCHEMA } from '../events/schema.js'
import type { SummaryEvent } from '../events/types.js'
import { UsageError } from '../base/errors.js'
import { type AssertNode, AssertSyntaxError, comparisons, compare, evaluate, parseAssert } from './expr.js'

type Summary = Omit<SummaryEvent, 'version'>

/**
 * The names `--assert` knows, each a view of summary fields. A metric is available only when
 * every summary field it reads is in the summary schema (`EVENT_SCHEMA.summary`), so the
 * inclusion metrics light up by themselves once the summary carries receipt figures, and an
 * expression naming a figure this build does not report is a usage error before anything is sent.
 */
interface MetricDef {
  /** Summary fields it reads. */
  sources: readonly string[]
  help: string
  /** undefined: not measurable in this run (e.g. a latency with no sample). */
  get(s: Record<string, unknown>): number | undefined
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined)
const field = (name: string, help: string): [string, MetricDef] => [name, { sources: [name], help, get: (s) => num(s[name]) }]

function latency(prefix: 'send' | 'inclusion', source: string, countField: string): [string, MetricDef][] {
  return (['p50', 'p90', 'p99', 'max'] as const).map((q) => [
    `${q}_${prefix}_ms`,
    {
      sources: [source, countField],
      help: `${q} of ${source} (ms)`,
      get: (s) => {
        if (!num(s[countField])) return undefined // no sample: no latency to compare
        return num((s[source] as Record<string, unknown> | undefined)?.[q])
      },
    },
  ])
}

function ratio(name: string, num_: string, den: readonly string[], help: string): [string, MetricDef] {
  return [
    name,
    {
      sources: [num_, ...den],
      help,
      get: (s) => {
        const d = den.reduce((t, f) => t + (num(s[f]) ?? 0), 0)
        return d > 0 ? (num(s[num_]) ?? 0) / d : undefined
      },
    },
  ]
}

export const METRICS: ReadonlyMap<string, MetricDef> = new Map<string, MetricDef>([
  field('sent', 'specs the node accepted'),
  field('failed', 'specs that ended in an error'),
  field('not_sent', 'specs the run stopped before sending (not failures)'),
  field('invalid', 'input lines that were not valid specs'),
  field('duration_ms', 'run duration (ms)'),
  field('tps', 'accepted sends per second'),
  field('backpressure_episodes', 'backpressure events'),
  field('worker_panics', 'worker_panic events'),
  ...latency('send', 'send_latency_ms', 'sent'),
  ratio('failed_ratio', 'failed', ['sent', 'failed'], 'failed / (sent + failed)'),
  field('included', 'sent txs with a receipt'),
  field('reverted', 'included txs that reverted'),
  field('timed_out', 'sent txs without a receipt in time'),
  field('pending_at_stop', 'sent txs still pending when the run stopped'),
  field('included_tps', 'included txs per second'),
  field('gas_used', 'gas used by the included txs'),
  ...latency('inclusion', 'inclusion_latency_ms', 'included'),
  ratio('reverted_ratio', 'reverted', ['included'], 'reverted / included'),
  ratio('timed_out_ratio', 'timed_out', ['sent'], 'timed_out / sent'),
  ratio('included_ratio', 'included', ['sent'], 'included / sent'),
])

/** `errors.CODE`: the count of that error code in `summary.errors` (0 when absent). */
const ERRORS_PREFIX = 'errors.'

function summaryFields(): ReadonlySet<string> {
  return new Set(Object.keys(EVENT_SCHEMA.summary ?? {}))
}

/** Metric names this build can measure, for help texts and error messages. */
export function availableMetrics(): string[] {
  const have = summaryFields()
  return [...METRICS].filter(([, d]) => d.sources.every((s) => have.has(s))).map(([n]) => n)
}

function lookup(summary: Record<string, unknown>, metric: string): number | undefined {
  if (metric.startsWith(ERRORS_PREFIX)) {
    const errors = summary.errors as Record<string, unknown> | undefined
    return num(errors?.[metric.slice(ERRORS_PREFIX.length)]) ?? 0
  }
  return METRICS.get(metric)?.get(summary)
}

export interface Assertion {
  expr: string
  tree: AssertNode
}

/**
 * Parses `--assert` values. Throws a UsageError (exit 2, before anything is sent) for a
 * syntax error or a metric this build does not measure.
 */
export function parseAssertions(exprs: readonly string[], flag = '--assert'): Assertion[] {
  const have = summaryFields()
  return exprs.map((expr) => {
    let tree: AssertNode
    try {
      tree = parseAssert(expr)
    } catch (err) {
      if (err instanceof AssertSyntaxError) throw new UsageError(`${flag} ${JSON.stringify(expr)}: ${err.message}`)
      throw err
    }
    for (const c of comparisons(tree)) {
      if (c.metric.startsWith(ERRORS_PREFIX) && have.has('errors')) continue
      const def = METRICS.get(c.metric)
      const missing = def?.sources.filter((s) => !have.has(s)) ?? []
      if (def === undefined || missing.length > 0) {
        const why = def === undefined ? '' : ` (it needs the summary field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which this floodgate does not report)`
        throw new UsageError(`${flag} ${JSON.stringify(expr)}: unknown metric "${c.metric}"${why}; known: ${availableMetrics().join(', ')}, errors.<CODE>`)
      }
    }
    return { expr, tree }
  })
}

export interface CheckResult {
  metric: string
  op: string
  expected: number
  /** null: not measured in this run (e.g. no receipts, so no inclusion latency). */
  measured: number | null
  passed: boolean
}

export interface AssertResult {
  expr: string
  passed: boolean
  checks: CheckResult[]
}

/** The `asserts` object of the summary. */
export interface AssertSummary {
  passed: boolean
  results: AssertResult[]
}

const round = (n: number) => Math.round(n * 1e6) / 1e6

export function evaluateAssertions(assertions: readonly Assertion[], summary: Summary): AssertSummary {
  const s = summary as unknown as Record<string, unknown>
  const results = assertions.map(({ expr, tree }) => ({
    expr,
    passed: evaluate(tree, (m) => lookup(s, m)),
    checks: comparisons(tree).map((c) => {
      const m = lookup(s, c.metric)
      return {
        metric: c.metric,
        op: c.op,
        expected: c.value,
        measured: m === undefined ? null : round(m),
        passed: m !== undefined && compare(m, c.op, c.value),
      }
    }),
  }))
  return { passed: results.every((r) => r.passed), results }
}

/** A plain-text table of every check: what was expected and what was measured. */
export function formatAssertTable(a: AssertSummary): string {
  const rows: string[][] = [['assertion', 'metric', 'expected', 'measured', 'result']]
  for (const r of a.results) {
    r.checks.forEach((c, i) => {
      rows.push([i === 0 ? r.expr : '', c.metric, `${c.op} ${c.expected}`, c.measured === null ? 'n/a' : String(c.measured), c.passed ? 'ok' : 'MISS'])
    })
    if (r.checks.length > 1) rows.push(['', '(whole expression)', '', '', r.passed ? 'ok' : 'MISS'])
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)))
  const line = (row: string[]) => row.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd()
  const missed = a.results.filter((r) => !r.passed).length
  const head = missed === 0 ? `all ${a.results.length} assertions passed` : `${missed} of ${a.results.length} assertions missed`
  return [head, line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n') + '\n'
}
