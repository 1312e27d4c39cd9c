import type { LatencySummary } from '../events/types.js'
import type { PartRow, Report } from './analyze.js'
import { economicsRows } from './economics.js'
import type { EndpointRow } from './endpoints.js'
import { loggedDiffs } from './loggedDiffs.js'

/** Right-aligns every column but the first; columns separated by two spaces. */
export function formatTable(rows: (string | number)[][], indent = '  '): string {
  const cells = rows.map((r) => r.map(String))
  const widths: number[] = []
  for (const r of cells) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)))
  return cells
    .map((r) => indent + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd())
    .join('\n')
}

const int = (n: number): string => n.toLocaleString('en-US')
const num = (n: number, digits = 2): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const ms = (n: number): string => (n >= 100 ? num(n, 0) : n >= 10 ? num(n, 1) : num(n, 2))
const lat = (l: LatencySummary): string[] => [ms(l.p50), ms(l.p90), ms(l.p99), ms(l.p99_9), ms(l.max)]

/**
 * The plain-text report: throughput, latencies, errors by code, position, stages, per kind, the
 * chain, funds, RPC calls, parts, endpoints. `rpcMethods: false` (the end-of-run table): the RPC
 * calls in one line, without the table per method.
 */
export function reportTable(r: Report, source: string, o: { rpcMethods?: boolean } = {}): string {
  const tracked = r.figures.included + r.figures.timed_out + r.figures.pending_at_stop > 0
  const out = [
    ...headerLines(r, source),
    ...throughputLines(r, tracked),
    ...latencyLines(r.figures, tracked),
    ...errorLines(r.figures),
    ...positionLines(r),
    ...stageLines(r, tracked),
    ...kindLines(r.figures, tracked),
    ...chainLines(r),
    ...fundsLines(r),
    ...rpcLines(r, o.rpcMethods ?? true),
  ]
  if (r.parts) out.push('', ...partsTable(r.parts, tracked))
  if (r.endpoints) out.push('', ...endpointsTable(r.endpoints, tracked))
  // names come from the log (kinds, stages, error codes, endpoints, the file name): no terminal
  // escape sequence or other control character of theirs reaches the terminal
  return `${out.join('\n').replace(CONTROL, '')}\n`
}

/** C0 and C1 control characters but the newline (ESC among them, so no escape sequence survives). */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g

type Figures = Report['figures']

/** The source, when and how the run went, and whether the log's own summary agrees. */
function headerLines(r: Report, source: string): string[] {
  const f = r.figures
  const out: string[] = []
  const when = r.startedAt !== undefined ? new Date(r.startedAt).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'no sends'
  out.push(`floodgate report: ${source}${r.parts ? ` (${r.parts.length} ${r.parts.some((p) => p.shard !== undefined) ? 'shards' : 'logs'} merged)` : ''}`)
  out.push(`  ${int(r.events)} events · run started ${when} · ${num(f.duration_ms / 1000, 1)} s · ended by ${f.reason}${r.ignored ? ` · ${int(r.ignored)} non-event lines ignored` : ''}`)
  if (r.logged) {
    const diffs = loggedDiffs(r.logged, f)
    if (diffs.length) out.push(`  note: the log's summary differs from its events on ${diffs.join(', ')} (truncated or concatenated log?)`)
  } else if (!r.parts) out.push('  note: the log has no summary line (the run was cut short, or this is part of a log)')
  out.push('')
  return out
}

/** The counts and rates table, and the pacing line of a paced run. */
function throughputLines(r: Report, tracked: boolean): string[] {
  const f = r.figures
  const tp: (string | number)[][] = [
    ['', 'txs', 'tx/s'],
    ['sent', int(f.sent), num(f.tps)],
    ['failed', int(f.failed), ''],
  ]
  // a stop (--duration, a signal) leaves specs unsent and txs pending: neither is a failure
  if (f.not_sent > 0) tp.push(['not sent (run stopped)', int(f.not_sent), ''])
  tp.push(['invalid lines', int(f.invalid), ''])
  if (tracked) {
    tp.push(['included', int(f.included), num(f.included_tps)])
    tp.push(['  of which reverted', int(f.reverted), ''])
    tp.push(['timed out', int(f.timed_out), ''])
    if (f.pending_at_stop > 0) tp.push(['pending at stop', int(f.pending_at_stop), ''])
    tp.push(['gas used', BigInt(f.gas_used).toLocaleString('en-US'), ''])
  } else tp.push(['included', 'not tracked (--no-receipts or --dry-run)', ''])
  const out = ['throughput', formatTable(tp)]
  const pacing = r.logged?.pacing
  if (pacing) {
    out.push(`  paced at ${int(pacing.target_tps)} tx/s: ${int(pacing.late_slots)} sends started > 10 ms after their slot (worst ${ms(pacing.max_lag_ms)} ms), ${int(pacing.missed_slots)} slots missed`)
  }
  out.push('')
  return out
}

