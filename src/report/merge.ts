/** Several event logs (a sharded run's, or any runs') → one report over their union, with a row per log or shard. */
import type { FloodgateEvent } from '../events/types.js'
import { EndpointStats } from './endpoints.js'
import { linesOf, parseEventLine, ReportBuilder, type PartRow, type Report } from './analyze.js'
import { sumFunding } from './economics.js'
import { loggedDiffs } from './loggedDiffs.js'

/** One log to merge: its name in the report, and a way to read it (called twice for a file: once to find its first send). */
export interface LogInput {
  name: string
  open: () => AsyncIterable<Buffer | string>
}

/** The start of the first `tx_result` of a log (read only as far as it). */
async function firstSendStart(input: AsyncIterable<Buffer | string>): Promise<number | undefined> {
  for await (const lines of linesOf(input)) {
    for (const line of lines) {
      if (!line.includes('"tx_result"')) continue
      const e = parseEventLine(line)
      if (e && e !== 'blank' && e.type === 'tx_result') return e.start_timestamp_ms
    }
  }
  return undefined
}

const shardOf = (e: FloodgateEvent): string | undefined => {
  const s = (e as { shard?: unknown }).shard
  return typeof s === 'string' ? s : undefined
}

/**
 * Merges logs: the totals, rates over the union's time span (first send of any log to the
 * last result or receipt of any) and latency percentiles recomputed from all their events
 * (never averaged percentiles); plus each log's own figures, one row per log, or per shard
 * when a log holds several shards' events (concatenated). With one log and one shard, the
 * report is exactly `buildReport`'s.
 */
export async function mergeReports(logs: readonly LogInput[]): Promise<Report> {
  let t0: number | undefined
  if (logs.length > 1) {
    for (const log of logs) {
      const s = await firstSendStart(log.open())
      if (s !== undefined) t0 = Math.min(t0 ?? s, s)
    }
  }
  const all = new ReportBuilder(t0)
  const endpoints = new EndpointStats()
  const parts = new Map<string, { builder: ReportBuilder; name: string; shard?: string; n: number }>()
  const partOf = (log: LogInput, shard: string | undefined) => {
    const key = `${log.name}\0${shard ?? ''}`
    let p = parts.get(key)
    if (!p) {
      p = { builder: new ReportBuilder(), name: log.name, ...(shard !== undefined ? { shard } : {}), n: parts.size }
      parts.set(key, p)
    }
    return p
  }
  for (const log of logs) {
    let last = partOf(log, undefined)
    for await (const lines of linesOf(log.open())) {
      for (const line of lines) {
        const e = parseEventLine(line)
        if (e === 'blank') continue
        if (e === undefined) {
          all.notEvent()
          last.builder.notEvent()
          continue
        }
        const shard = shardOf(e)
        if (shard !== undefined || last.shard !== undefined) last = partOf(log, shard)
        all.event(e, last.n)
        endpoints.observe(e, last.n)
        last.builder.event(e)
      }
    }
  }
  const report = all.finish()
  const rows = [...parts.values()].map((p) => ({ p, r: p.builder.finish() })).filter(({ r }) => r.events + r.ignored > 0)
  if (rows.length > 1) {
    report.parts = rows.map(({ p, r }) => partRow(p.name, p.shard, r))
    const funding = sumFunding(rows.map(({ r }) => r.figures.funding))
    if (funding) report.figures.funding = funding
  }
  const byEndpoint = endpoints.rows()
  if (byEndpoint) report.endpoints = byEndpoint
  return report
}

function partRow(name: string, shard: string | undefined, r: Report): PartRow {
  const f = r.figures
  const differs = r.logged !== undefined && loggedDiffs(r.logged, f).length > 0
  return { name, ...(shard !== undefined ? { shard } : {}), figures: f, ...(differs ? { differs } : {}) }
}
