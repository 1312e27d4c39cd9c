/** `floodgate report`'s analysis: an event log → figures, a timeline and a latency histogram, in bounded memory. */
import type { FloodgateEvent, SummaryEvent } from '../events/types.js'
import { validateEvent } from '../events/schema.js'
import { LatencyHistogram } from '../metrics/latencyHistogram.js'
import { rate, RunStats } from '../metrics/runStats.js'
import { ChainSideBuilder, type ChainSide } from './chainSide.js'
import { cleanFunding } from './economics.js'
import type { EndpointRow } from './endpoints.js'
import { type StageRow, StageStats } from './stages.js'
import { type Positions, PositionStats } from './positions.js'
import { rpcCostOf, type RpcCost } from './rpcCalls.js'

/** At most this many time buckets: past it, buckets double in width (and pairs merge). */
export const MAX_BUCKETS = 240

/** Log-spaced latency bins: 10 per decade, 0.01 ms … 1000 s. */
const BIN_FIRST = -20
const BIN_LAST = 60
export const binUpperMs = (i: number): number => 10 ** ((BIN_FIRST + i + 1) / 10)
const binOf = (ms: number): number => Math.min(BIN_LAST - BIN_FIRST - 1, Math.max(0, Math.floor(Math.log10(Math.max(ms, 1e-9)) * 10) - BIN_FIRST))

class Bucket {
  sent = 0
  failed = 0
  included = 0
  // 2 significant digits: plenty for a chart, small (≈12 KiB), and fast to merge
  send = new LatencyHistogram({ digits: 2 })
  inclusion = new LatencyHistogram({ digits: 2 })

  merge(o: Bucket): void {
    this.sent += o.sent
    this.failed += o.failed
    this.included += o.included
    this.send.add(o.send)
    this.inclusion.add(o.inclusion)
  }
}

export interface TimePoint {
  /** Seconds since the first send started. */
  t: number
  sent: number
  failed: number
  included: number
  /** Per second over the bucket. */
  tps: number
  included_tps: number
  /** Of the txs sent in this bucket; null when none. */
  send_p50: number | null
  send_p99: number | null
  inclusion_p50: number | null
  inclusion_p99: number | null
}

export interface HistogramBin {
  upper_ms: number
  send: number
  inclusion: number
}

export interface Report {
  /** Recomputed from the events (same code as the run's own summary). */
  figures: Omit<SummaryEvent, 'version'>
  /** The run's own summary line, when the log has one. */
  logged?: Omit<SummaryEvent, 'version'>
  events: number
  /** Lines that were not events (blank lines are not counted). */
  ignored: number
  /** ms since epoch of the first send start, if any. */
  startedAt?: number
  bucketMs: number
  timeline: TimePoint[]
  histogram: HistogramBin[]
  progress: number
  /** The chain's side (blocks, replacements, timeouts by cause, saturation), when the log has it. */
  chain?: ChainSide
  /** One row per log (or per shard) when several were merged (`src/report/merge.ts`). */
  parts?: PartRow[]
  /** One row per endpoint when the events name them (`--rpc-url` more than once). */
  endpoints?: EndpointRow[]
  /** Per stage, when the events name stages (`--stage`, campaigns). */
  stages: StageRow[]
  /** Where our txs landed in their blocks, when the receipts say (`tx_index`). */
  positions: Positions | null
  /** The run's JSON-RPC calls per method, from its summary (one log with its summary). */
  rpc?: RpcCost
}

/** One merged log's (or shard's) own figures. */
export interface PartRow {
  name: string
  /** The `shard` its events carry ("i/n"), when sharded. */
  shard?: string
  figures: Omit<SummaryEvent, 'version'>
  /** Its summary's counts differ from its events' (a truncated or concatenated log). */
  differs?: boolean
}

/**
 * One line of a log as an event, or undefined when it is not one. A log is input like any other
 * (it may be truncated, concatenated or tampered with): a line counts as an event only when its
 * fields have the types the schema gives (events.md), so every figure and every page built from it
 * is made of checked numbers and strings. Fields the schema does not know are let through, and
 * missing ones are the readers' to handle (a log of another floodgate version).
 */
export function parseEventLine(text: string): FloodgateEvent | 'blank' | undefined {
  const t = text.trim()
  if (!t) return 'blank'
  try {
    const e: unknown = JSON.parse(t)
    return validateEvent(e, { lenient: true }).length === 0 ? (e as FloodgateEvent) : undefined
  } catch {
    return undefined
  }
}

/** Keys of a tx across several logs: the log's number and the idx (disjoint when logs number < 2^21). */
const txKey = (part: number, idx: number): number => part * 2 ** 32 + idx

/**
 * Reads an event log (the stdout of `floodgate send`) and recomputes everything the
 * report shows. Memory is bounded: ≤ MAX_BUCKETS time buckets, fixed histogram bins,
 * and the send start of txs not yet resolved (to place their inclusion in time).
 */
