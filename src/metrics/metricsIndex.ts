/** The metrics server's page at `/`: what it serves, for the run it names, linking /metrics. */

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** A small HTML page naming the run (`run`: e.g. "floodgate send, pool executors (10 accounts)") and linking /metrics. */
export function metricsIndex(run: string, startedAt: Date): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>floodgate metrics</title></head>
<body>
<h1>floodgate metrics</h1>
<p>${escape(run)}, started ${escape(startedAt.toISOString())}.</p>
<p><a href="metrics">/metrics</a>: the Prometheus metrics of this run (Prometheus text format).</p>
</body></html>
`
}
