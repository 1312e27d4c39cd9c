import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { LatencySummary } from '../events/types.js'
import type { PartRow, Report } from './analyze.js'
import { economicsRows } from './economics.js'
import type { EndpointRow } from './endpoints.js'

/** Chart.js's UMD bundle (it registers every chart type), inlined into the page: no network. */
function chartJsSource(): string {
  const require = createRequire(import.meta.url)
  const main = require.resolve('chart.js') // …/chart.js/dist/chart.cjs
  return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8')
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
/** Text that is safe inside a <script> element. */
const scriptSafe = (s: string): string => s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--')
/** A number as text; anything else (a log's fields are checked when read, so never expected) as a dash. */
const fmt = (n: number, d = 2): string => (typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d }) : '—')
/** The CSP source of one inline script: its SHA-256 (no 'unsafe-inline' for scripts). */
const scriptHash = (code: string): string => `'sha256-${createHash('sha256').update(code, 'utf8').digest('base64')}'`

function latencyRow(name: string, l: LatencySummary): string {
  return `<tr><th>${name}</th>${[l.p50, l.p90, l.p99, l.p99_9, l.max].map((v) => `<td>${fmt(v, 3)}</td>`).join('')}</tr>`
}

/**
 * One self-contained HTML file: the figures as tables, and four charts (throughput sent vs
 * included, latency percentiles over time, the latency histogram, errors by code) drawn
 * by the inlined Chart.js. When every chart is drawn, `<body data-charts-rendered="4">`.
 */
