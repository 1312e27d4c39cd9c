// Loaded into the floodgate child by bench/forever-rss.mjs (`--import`): after each full
// (mark-compact) GC, one JSON line { t_ms, gc_ms, live_mb, heap_total_mb, rss_mb } appended to the file
// named by FLOODGATE_GC_PROBE, so the bench can tell live memory from garbage not yet collected.
import { appendFileSync } from 'node:fs'
import { PerformanceObserver, constants } from 'node:perf_hooks'

const out = process.env.FLOODGATE_GC_PROBE
if (out) {
  const t0 = performance.now()
  const mb = (b) => Math.round(b / 104857.6) / 10
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue
      const m = process.memoryUsage()
      appendFileSync(out, `${JSON.stringify({ t_ms: Math.round(performance.now() - t0), gc_ms: Math.round(e.duration * 10) / 10, live_mb: mb(m.heapUsed), heap_total_mb: mb(m.heapTotal), rss_mb: mb(m.rss) })}\n`)
    }
  }).observe({ entryTypes: ['gc'] })
}
