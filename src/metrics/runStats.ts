/** Run totals recomputed from events alone (per kind too): what the summary event reports. */
import type { FloodgateEvent, KindSummary, SummaryEvent } from '../events/types.js'
import { LatencyHistogram } from './latencyHistogram.js'
import { SpendStats } from './spendStats.js'

/** `by_kind` key of specs without a `kind`. */
export const NO_KIND = '(none)'
/** `by_kind` key that collects every kind past the first MAX_KINDS (bounded memory and output). */
export const OTHER_KINDS = '(other)'
export const MAX_KINDS = 32

/** Per-kind totals; histograms are created on first use. */
class KindStats {
  sent = 0
  failed = 0
  notSent = 0
  included = 0
  reverted = 0
  timedOut = 0
  pendingAtStop = 0
  gasUsed = 0n
  private send?: LatencyHistogram
  private inclusion?: LatencyHistogram

  recordSend(ms: number): void {
    ;(this.send ??= new LatencyHistogram()).recordMs(ms)
  }

  recordInclusion(ms: number): void {
    ;(this.inclusion ??= new LatencyHistogram()).recordMs(ms)
  }

  summary(): KindSummary {
    return {
      sent: this.sent,
      failed: this.failed,
      not_sent: this.notSent,
      included: this.included,
      reverted: this.reverted,
      timed_out: this.timedOut,
      pending_at_stop: this.pendingAtStop,
      send_latency_ms: (this.send ?? EMPTY).summary(),
      inclusion_latency_ms: (this.inclusion ?? EMPTY).summary(),
      gas_used: this.gasUsed.toString(),
    }
  }
}

const EMPTY = new LatencyHistogram({ digits: 1 })

/**
 * Run totals, computed only from the events the run emitted, so the summary can
 * always be recomputed from the event log (`floodgate report` does).
 */
export class RunStats {
  sent = 0
  failed = 0
  /** Specs the run stopped before sending (`tx_result.status: not_sent`): neither sent nor failed. */
  notSent = 0
  invalid = 0
  included = 0
  reverted = 0
  /** `tx_timeout` but reason `run_stopped`: those are `pendingAtStop`. */
  timedOut = 0
  pendingAtStop = 0
  gasUsed = 0n
  backpressureEpisodes = 0
  workerPanics = 0
  replaced = 0
  readonly errors: Record<string, number> = {}
  readonly sendLatency = new LatencyHistogram()
  readonly inclusionLatency = new LatencyHistogram()
  /** What the included txs cost, and the base fee's course (`summary.spend`, `summary.base_fee`). */
  readonly spend = new SpendStats()
  /** Paced runs: the same latencies measured from each tx's intended send time (created on first use). */
  scheduledSendLatency: LatencyHistogram | undefined
  scheduledInclusionLatency: LatencyHistogram | undefined
  private readonly kinds = new Map<string, KindStats>()
  private readonly startedAt: number
  private lastResultAt: number | undefined
  private lastReceiptAt: number | undefined

  constructor(private readonly now: () => number = () => performance.now()) {
    this.startedAt = now()
  }

  /** Sent txs with neither a receipt nor a timeout yet (meaningful with receipt tracking on). */
  get pending(): number {
    return Math.max(0, this.sent - this.included - this.timedOut - this.pendingAtStop)
  }

  /** ms since the stats began (the start of dispatch). */
  get elapsedMs(): number {
    return this.now() - this.startedAt
  }