export class ReportBuilder {
  private readonly stats: RunStats
  private readonly stages = new StageStats()
  private readonly positions = new PositionStats()
  private clock = 0
  private logged?: Omit<SummaryEvent, 'version'>
  private summaries = 0
  private readonly reasons = new Set<string>()
  private events = 0
  private ignored = 0
  private progress = 0
  private t0: number | undefined
  /** The earliest send start seen: results come out in completion order, so the first one written need not be it. */
  private firstStart: number | undefined
  private bucketMs = 1_000
  private buckets = new Map<number, Bucket>()
  private readonly startOf = new Map<number, number>()
  private readonly bins = Array.from({ length: BIN_LAST - BIN_FIRST }, () => ({ send: 0, inclusion: 0 }))
  private lastResultAt: number | undefined
  private lastReceiptAt: number | undefined
  private readonly chain = new ChainSideBuilder()

  /** `t0`: the first send start, when known beforehand (several logs: the earliest of them). */
  constructor(t0?: number) {
    this.stats = new RunStats(() => this.clock)
    this.t0 = t0
  }

  /** One line of the log. */
  line(text: string): void {
    const e = parseEventLine(text)
    if (e === 'blank') return
    if (e === undefined) this.ignored++
    else this.event(e)
  }

  /** A line that was not an event (counted). */
  notEvent(): void {
    this.ignored++
  }

  /** `part`: which log the event came from, when several are merged (their idx may overlap). */
  event(e: FloodgateEvent, part = 0): void {
    this.events++
    switch (e.type) {
      case 'tx_result': {
        // a spec not sent (the run stopped first) has no send to place in time
        if (e.status === 'not_sent') break
        const end = e.start_timestamp_ms + e.send_ms
        this.t0 ??= e.start_timestamp_ms
        this.firstStart = Math.min(this.firstStart ?? e.start_timestamp_ms, e.start_timestamp_ms)
        this.clock = end
        this.lastResultAt = Math.max(this.lastResultAt ?? end, end)
        const b = this.bucket(e.start_timestamp_ms)
        if (e.error_code) b.failed++
        else {
          b.sent++
          b.send.recordMs(e.send_ms)
          this.bins[binOf(e.send_ms)]!.send++
          this.startOf.set(txKey(part, e.idx), e.start_timestamp_ms)
        }
        break
      }
      case 'tx_receipt': {
        const key = txKey(part, e.idx)
        const start = this.startOf.get(key)
        this.startOf.delete(key)
        if (start !== undefined) {
          const seen = start + e.inclusion_ms
          this.clock = seen
          this.lastReceiptAt = Math.max(this.lastReceiptAt ?? seen, seen)
          this.bucket(seen).included++
          this.bucket(start).inclusion.recordMs(e.inclusion_ms)
        }
        this.bins[binOf(e.inclusion_ms)]!.inclusion++
        break
      }
      case 'tx_timeout':
        this.startOf.delete(txKey(part, e.idx))
        break
      case 'progress':
        this.progress++
        break
      case 'summary': {
        const { version: _v, ...rest } = e
        this.logged = rest
        this.summaries++
        this.reasons.add(e.reason)
        break
      }
      default:
        break
    }
    this.stats.observe(e)
    this.chain.observe(e)
    this.stages.observe(e)
    this.positions.observe(e)
  }

  finish(): Report {
    // several summaries (merged or concatenated logs): the figures come from the events alone,
    // over the union's time span, and no one summary stands for the whole
    if (this.summaries > 1) this.logged = undefined
    const reason = this.summaries > 1 ? [...this.reasons].join(', ') : (this.logged?.reason ?? 'unknown (the log has no summary)')
    const figures = this.stats.summary(reason)
    const t0 = this.t0 === undefined ? undefined : Math.min(this.t0, this.firstStart ?? this.t0)
    if (t0 !== undefined) {
      figures.tps = this.lastResultAt !== undefined ? rate(figures.sent, this.lastResultAt - t0) : 0
      figures.included_tps = this.lastReceiptAt !== undefined ? rate(figures.included, this.lastReceiptAt - t0) : 0
      figures.duration_ms = Math.round(Math.max(this.lastResultAt ?? t0, this.lastReceiptAt ?? t0) - t0)
    } else {
      figures.tps = 0
      figures.included_tps = 0
      figures.duration_ms = 0
    }
    // the run's own clock knows when dispatch started (the events only know the first send),
    // so its duration and rates win when the log has its summary; counts and latencies are
    // always the events' (the table says when they differ from the summary's)
    if (this.logged) {
      figures.duration_ms = this.logged.duration_ms
      figures.tps = this.logged.tps
      if (typeof this.logged.included_tps === 'number') figures.included_tps = this.logged.included_tps
      // what the funder sent is not in the events: the run's summary says it (checked, a log can be tampered with)
      const funding = cleanFunding(this.logged.funding)
      if (funding) figures.funding = funding
    }
    const chain = this.chain.finish()
    const rpc = this.logged ? rpcCostOf(this.logged) : undefined
    return {
      figures,
      ...(this.logged ? { logged: this.logged } : {}),
      events: this.events,
      ignored: this.ignored,
      ...(t0 !== undefined ? { startedAt: t0 } : {}),
      bucketMs: this.bucketMs,
      timeline: this.timeline(),
      histogram: this.histogram(),
      progress: this.progress,
      ...(chain ? { chain } : {}),
      stages: this.stages.finish(this.logged?.pacing),
      positions: this.positions.finish(),
      ...(rpc ? { rpc } : {}),
    }
  }