function latencyLines(f: Figures, tracked: boolean): string[] {
  const lt: (string | number)[][] = [['', 'p50', 'p90', 'p99', 'p99.9', 'max', 'count']]
  lt.push(['send (start → accepted)', ...lat(f.send_latency_ms), int(f.sent)])
  if (tracked) lt.push(['inclusion (start → block seen)', ...lat(f.inclusion_latency_ms), int(f.included)])
  // paced runs: the same from each tx's intended send time, which a stall cannot hide (docs/events.md)
  if (f.scheduled_send_latency_ms) lt.push(['send from schedule (due → accepted)', ...lat(f.scheduled_send_latency_ms), int(f.sent)])
  if (tracked && f.scheduled_inclusion_latency_ms) lt.push(['inclusion from schedule (due → block seen)', ...lat(f.scheduled_inclusion_latency_ms), int(f.included)])
  return ['latency (ms)', formatTable(lt), '']
}

function errorLines(f: Figures): string[] {
  const errs = Object.entries(f.errors).sort((a, b) => b[1] - a[1])
  return ['errors by code', errs.length ? formatTable(errs.map(([code, n]) => [code, int(n)])) : '  none', '']
}

/** Where our txs landed in their blocks, when the receipts say. */
function positionLines(r: Report): string[] {
  const pos = r.positions
  if (!pos) return []
  const shares = pos.blocks > 0 ? `; our share of the ${int(pos.blocks)} blocks holding ours: ${num(pos.share.overall, 1)} % overall, p50 ${num(pos.share.p50, 1)} % (${num(pos.share.min, 1)}-${num(pos.share.max, 1)} %)` : ''
  return ['position in the block', `  tx_index p50 ${int(pos.index.p50)}, p90 ${int(pos.index.p90)}, max ${int(pos.index.max)}; first in its block: ${num(pos.first_pct, 1)} % of ${int(pos.txs)}${shares}`, '']
}

/** One row per stage, when the events name stages. */
function stageLines(r: Report, tracked: boolean): string[] {
  if (r.stages.length === 0) return []
  const st: (string | number)[][] = [['stage', 'target', 'sent', 'tx/s', 'failed', 'included', 'send p99', 'sched send p99', 'incl p50', 'incl p99', 'mix (% of sent)']]
  for (const g of r.stages) {
    const mix = Object.entries(g.shares).map(([k, pct]) => `${k} ${num(pct, 1)}`).join(', ')
    st.push([g.name, g.target ?? '-', int(g.sent), num(g.tps), int(g.failed), tracked ? int(g.included) : '-', ms(g.send_latency_ms.p99), ms(g.scheduled_send_latency_ms.p99), tracked ? ms(g.inclusion_latency_ms.p50) : '-', tracked ? ms(g.inclusion_latency_ms.p99) : '-', mix || '-'])
  }
  return ['stages', formatTable(st), '']
}

/** One row per kind, most sends first. */
function kindLines(f: Figures, tracked: boolean): string[] {
  const kt: (string | number)[][] = [['kind', 'sent', 'failed', 'included', 'reverted', 'timed out', 'send p50', 'send p99', 'incl p50', 'incl p99', 'gas used']]
  for (const [kind, k] of Object.entries(f.by_kind).sort((a, b) => b[1].sent + b[1].failed - (a[1].sent + a[1].failed))) {
    kt.push([
      kind,
      int(k.sent),
      int(k.failed),
      tracked ? int(k.included) : '-',
      tracked ? int(k.reverted) : '-',
      tracked ? int(k.timed_out) : '-',
      ms(k.send_latency_ms.p50),
      ms(k.send_latency_ms.p99),
      tracked ? ms(k.inclusion_latency_ms.p50) : '-',
      tracked ? ms(k.inclusion_latency_ms.p99) : '-',
      BigInt(k.gas_used).toLocaleString('en-US'),
    ])
  }
  return ['by kind', kt.length > 1 ? formatTable(kt) : '  none']
}

/** Each merged log's (or shard's) own figures, side by side. */
function partsTable(parts: readonly PartRow[], tracked: boolean): string[] {
  const sharded = parts.some((p) => p.shard !== undefined)
  const rows: (string | number)[][] = [[sharded ? 'shard' : 'log', 'sent', 'failed', 'invalid', 'included', 'timed out', 'tx/s', 'incl tx/s', 'send p50', 'send p99', 'incl p50', 'incl p99', 'errors']]
  for (const p of parts) {
    const f = p.figures
    rows.push([
      `${p.shard !== undefined ? `${p.shard} ` : ''}${p.name}${p.differs ? ' (*)' : ''}`,
      int(f.sent),
      int(f.failed),
      int(f.invalid),
      tracked ? int(f.included) : '-',
      tracked ? int(f.timed_out) : '-',
      num(f.tps),
      tracked ? num(f.included_tps) : '-',
      ms(f.send_latency_ms.p50),
      ms(f.send_latency_ms.p99),
      tracked ? ms(f.inclusion_latency_ms.p50) : '-',
      tracked ? ms(f.inclusion_latency_ms.p99) : '-',
      errorCounts(f.errors),
    ])
  }
  const out = [sharded ? 'by shard' : 'by log', formatTable(rows)]
  if (parts.some((p) => p.differs)) out.push("  (*) that log's summary differs from its events (truncated or concatenated log?)")
  return out
}

