/** Per-stage figures of a staged run (`--stage`, campaigns): achieved rate against the target, mix shares, latencies. */
import type { FloodgateEvent, LatencySummary, SummaryEvent } from '../events/types.js'
import { LatencyHistogram } from '../metrics/latencyHistogram.js'
import { rate, scheduledSendMs } from '../metrics/runStats.js'

/** Stages followed at most (a run names a handful); the rest are not broken out. */
const MAX_STAGES = 64

export interface StageRow {
  name: string
  /** The stage's target as the run's summary gives it (`200 tx/s`, `50→500 tx/s`, `20/block`), when it does. */
  target?: string
  sent: number
  failed: number
  included: number
  /** Sends per second between the stage's first and last send start. */
  tps: number
  /** Share of the stage's sends by scenario (a campaign's `kind` prefix) or kind, in %. */
  shares: Record<string, number>
  send_latency_ms: LatencySummary
  scheduled_send_latency_ms: LatencySummary
  inclusion_latency_ms: LatencySummary
}

class Stage {
  sent = 0
  failed = 0
  included = 0
  first = Number.POSITIVE_INFINITY
  last = Number.NEGATIVE_INFINITY
  readonly mix = new Map<string, number>()
  readonly send = new LatencyHistogram({ digits: 2 })
  readonly scheduled = new LatencyHistogram({ digits: 2 })
  readonly inclusion = new LatencyHistogram({ digits: 2 })
}

/** Collects the figures of each stage the events name; memory: a few histograms per stage. */
export class StageStats {
  private readonly stages = new Map<string, Stage>()

  observe(e: FloodgateEvent): void {
    if ((e.type !== 'tx_result' && e.type !== 'tx_receipt') || e.stage === undefined) return
    let s = this.stages.get(e.stage)
    if (!s) {
      if (this.stages.size >= MAX_STAGES) return
      this.stages.set(e.stage, (s = new Stage()))
    }
    if (e.type === 'tx_receipt') {
      s.included++
      s.inclusion.recordMs(e.inclusion_ms)
      return
    }
    if (e.status === 'not_sent') return
    if (e.error_code) {
      s.failed++
      return
    }
    s.sent++
    s.first = Math.min(s.first, e.start_timestamp_ms)
    s.last = Math.max(s.last, e.start_timestamp_ms)
    const scenario = e.kind === undefined ? '(none)' : e.kind.split('/')[0]!
    s.mix.set(scenario, (s.mix.get(scenario) ?? 0) + 1)
    s.send.recordMs(e.send_ms)
    s.scheduled.recordMs(scheduledSendMs(e))
  }

  /** One row per stage, in the order the run's summary lists them (else first seen). */
  finish(pacing?: SummaryEvent['pacing']): StageRow[] {
    const planned = pacing?.stages ?? []
    const names = [...new Set([...planned.map((p) => p.name), ...this.stages.keys()])]
    return names.map((name) => {
      const s = this.stages.get(name) ?? new Stage()
      const plan = planned.find((p) => p.name === name)
      const shares: Record<string, number> = {}
      for (const [k, n] of [...s.mix].sort((a, b) => b[1] - a[1])) shares[k] = Math.round((n / s.sent) * 1000) / 10
      return {
        name,
        ...(plan ? { target: targetOf(plan) } : {}),
        sent: s.sent,
        failed: s.failed,
        included: s.included,
        tps: s.sent > 1 ? rate(s.sent - 1, s.last - s.first) : 0,
        shares,
        send_latency_ms: s.send.summary(),
        scheduled_send_latency_ms: s.scheduled.summary(),
        inclusion_latency_ms: s.inclusion.summary(),
      }
    })
  }
}

function targetOf(p: NonNullable<NonNullable<SummaryEvent['pacing']>['stages']>[number]): string {
  if (p.per_block !== undefined) return `${p.per_block}/block`
  return p.from_tps === p.to_tps ? `${p.from_tps} tx/s` : `${p.from_tps}→${p.to_tps} tx/s`
}
