import type { FloodgateEvent, SummaryEvent } from '../events/types.js'
import { LatencyHistogram } from './latencyHistogram.js'

/**
 * Run totals, computed only from the events the run emitted, so the summary can
 * always be recomputed from the event log.
 */
export class RunStats {
  sent = 0
  failed = 0
  invalid = 0
  backpressureEpisodes = 0
  workerPanics = 0
  readonly errors: Record<string, number> = {}
  readonly sendLatency = new LatencyHistogram()
  private readonly startedAt = performance.now()

  observe = (e: FloodgateEvent): void => {
    switch (e.type) {
      case 'tx_result':
        if (e.error_code) {
          this.failed++
          this.errors[e.error_code] = (this.errors[e.error_code] ?? 0) + 1
        } else {
          this.sent++
          this.sendLatency.recordMs(e.send_ms)
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
      default:
        break
    }
  }

  summary(reason: string): Omit<SummaryEvent, 'version'> {
    const durationMs = performance.now() - this.startedAt
    return {
      type: 'summary',
      sent: this.sent,
      failed: this.failed,
      invalid: this.invalid,
      duration_ms: Math.round(durationMs),
      tps: durationMs > 0 ? Math.round((this.sent / durationMs) * 1000 * 100) / 100 : 0,
      errors: { ...this.errors },
      send_latency_ms: this.sendLatency.summary(),
      backpressure_episodes: this.backpressureEpisodes,
      worker_panics: this.workerPanics,
      reason,
    }
  }
}