/** The endpoints side by side: what each sent, how fast, how it failed. */
function endpointsTable(rows: readonly EndpointRow[], tracked: boolean): string[] {
  const t: (string | number)[][] = [['endpoint', 'sent', 'failed', 'included', 'send p50', 'send p90', 'send p99', 'incl p50', 'incl p90', 'incl p99', 'errors']]
  for (const e of rows) {
    t.push([
      e.endpoint,
      int(e.sent),
      int(e.failed),
      tracked ? int(e.included) : '-',
      ms(e.send_latency_ms.p50),
      ms(e.send_latency_ms.p90),
      ms(e.send_latency_ms.p99),
      tracked ? ms(e.inclusion_latency_ms.p50) : '-',
      tracked ? ms(e.inclusion_latency_ms.p90) : '-',
      tracked ? ms(e.inclusion_latency_ms.p99) : '-',
      errorCounts(e.errors),
    ])
  }
  return ['by endpoint (latency in ms)', formatTable(t)]
}

/** `CODE n, CODE n` by count, or '-'. */
export const errorCounts = (errors: Record<string, number>): string =>
  Object.entries(errors)
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c} ${int(n)}`)
    .join(', ') || '-'

/** What the run cost and what paid for it: the pool's spend, the funder's part, the base fee's course. */
function fundsLines(r: Report): string[] {
  const rows = economicsRows(r.figures)
  const width = Math.max(0, ...rows.map(([label]) => label.length))
  return rows.length ? ['', 'funds and fees', ...rows.map(([label, text]) => `  ${label.padEnd(width)}  ${text}`)] : []
}

/** The chain's side: capacity found, saturation, blocks, base fee, backlog, replacements, timeouts by cause. */
function chainLines(r: Report): string[] {
  const c = r.chain
  if (!c) return []
  const gwei = (g: number | null) => (g === null ? '-' : `${num(g, g < 10 ? 3 : 1)} gwei`)
  const out = ['', 'chain']
  if (c.capacity) out.push(`  capacity found: ${num(c.capacity.tps)} tx/s of ours, ${int(c.capacity.gas_per_s)} gas/s`)
  if (c.saturation) out.push(`  saturated: ${int(c.saturation.episodes)} episode(s), ${num(c.saturation.saturated_ms / 1000, 1)} s in all`)
  const rows: (string | number)[][] = [
    ['blocks read', int(c.blocks)],
    ['ours per block (blocks with ours)', num(c.ours_per_block, 1)],
    ['block fullness (mean)', `${num(c.fullness * 100, 1)} %`],
    ['base fee first / max / last', `${gwei(c.base_fee_gwei.first)} / ${gwei(c.base_fee_gwei.max)} / ${gwei(c.base_fee_gwei.last)}`],
    ['backlog, most txs waiting', int(c.max_backlog)],
    ['replaced', `${int(c.replaced.total)}${c.replaced.total ? ` (${Object.entries(c.replaced.by_reason).map(([k, n]) => `${k} ${int(n)}`).join(', ')})` : ''}`],
    ['timed out: dropped by the node', int(c.timeouts.dropped)],
    ['timed out: still pending', int(c.timeouts.pending)],
    ['timed out: held by --max-fee', int(c.timeouts.fee_cap)],
    ['pending at stop (not timed out)', int(c.timeouts.run_stopped)],
    ['nonces filled', int(c.filled)],
  ]
  out.push(formatTable(rows))
  return out
}

/** What watching the chain cost the node: the calls but the sends, per 1,000 txs; then, per method, every call. */
function rpcLines(r: Report, methods: boolean): string[] {
  const c = r.rpc
  if (!c) return []
  const perK = (n: number | undefined) => (n === undefined ? '-' : num(n))
  const out = ['', 'rpc calls', `  RPC calls to watch the chain: ${int(c.watch)} (${c.watchPer1k === undefined ? 'no tx sent' : `${num(c.watchPer1k)} per 1,000 txs`})`]
  if (!methods) return out
  const rows: (string | number)[][] = [['method', 'calls', 'per 1,000 txs'], ...c.methods.map((m) => [m.method, int(m.calls), perK(m.per1k)])]
  rows.push(['all', int(c.total), perK(c.totalPer1k)])
  out.push(formatTable(rows))
  if (c.httpRequests !== undefined) out.push(`  in ${int(c.httpRequests)} HTTP requests (a JSON-RPC batch is one)`)
  return out
}
