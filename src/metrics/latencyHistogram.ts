import * as hdr from 'hdr-histogram-js'
import type { LatencySummary } from '../events/types.js'

/** Highest latency tracked: one hour, in µs. Larger values are clamped, not dropped. */
const HIGHEST_US = 3_600_000_000

/** Latencies in milliseconds, kept at µs resolution with 3 significant digits. */
export class LatencyHistogram {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  })

  get count(): number {
    return this.h.totalCount
  }

  recordMs(ms: number): void {
    const us = Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000)))
    this.h.recordValue(us)
  }

  percentileMs(p: number): number {
    return this.h.totalCount === 0 ? 0 : toMs(this.h.getValueAtPercentile(p))
  }

  summary(): LatencySummary {
    return {
      p50: this.percentileMs(50),
      p90: this.percentileMs(90),
      p99: this.percentileMs(99),
      max: this.h.totalCount === 0 ? 0 : toMs(this.h.maxValue),
    }
  }
}

function toMs(us: number): number {
  return Math.round(us) / 1000
}
