/** The report's endpoints side by side (a run on several `--rpc-url`s): send and inclusion latency, errors by code. */
import type { FloodgateEvent, LatencySummary } from '../events/types.js'
import { LatencyHistogram } from '../metrics/latencyHistogram.js'

export interface EndpointRow {
  endpoint: string
  sent: number
  failed: number
  included: number
  errors: Record<string, number>
  send_latency_ms: LatencySummary
  inclusion_latency_ms: LatencySummary
}

class One {
  sent = 0
  failed = 0
  included = 0
  readonly errors: Record<string, number> = {}
  readonly send = new LatencyHistogram()
  readonly inclusion = new LatencyHistogram()
}

/**
 * Figures per `tx_result.endpoint`. A receipt carries no endpoint: it is matched to its
 * tx_result by log and idx (only accepted txs not yet resolved are remembered).
 */
export class EndpointStats {
  private readonly by = new Map<string, One>()
  private readonly pending = new Map<string, One>()

  observe(e: FloodgateEvent, part: number): void {
    if (e.type === 'tx_result') {
      if (e.endpoint === undefined || e.status === 'not_sent') return
      let one = this.by.get(e.endpoint)
      if (!one) this.by.set(e.endpoint, (one = new One()))
      if (e.error_code) {
        one.failed++
        one.errors[e.error_code] = (one.errors[e.error_code] ?? 0) + 1
      } else {
        one.sent++
        one.send.recordMs(e.send_ms)
        if (!e.raw_tx) this.pending.set(`${part}:${e.idx}`, one)
      }
    } else if (e.type === 'tx_receipt' || e.type === 'tx_timeout') {
      const key = `${part}:${e.idx}`
      const one = this.pending.get(key)
      if (!one) return
      this.pending.delete(key)
      if (e.type === 'tx_receipt') {
        one.included++
        one.inclusion.recordMs(e.inclusion_ms)
      }
    }
  }

  /** One row per endpoint, in the order first seen; undefined when no event named one. */
  rows(): EndpointRow[] | undefined {
    if (this.by.size === 0) return undefined
    return [...this.by].map(([endpoint, o]) => ({
      endpoint,
      sent: o.sent,
      failed: o.failed,
      included: o.included,
      errors: { ...o.errors },
      send_latency_ms: o.send.summary(),
      inclusion_latency_ms: o.inclusion.summary(),
    }))
  }
}