export function reportHtml(r: Report, source: string): string {
  const f = r.figures
  const data = {
    timeline: r.timeline,
    bucketMs: r.bucketMs,
    histogram: r.histogram,
    errors: Object.entries(f.errors).sort((a, b) => b[1] - a[1]),
    blocks: r.chain?.points ?? [],
  }
  const kinds = Object.entries(f.by_kind)
    .map(
      ([k, v]) =>
        `<tr><th>${escapeHtml(k)}</th><td>${fmt(v.sent)}</td><td>${fmt(v.failed)}</td><td>${fmt(v.included)}</td><td>${fmt(v.reverted)}</td><td>${fmt(v.timed_out)}</td><td>${fmt(v.send_latency_ms.p50, 3)}</td><td>${fmt(v.send_latency_ms.p99, 3)}</td><td>${fmt(v.inclusion_latency_ms.p50, 3)}</td><td>${fmt(v.inclusion_latency_ms.p99, 3)}</td></tr>`,
    )
    .join('\n')
  const stages = r.stages
    .map(
      (g) =>
        `<tr><th>${escapeHtml(g.name)}</th><td>${escapeHtml(g.target ?? '—')}</td><td>${fmt(g.sent)}</td><td>${fmt(g.tps)}</td><td>${fmt(g.send_latency_ms.p99, 3)}</td><td>${fmt(g.scheduled_send_latency_ms.p99, 3)}</td><td>${fmt(g.inclusion_latency_ms.p50, 3)}</td><td>${fmt(g.inclusion_latency_ms.p99, 3)}</td><td>${escapeHtml(Object.entries(g.shares).map(([k, pct]) => `${k} ${pct}%`).join(', '))}</td></tr>`,
    )
    .join('\n')
  const started = r.startedAt !== undefined ? new Date(r.startedAt).toISOString() : '—'
  // the two scripts that run, by hash: an element or handler injected into the page would not
  const chartJs = scriptSafe(chartJsSource())
  const render = scriptSafe(RENDER)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src ${scriptHash(chartJs)} ${scriptHash(render)}; style-src 'unsafe-inline'; img-src data:">
<title>floodgate report: ${escapeHtml(source)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1b1f24; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child { text-align: left; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 24px; }
.chart { position: relative; height: 320px; }
.muted { color: #666; }
</style>
</head>
<body>
<h1>floodgate report</h1>
<p class="muted">${escapeHtml(source)} · first send ${escapeHtml(started)} · ${fmt(f.duration_ms / 1000, 1)} s · ended by ${escapeHtml(f.reason)} · ${fmt(r.events, 0)} events</p>
<table>
<tr><th></th><th>txs</th><th>tx/s</th></tr>
<tr><th>sent</th><td>${fmt(f.sent)}</td><td>${fmt(f.tps)}</td></tr>
<tr><th>failed</th><td>${fmt(f.failed)}</td><td></td></tr>
${f.not_sent > 0 ? `<tr><th>not sent (run stopped)</th><td>${fmt(f.not_sent)}</td><td></td></tr>` : ''}
<tr><th>invalid lines</th><td>${fmt(f.invalid)}</td><td></td></tr>
<tr><th>included</th><td>${fmt(f.included)}</td><td>${fmt(f.included_tps)}</td></tr>
<tr><th>reverted</th><td>${fmt(f.reverted)}</td><td></td></tr>
<tr><th>timed out</th><td>${fmt(f.timed_out)}</td><td></td></tr>
${f.pending_at_stop > 0 ? `<tr><th>pending at stop</th><td>${fmt(f.pending_at_stop)}</td><td></td></tr>` : ''}
<tr><th>gas used</th><td>${escapeHtml(BigInt(f.gas_used).toLocaleString('en-US'))}</td><td></td></tr>
</table>
${capacityHtml(r)}
<table>
<tr><th>latency (ms)</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>
${latencyRow('send', f.send_latency_ms)}
${latencyRow('inclusion', f.inclusion_latency_ms)}
${f.scheduled_send_latency_ms ? latencyRow('send from schedule', f.scheduled_send_latency_ms) : ''}
${f.scheduled_inclusion_latency_ms ? latencyRow('inclusion from schedule', f.scheduled_inclusion_latency_ms) : ''}
</table>
${r.positions ? `<h2>Position in the block</h2>\n<p>tx_index p50 ${fmt(r.positions.index.p50)}, p90 ${fmt(r.positions.index.p90)}, max ${fmt(r.positions.index.max)}; first in its block: ${fmt(r.positions.first_pct, 1)} % of ${fmt(r.positions.txs, 0)}${r.positions.blocks > 0 ? `; our share of the ${fmt(r.positions.blocks, 0)} blocks holding ours: ${fmt(r.positions.share.overall, 1)} % overall, p50 ${fmt(r.positions.share.p50, 1)} % (${fmt(r.positions.share.min, 1)}–${fmt(r.positions.share.max, 1)} %)` : ''}</p>` : ''}
${stages ? `<h2>Stages</h2>\n<table>\n<tr><th>stage</th><th>target</th><th>sent</th><th>tx/s</th><th>send p99</th><th>sched send p99</th><th>incl p50</th><th>incl p99</th><th>mix (% of sent)</th></tr>\n${stages}\n</table>` : ''}
<div class="charts">
<section><h2>Throughput over time (tx/s)</h2><div class="chart"><canvas id="throughput"></canvas></div></section>
<section><h2>Latency percentiles over time (ms, by send time)</h2><div class="chart"><canvas id="latency"></canvas></div></section>
<section><h2>Latency histogram</h2><div class="chart"><canvas id="histogram"></canvas></div></section>
<section><h2>Errors by code</h2><div class="chart"><canvas id="errors"></canvas></div></section>
</div>
${r.chain ? CHAIN_CHARTS : ''}
${fundsHtml(r)}
${rpcHtml(r)}
${r.parts ? partsHtml(r.parts) : ''}
${r.endpoints ? endpointsHtml(r.endpoints) : ''}
<h2>By kind</h2>
<table>
<tr><th>kind</th><th>sent</th><th>failed</th><th>included</th><th>reverted</th><th>timed out</th><th>send p50</th><th>send p99</th><th>incl p50</th><th>incl p99</th></tr>
${kinds}
</table>
<script>${chartJs}</script>
<script id="report-data" type="application/json">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>
<script>${render}</script>
</body>
</html>
`
}

/** The chain's capacity the run found (`summary.capacity`: saturated blocks, or what `--tps auto` steered by), when the log has it. */
function capacityHtml(r: Report): string {
  const c = r.chain?.capacity ?? r.logged?.capacity
  if (!c || typeof c.tps !== 'number' || typeof c.gas_per_s !== 'number') return ''
  return `<p id="capacity">capacity found: ${fmt(c.tps)} tx/s of ours, ${fmt(c.gas_per_s, 0)} gas/s</p>`
}

/** The run's JSON-RPC calls per method and per 1,000 txs sent (method names come from the log: escaped). */
function rpcHtml(r: Report): string {
  const c = r.rpc
  if (!c) return ''
  const perK = (n: number | undefined) => (n === undefined ? '—' : fmt(n))
  const rows = [...c.methods.map((m) => [escapeHtml(m.method), m.calls, m.per1k] as const), ['all', c.total, c.totalPer1k] as const]
  return `<h2>RPC calls</h2>
<p>RPC calls to watch the chain: ${fmt(c.watch, 0)} (${c.watchPer1k === undefined ? 'no tx sent' : `${fmt(c.watchPer1k)} per 1,000 txs`})${c.httpRequests !== undefined ? `; ${fmt(c.httpRequests, 0)} HTTP requests in all` : ''}</p>
<table id="rpc-calls">
<tr><th>method</th><th>calls</th><th>per 1,000 txs</th></tr>
${rows.map(([method, calls, per1k]) => `<tr><th>${method}</th><td>${fmt(calls, 0)}</td><td>${perK(per1k)}</td></tr>`).join('\n')}
</table>`
}

/** What the run cost and what paid for it (its rows are made of checked numbers, and escaped all the same). */
function fundsHtml(r: Report): string {
  const rows = economicsRows(r.figures)
  if (rows.length === 0) return ''
  return `<h2>Funds and fees</h2>
<table id="funds">
${rows.map(([label, text]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(text)}</td></tr>`).join('\n')}
</table>`
}

/** Each merged log's (or shard's) own figures. */
function partsHtml(parts: readonly PartRow[]): string {
  const sharded = parts.some((p) => p.shard !== undefined)
  const rows = parts
    .map((p) => {
      const f = p.figures
      const errs = Object.entries(f.errors).map(([c, n]) => `${c} ${n}`).join(', ') || '-'
      return `<tr><th>${escapeHtml(`${p.shard !== undefined ? `${p.shard} ` : ''}${p.name}`)}</th>${[f.sent, f.failed, f.invalid, f.included, f.timed_out, f.tps, f.included_tps].map((v) => `<td>${fmt(v)}</td>`).join('')}${[f.send_latency_ms.p50, f.send_latency_ms.p99, f.inclusion_latency_ms.p50, f.inclusion_latency_ms.p99].map((v) => `<td>${fmt(v, 3)}</td>`).join('')}<td>${escapeHtml(errs)}</td></tr>`
    })
    .join('\n')
  return `<h2>By ${sharded ? 'shard' : 'log'}</h2>
<table id="parts">
<tr><th>${sharded ? 'shard' : 'log'}</th><th>sent</th><th>failed</th><th>invalid</th><th>included</th><th>timed out</th><th>tx/s</th><th>incl tx/s</th><th>send p50</th><th>send p99</th><th>incl p50</th><th>incl p99</th><th>errors</th></tr>
${rows}
</table>`
}

/** The endpoints side by side. */
function endpointsHtml(rows: readonly EndpointRow[]): string {
  const body = rows
    .map((e) => {
      const errs = Object.entries(e.errors).map(([c, n]) => `${c} ${n}`).join(', ') || '-'
      const l = [e.send_latency_ms.p50, e.send_latency_ms.p90, e.send_latency_ms.p99, e.inclusion_latency_ms.p50, e.inclusion_latency_ms.p90, e.inclusion_latency_ms.p99]
      return `<tr><th>${escapeHtml(e.endpoint)}</th>${[e.sent, e.failed, e.included].map((v) => `<td>${fmt(v)}</td>`).join('')}${l.map((v) => `<td>${fmt(v, 3)}</td>`).join('')}<td>${escapeHtml(errs)}</td></tr>`
    })
    .join('\n')
  return `<h2>By endpoint</h2>
<table id="endpoints">
<tr><th>endpoint</th><th>sent</th><th>failed</th><th>included</th><th>send p50</th><th>send p90</th><th>send p99</th><th>incl p50</th><th>incl p90</th><th>incl p99</th><th>errors</th></tr>
${body}
</table>`
}

/** The chain's side (when the log has blocks): backlog, base fee, block fullness over time. */
const CHAIN_CHARTS = `<div class="charts">
<section><h2>Backlog: our txs waiting, per block</h2><div class="chart"><canvas id="backlog"></canvas></div></section>
<section><h2>Base fee per block (gwei)</h2><div class="chart"><canvas id="basefee"></canvas></div></section>
<section><h2>Block fullness (gas used ÷ limit)</h2><div class="chart"><canvas id="fullness"></canvas></div></section>
</div>`

/** Runs in the page. Plain ES2017, no modules. */
const RENDER = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  var secs = data.bucketMs / 1000;
  var labels = data.timeline.map(function (p) { return p.t + ' s'; });
  function series(key) { return data.timeline.map(function (p) { return p[key]; }); }
  var made = 0;
  function make(id, config) { new Chart(document.getElementById(id), config); made++; }

  make('throughput', {
    type: 'bar',
    data: { labels: labels, datasets: [
      { label: 'sent', data: series('tps'), backgroundColor: '#1f77b4' },
      { label: 'included', data: series('included_tps'), backgroundColor: '#2ca02c' }
    ] },
    options: { scales: { x: { title: { display: true, text: 'time since the first send (' + secs + ' s buckets)' } }, y: { beginAtZero: true, title: { display: true, text: 'tx/s' } } } }
  });

  make('latency', {
    type: 'line',
    data: { labels: labels, datasets: [
      { label: 'send p50', data: series('send_p50'), borderColor: '#9ecae1', backgroundColor: '#9ecae1', pointRadius: 2, spanGaps: true },
      { label: 'send p99', data: series('send_p99'), borderColor: '#1f77b4', backgroundColor: '#1f77b4', pointRadius: 2, spanGaps: true },
      { label: 'inclusion p50', data: series('inclusion_p50'), borderColor: '#a1d99b', backgroundColor: '#a1d99b', pointRadius: 2, spanGaps: true },
      { label: 'inclusion p99', data: series('inclusion_p99'), borderColor: '#2ca02c', backgroundColor: '#2ca02c', pointRadius: 2, spanGaps: true }
    ] },
    options: { scales: { y: { type: 'logarithmic', title: { display: true, text: 'ms (log scale)' } } } }
  });

  make('histogram', {
    type: 'bar',
    data: { labels: data.histogram.map(function (b) { return '≤ ' + b.upper_ms + ' ms'; }), datasets: [
      { label: 'send', data: data.histogram.map(function (b) { return b.send; }), backgroundColor: '#1f77b4' },
      { label: 'inclusion', data: data.histogram.map(function (b) { return b.inclusion; }), backgroundColor: '#2ca02c' }
    ] },
    options: { scales: { x: { title: { display: true, text: 'latency (log-spaced bins)' } }, y: { beginAtZero: true, title: { display: true, text: 'txs' } } } }
  });

  var errors = data.errors.length ? data.errors : [['no errors', 0]];
  make('errors', {
    type: 'bar',
    data: { labels: errors.map(function (e) { return e[0]; }), datasets: [
      { label: 'count', data: errors.map(function (e) { return e[1]; }), backgroundColor: '#d62728' }
    ] },
    options: { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } }
  });

  document.body.setAttribute('data-charts-rendered', String(made));
  // the chain's side, when the log has blocks: counted apart (data-chain-charts-rendered="3")
  if (data.blocks.length) {
    var blockLabels = data.blocks.map(function (b) { return b.t + ' s'; });
    function blockSeries(id, key, label, color, extra) {
      new Chart(document.getElementById(id), {
        type: 'line',
        data: { labels: blockLabels, datasets: [{ label: label, data: data.blocks.map(function (b) { return b[key]; }), borderColor: color, backgroundColor: color, pointRadius: 1, spanGaps: true }] },
        options: Object.assign({ scales: { x: { title: { display: true, text: 'block time since the first block read' } }, y: { beginAtZero: true } } }, extra || {})
      });
    }
    blockSeries('backlog', 'backlog', 'txs waiting', '#ff7f0e');
    blockSeries('basefee', 'base_fee_gwei', 'base fee (gwei)', '#9467bd');
    blockSeries('fullness', 'fullness', 'fullness', '#8c564b', { scales: { y: { beginAtZero: true, max: 1 } } });
    document.body.setAttribute('data-chain-charts-rendered', '3');
  }
})();
`
