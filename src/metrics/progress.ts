/** `--report-interval`: progress windows, progress events and the live status line's text. */
import { runwayS, type FundingFigures } from '../accounts/fundingFigures.js'
import type { EventBody, FloodgateEvent, ProgressEvent, WindowLatency } from '../events/types.js'
import { formatDurationS, formatEth, formatFactor, formatGwei } from './formatWei.js'
import { LatencyHistogram } from './latencyHistogram.js'
import { rate, type RunStats } from './runStats.js'
import type { StatusLine } from './statusLine.js'

/** Counts and latencies since the last `take()`: the window of one progress event. */
export class ProgressWindow {
  private sent = 0
  private included = 0
  private send = new LatencyHistogram({ digits: 2 })
  private inclusion = new LatencyHistogram({ digits: 2 })
  private startedAt: number

  constructor(private readonly now: () => number = () => performance.now()) {
    this.startedAt = now()
  }

  observe = (e: FloodgateEvent): void => {
    if (e.type === 'tx_result' && e.error_code === undefined && e.status === undefined) {
      this.sent++
      this.send.recordMs(e.send_ms)
    } else if (e.type === 'tx_receipt') {
      this.included++
      this.inclusion.recordMs(e.inclusion_ms)
    }
  }

  /** The window's figures; starts the next window. */
  take(): { tps: number; included_tps: number; send: WindowLatency; inclusion: WindowLatency; window_ms: number } {
    const now = this.now()
    const ms = now - this.startedAt
    const out = {
      tps: rate(this.sent, ms),
      included_tps: rate(this.included, ms),
      send: { p50: this.send.percentileMs(50), p99: this.send.percentileMs(99) },
      inclusion: { p50: this.inclusion.percentileMs(50), p99: this.inclusion.percentileMs(99) },
      window_ms: Math.round(ms),
    }
    this.sent = 0
    this.included = 0
    this.send = new LatencyHistogram({ digits: 2 })
    this.inclusion = new LatencyHistogram({ digits: 2 })
    this.startedAt = now
    return out
  }
}

export interface ProgressOptions {
  stats: RunStats
  /** Receipt tracking on: `pending` and `included` mean something. */
  receipts: boolean
  /** `progress` events every this many ms; none when undefined. */
  intervalMs?: number
  /** The live line on a TTY stderr, redrawn every `refreshMs` (default 1000). */
  statusLine?: StatusLine
  refreshMs?: number
  /** The run's funding figures now (the live line shows the funder's funds once its runway is short). */
  funding?: () => FundingFigures
}

/** The live line shows the base fee once it has grown this much since the first block of the run. */
export const BASE_FEE_SHOWN_AT = 2
/** The live line shows the funder's funds once they last less than this (seconds) at the pool's spend rate. */
export const RUNWAY_SHOWN_BELOW_S = 600

/**
 * `--report-interval`: `progress` events with run totals and the window's rates and
 * p50/p99; and, when stderr is a terminal, a live status line. Both read only events.
 */
export class ProgressReporter {
  private readonly window = new ProgressWindow()
  private readonly lineWindow = new ProgressWindow()
  private timers: NodeJS.Timeout[] = []

  constructor(private readonly o: ProgressOptions) {}

  /** The reporter's view of the run's events. */
  observe = (e: FloodgateEvent): void => {
    if (this.o.intervalMs !== undefined) this.window.observe(e)
    if (this.o.statusLine) this.lineWindow.observe(e)
  }

  /** Starts the progress events (written to `emit`) and the status line. */
  start(emit: (e: EventBody) => void): void {
    if (this.o.intervalMs !== undefined && this.o.intervalMs > 0) {
      this.timers.push(setInterval(() => emit(this.progress()), this.o.intervalMs))
    }
    if (this.o.statusLine) {
      this.timers.push(setInterval(() => this.drawLine(), this.o.refreshMs ?? 1_000))
      this.drawLine()
    }
    for (const t of this.timers) t.unref()
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    this.o.statusLine?.done()
  }

  /** One progress event for the window that ends now. */
  progress(): Omit<ProgressEvent, 'version'> {
    const s = this.o.stats
    const w = this.window.take()
    return {
      type: 'progress',
      sent: s.sent,
      failed: s.failed,
      included: s.included,
      pending: this.o.receipts ? s.pending : 0,
      tps: w.tps,
      included_tps: w.included_tps,
      send_latency_ms: w.send,
      inclusion_latency_ms: w.inclusion,
      window_ms: w.window_ms,
      elapsed_ms: Math.round(s.elapsedMs),
    }
  }

  /** The status line's text: run totals, the last second's rate, the run's p99. */
  lineText(): string {
    const s = this.o.stats
    const w = this.lineWindow.take()
    const parts = [`sent ${s.sent}`]
    if (this.o.receipts) parts.push(`included ${s.included}`, `pending ${s.pending}`)
    if (s.failed > 0) parts.push(`failed ${s.failed}`)
    parts.push(`${formatRate(w.tps)} tx/s`)
    if (this.o.receipts && s.included > 0) parts.push(`incl p99 ${formatMs(s.inclusionLatency.percentileMs(99))}`)
    else if (s.sent > 0) parts.push(`send p99 ${formatMs(s.sendLatency.percentileMs(99))}`)
    parts.push(...this.economics())
    return parts.join(' · ')
  }

  /** The base fee once it has doubled since the run's first block; the funder's funds once they last under 10 min. */
  private economics(): string[] {
    const { spend } = this.o.stats
    const out: string[] = []
    const grown = spend.baseFeeRatio()
    if (grown !== undefined && grown >= BASE_FEE_SHOWN_AT) out.push(`base fee ${formatGwei(spend.lastBaseFee!)} gwei ×${formatFactor(grown)}`)
    const f = this.o.funding?.()
    const runway = f ? (f.runwayS ?? runwayS(f.funderBalanceWei, spend.weiPerS())) : undefined
    if (runway !== undefined && runway < RUNWAY_SHOWN_BELOW_S) {
      const funds = f?.funderBalanceWei !== undefined ? `funder ${formatEth(f.funderBalanceWei)} ETH, ` : ''
      out.push(`${funds}runway ${formatDurationS(runway)}`)
    }
    return out
  }

  private drawLine(): void {
    this.o.statusLine?.update(this.lineText())
  }
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms >= 1_000) return `${(ms / 1000).toFixed(2)} s`
  if (ms >= 10) return `${ms.toFixed(0)} ms`
  return `${ms.toFixed(2)} ms`
}

function formatRate(r: number): string {
  return r >= 100 ? r.toFixed(0) : r.toFixed(1)
}