  observe = (e: FloodgateEvent): void => {
    switch (e.type) {
      case 'tx_result': {
        const k = this.kind(e.kind)
        if (e.status === 'not_sent') {
          // no send happened: not in the send phase's rate, nor in any latency
          this.notSent++
          k.notSent++
        } else if (e.error_code) {
          this.lastResultAt = this.now()
          this.failed++
          k.failed++
          this.errors[e.error_code] = (this.errors[e.error_code] ?? 0) + 1
        } else {
          this.lastResultAt = this.now()
          this.sent++
          k.sent++
          this.sendLatency.recordMs(e.send_ms)
          k.recordSend(e.send_ms)
          if (e.scheduled_timestamp_ms !== undefined) (this.scheduledSendLatency ??= new LatencyHistogram()).recordMs(scheduledSendMs(e))
        }
        break
      }
      case 'tx_receipt': {
        const k = this.kind(e.kind)
        this.lastReceiptAt = this.now()
        this.included++
        k.included++
        if (e.status === 'reverted') {
          this.reverted++
          k.reverted++
        }
        const gas = BigInt(e.gas_used)
        this.gasUsed += gas
        k.gasUsed += gas
        this.inclusionLatency.recordMs(e.inclusion_ms)
        k.recordInclusion(e.inclusion_ms)
        if (e.scheduled_inclusion_ms !== undefined) (this.scheduledInclusionLatency ??= new LatencyHistogram()).recordMs(e.scheduled_inclusion_ms)
        this.spend.receipt(e)
        break
      }
      case 'block':
        this.spend.block(e)
        break
      case 'tx_timeout':
        if (e.reason === 'run_stopped') {
          this.pendingAtStop++
          this.kind(e.kind).pendingAtStop++
        } else {
          this.timedOut++
          this.kind(e.kind).timedOut++
        }
        break
      case 'invalid_spec':
        this.invalid++
        this.errors[e.error_code] = (this.errors[e.error_code] ?? 0) + 1
        break
      case 'backpressure':
        this.backpressureEpisodes++
        break
      case 'worker_panic':
        this.workerPanics++
        break
      case 'tx_replaced':
        this.replaced++
        break
      default:
        break
    }
  }

  summary(reason: string): Omit<SummaryEvent, 'version'> {
    const durationMs = this.now() - this.startedAt
    const byKind: Record<string, KindSummary> = {}
    for (const [name, k] of this.kinds) byKind[name] = k.summary()
    const summary: Omit<SummaryEvent, 'version'> = {
      type: 'summary',
      sent: this.sent,
      failed: this.failed,
      not_sent: this.notSent,
      invalid: this.invalid,
      duration_ms: Math.round(durationMs),
      tps: rate(this.sent, this.lastResultAt === undefined ? 0 : this.lastResultAt - this.startedAt),
      errors: { ...this.errors },
      send_latency_ms: this.sendLatency.summary(),
      included: this.included,
      reverted: this.reverted,
      timed_out: this.timedOut,
      pending_at_stop: this.pendingAtStop,
      inclusion_latency_ms: this.inclusionLatency.summary(),
      included_tps: rate(this.included, this.lastReceiptAt === undefined ? 0 : this.lastReceiptAt - this.startedAt),
      gas_used: this.gasUsed.toString(),
      by_kind: byKind,
      backpressure_episodes: this.backpressureEpisodes,
      worker_panics: this.workerPanics,
      reason,
      ...(this.replaced > 0 ? { replaced: this.replaced } : {}),
      ...this.spend.summary(),
    }
    if (this.scheduledSendLatency) summary.scheduled_send_latency_ms = this.scheduledSendLatency.summary()
    if (this.scheduledInclusionLatency) summary.scheduled_inclusion_latency_ms = this.scheduledInclusionLatency.summary()
    return summary
  }

  private kind(name: string | undefined): KindStats {
    const key = name ?? NO_KIND
    let k = this.kinds.get(key)
    if (k) return k
    const bucket = this.kinds.size < MAX_KINDS ? key : OTHER_KINDS
    k = this.kinds.get(bucket)
    if (!k) {
      k = new KindStats()
      this.kinds.set(bucket, k)
    }
    return k
  }
}

/** A paced tx's send latency from its intended send time: the wait for a worker, then the send. */
export function scheduledSendMs(e: { start_timestamp_ms: number; scheduled_timestamp_ms?: number; send_ms: number }): number {
  return Math.max(0, e.start_timestamp_ms - (e.scheduled_timestamp_ms ?? e.start_timestamp_ms)) + e.send_ms
}

/** count per second over `ms`, 2 decimals; 0 for an empty window. */
export function rate(count: number, ms: number): number {
  return ms > 0 ? Math.round((count / ms) * 1000 * 100) / 100 : 0
}