  private bucket(ms: number): Bucket {
    const t0 = this.t0 ?? ms
    const i = Math.max(0, Math.floor((ms - t0) / this.bucketMs))
    let b = this.buckets.get(i)
    if (!b) {
      if (i >= MAX_BUCKETS) {
        this.coarsen()
        return this.bucket(ms)
      }
      b = new Bucket()
      this.buckets.set(i, b)
    }
    return b
  }

  /** Doubles the bucket width, merging pairs. */
  private coarsen(): void {
    const merged = new Map<number, Bucket>()
    for (const [i, b] of this.buckets) {
      const j = Math.floor(i / 2)
      const into = merged.get(j)
      if (into) into.merge(b)
      else merged.set(j, b)
    }
    this.buckets = merged
    this.bucketMs *= 2
  }

  private timeline(): TimePoint[] {
    if (this.buckets.size === 0) return []
    const last = Math.max(...this.buckets.keys())
    const out: TimePoint[] = []
    const perS = 1000 / this.bucketMs
    const empty = new Bucket()
    for (let i = 0; i <= last; i++) {
      const b = this.buckets.get(i) ?? empty
      out.push({
        t: (i * this.bucketMs) / 1000,
        sent: b.sent,
        failed: b.failed,
        included: b.included,
        tps: Math.round(b.sent * perS * 100) / 100,
        included_tps: Math.round(b.included * perS * 100) / 100,
        send_p50: b.send.count ? b.send.percentileMs(50) : null,
        send_p99: b.send.count ? b.send.percentileMs(99) : null,
        inclusion_p50: b.inclusion.count ? b.inclusion.percentileMs(50) : null,
        inclusion_p99: b.inclusion.count ? b.inclusion.percentileMs(99) : null,
      })
    }
    return out
  }

  private histogram(): HistogramBin[] {
    const used = this.bins.map((b, i) => (b.send + b.inclusion > 0 ? i : -1)).filter((i) => i >= 0)
    if (used.length === 0) return []
    const from = used[0]!
    const to = used.at(-1)!
    return this.bins.slice(from, to + 1).map((b, k) => ({ upper_ms: round3(binUpperMs(from + k)), send: b.send, inclusion: b.inclusion }))
  }
}

const round3 = (x: number): number => Number(x.toPrecision(3))

/**
 * Longest log line kept whole (16 MiB, far above any event); a longer one is cut there and counts
 * as a line that is not an event, so a log of one endless line holds at most this much.
 */
export const MAX_REPORT_LINE_CHARS = 16 * 1024 * 1024

/**
 * The lines of a stream of text chunks, an array per chunk (one async step per chunk, not per
 * line). Linear in the input: the unfinished line's pieces are kept apart and joined once, when
 * its newline comes (joining the whole held line onto each chunk was quadratic: a 60 MB line
 * without a newline took 23 s).
 */
export async function* linesOf(input: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  const decoder = new TextDecoder()
  const held: string[] = []
  let heldChars = 0
  const hold = (piece: string) => {
    if (heldChars >= MAX_REPORT_LINE_CHARS) return
    const kept = piece.length > MAX_REPORT_LINE_CHARS - heldChars ? piece.slice(0, MAX_REPORT_LINE_CHARS - heldChars) : piece
    held.push(kept)
    heldChars += kept.length
  }
  const take = (last: string): string => {
    hold(last)
    const line = held.length === 1 ? held[0]! : held.join('')
    held.length = 0
    heldChars = 0
    return line
  }
  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    let nl = text.indexOf('\n')
    if (nl === -1) {
      hold(text)
      continue
    }
    const lines = [take(text.slice(0, nl))]
    for (let from = nl + 1; ; from = nl + 1) {
      nl = text.indexOf('\n', from)
      if (nl === -1) {
        if (from < text.length) hold(text.slice(from))
        break
      }
      lines.push(text.slice(from, nl))
    }
    yield lines
  }
  if (heldChars > 0) yield [take('')]
}

/** Builds a report from an async stream of text chunks (a file or stdin). */
export async function buildReport(input: AsyncIterable<Buffer | string>): Promise<Report> {
  const r = new ReportBuilder()
  for await (const lines of linesOf(input)) for (const line of lines) r.line(line)
  return r.finish()
}
