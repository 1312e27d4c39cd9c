// Loaded into a floodgate child by the memory benches (bench/forever-rss.mjs, bench/soak.mjs;
// `--import`, by spawnProbedFloodgate in bench/lib.mjs):
// - after each full (mark-compact) GC, one JSON line { t_ms, gc_ms, live_mb, heap_total_mb, rss_mb }
//   appended to the file named by FLOODGATE_GC_PROBE, so the bench can tell live memory from
//   garbage not yet collected;
// - with FLOODGATE_MEM_PROBE (a file) and FLOODGATE_MEM_PROBE_S (seconds), one line every that
//   many seconds: { t_ms, rss_mb, heap_used_mb, heap_total_mb, external_mb, array_buffers_mb,
//   scavenges (young-generation GCs so far), spaces: { new_space: [used_mb, size_mb],
//   old_space: […], … } }, from process.memoryUsage() and v8.getHeapSpaceStatistics(): where
//   RSS goes between two full GCs.
import { appendFileSync } from 'node:fs'
import { PerformanceObserver, constants } from 'node:perf_hooks'
import { getHeapSpaceStatistics } from 'node:v8'

const t0 = performance.now()
const mb = (b) => Math.round(b / 104857.6) / 10
const out = process.env.FLOODGATE_GC_PROBE
let scavenges = 0
if (out) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++
      if (e.detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue
      const m = process.memoryUsage()
      appendFileSync(out, `${JSON.stringify({ t_ms: Math.round(performance.now() - t0), gc_ms: Math.round(e.duration * 10) / 10, live_mb: mb(m.heapUsed), heap_total_mb: mb(m.heapTotal), rss_mb: mb(m.rss) })}\n`)
    }
  }).observe({ entryTypes: ['gc'] })
}
const samples = process.env.FLOODGATE_MEM_PROBE
const everyS = Number(process.env.FLOODGATE_MEM_PROBE_S ?? 0)
if (samples && everyS > 0) {
  setInterval(() => {
    const m = process.memoryUsage()
    const spaces = {}
    for (const s of getHeapSpaceStatistics()) spaces[s.space_name] = [mb(s.space_used_size), mb(s.space_size)]
    appendFileSync(
      samples,
      `${JSON.stringify({ t_ms: Math.round(performance.now() - t0), rss_mb: mb(m.rss), heap_used_mb: mb(m.heapUsed), heap_total_mb: mb(m.heapTotal), external_mb: mb(m.external), array_buffers_mb: mb(m.arrayBuffers), scavenges, spaces })}\n`,
    )
  }, everyS * 1000).unref()
}
