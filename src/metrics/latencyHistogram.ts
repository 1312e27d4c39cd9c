/** Latency histograms (HDR, µs resolution) and their percentile summaries. */
import * as hdr from 'hdr-histogram-js'
import type { LatencySummary } from '../events/types.js'

/** Highest latency tracked: one hour, in µs. Larger values are clamped, not dropped. */
const HIGHEST_US = 3_600_000_000

/**
 * Latencies in milliseconds, kept at µs resolution with 3 significant digits.
 * `packed` trades speed (adding two is slow) for memory that grows with the distinct values
 * recorded; the default is a flat ≈100 KiB array. `digits: 2` (≈12 KiB) is for charts.
 */
export class LatencyHistogram {
  private readonly h: hdr.Histogram

  constructor(opts: { packed?: boolean; digits?: 1 | 2 | 3 } = {}) {
    this.h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: HIGHEST_US,
      numberOfSignificantValueDigits: opts.digits ?? 3,
      autoResize: false,
      ...(opts.packed ? { bitBucketSize: 'packed' as const } : {}),
    })
  }

  get count(): number {
    return this.h.totalCount
  }

  recordMs(ms: number): void {
    const us = Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000)))
    this.h.recordValue(us)
  }

  /** Adds every value recorded in `other`. */
  add(other: LatencyHistogram): void {
    this.h.add(other.h)
  }

  percentileMs(p: number): number {
    // HDR answers the top of the value's bucket; no percentile is above the largest value seen
    return this.h.totalCount === 0 ? 0 : toMs(Math.min(this.h.getValueAtPercentile(p), this.h.maxValue))
  }

  summary(): LatencySummary {
    return {
      p50: this.percentileMs(50),
      p90: this.percentileMs(90),
      p99: this.percentileMs(99),
      p99_9: this.percentileMs(99.9),
      max: this.h.totalCount === 0 ? 0 : toMs(this.h.maxValue),
    }
  }
}

function toMs(us: number): number {
  return Math.round(us) / 1000
}
