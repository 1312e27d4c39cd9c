/** `--metrics-port`: a run's Prometheus metrics, fed by its events, and the server that exposes them. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { FatalError } from '../base/errors.js'
import type { FloodgateEvent } from '../events/types.js'
import type { Logger } from '../log.js'
import { BACKPRESSURE_STAGES, RECEIPT_STATUSES, TIMEOUT_REASONS, TX_RESULT_CODES } from './knownLabels.js'
import { metricsIndex } from './metricsIndex.js'
import { MAX_KINDS, NO_KIND, OTHER_KINDS } from './runStats.js'

/** Live values the events do not carry: read at scrape time, never written by the metrics. */
export interface MetricsSources {
  /** Sent txs without a receipt or timeout yet. */
  pending(): number
  intakeQueue(): { size: number; capacity: number }
  /** One per worker, in worker order. */
  workerQueues(): readonly { size: number; capacity: number }[]
  /** `--ordered`: the results the reorder stash holds, and its window. */
  reorder?(): { size: number; capacity: number }
}

const SEND_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const INCLUSION_BUCKETS_S = [0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 8, 13, 21, 34, 60, 120]

/**
 * Prometheus metrics of a run (`--metrics-port`). Counters and histograms are fed by the
 * same events as the summary; gauges read the sources at scrape time. `kind` labels are
 * capped like `summary.by_kind` (32 kinds, the rest under "(other)"). Every counter starts at 0
 * for the label values known before they happen (src/metrics/knownLabels.ts): at once for the
 * kind "(none)" and the backpressure stages, and for a kind when its first event comes.
 */
export class PromMetrics {
  readonly registry = new Registry()
  private readonly kinds = new Set<string>()
  private readonly sent: Counter<'kind'>
  private readonly failed: Counter<'kind' | 'error_code'>
  private readonly invalid: Counter<'error_code'>
  private readonly included: Counter<'kind' | 'status'>
  private readonly timedOut: Counter<'kind' | 'reason'>
  private readonly gas: Counter<'kind'>
  private readonly sendLatency: Histogram<'kind'>
  private readonly inclusionLatency: Histogram<'kind'>
  private readonly backpressure: Counter<'stage'>
  private readonly panics: Counter
  /** Per endpoint, made at the first tx_result that names one (`--rpc-url` more than once). */
  private endpoints?: { txs: Counter<'endpoint' | 'outcome'>; latency: Histogram<'endpoint'> }

  constructor(sources: MetricsSources) {
    const registers = [this.registry]
    this.sent = new Counter({ name: 'floodgate_txs_sent_total', help: 'txs the node accepted (tx_result without error)', labelNames: ['kind'], registers })
    this.failed = new Counter({ name: 'floodgate_txs_failed_total', help: 'specs that failed (tx_result with error_code)', labelNames: ['kind', 'error_code'], registers })
    this.invalid = new Counter({ name: 'floodgate_invalid_specs_total', help: 'input lines that were not valid specs', labelNames: ['error_code'], registers })
    this.included = new Counter({ name: 'floodgate_txs_included_total', help: 'sent txs found in a block (tx_receipt)', labelNames: ['kind', 'status'], registers })
    this.timedOut = new Counter({ name: 'floodgate_txs_timed_out_total', help: 'sent txs without a receipt (tx_timeout)', labelNames: ['kind', 'reason'], registers })
    this.gas = new Counter({ name: 'floodgate_gas_used_total', help: 'gas used by included txs', labelNames: ['kind'], registers })
    this.sendLatency = new Histogram({ name: 'floodgate_send_latency_seconds', help: 'send start to accepted (tx_result.send_ms)', labelNames: ['kind'], buckets: SEND_BUCKETS_S, registers })
    this.inclusionLatency = new Histogram({ name: 'floodgate_inclusion_latency_seconds', help: 'send start to block first seen (tx_receipt.inclusion_ms)', labelNames: ['kind'], buckets: INCLUSION_BUCKETS_S, registers })
    this.backpressure = new Counter({ name: 'floodgate_backpressure_episodes_total', help: 'backpressure episodes (a full queue made its producer wait)', labelNames: ['stage'], registers })
    this.panics = new Counter({ name: 'floodgate_worker_panics_total', help: 'worker_panic events', registers })
    for (const stage of BACKPRESSURE_STAGES) this.backpressure.inc({ stage }, 0)
    this.zero(NO_KIND)
    new Gauge({
      name: 'floodgate_pending_txs',
      help: 'sent txs without a receipt or timeout yet',
      registers,
      collect() {
        this.set(sources.pending())
      },
    })
    new Gauge({
      name: 'floodgate_queue_depth',
      help: 'items waiting in a queue: intake (reader → router), workers (all worker queues together), reorder (--ordered: results the stash holds)',
      labelNames: ['queue'],
      registers,
      collect() {
        this.set({ queue: 'intake' }, sources.intakeQueue().size)
        this.set({ queue: 'workers' }, sources.workerQueues().reduce((s, q) => s + q.size, 0))
        if (sources.reorder) this.set({ queue: 'reorder' }, sources.reorder().size)
      },
    })
    new Gauge({
      name: 'floodgate_queue_capacity',
      help: 'capacity of a queue (workers: all worker queues together; reorder: the window)',
      labelNames: ['queue'],
      registers,
      collect() {
        this.set({ queue: 'intake' }, sources.intakeQueue().capacity)
        this.set({ queue: 'workers' }, sources.workerQueues().reduce((s, q) => s + q.capacity, 0))
        if (sources.reorder) this.set({ queue: 'reorder' }, sources.reorder().capacity)
      },
    })
    new Gauge({
      name: 'floodgate_worker_queue_depth',
      help: 'items waiting in one worker\'s queue',
      labelNames: ['worker'],
      registers,
      collect() {
        sources.workerQueues().forEach((q, i) => this.set({ worker: String(i) }, q.size))
      },
    })
  }

  observe = (e: FloodgateEvent): void => {
    switch (e.type) {
      case 'tx_result': {
        // a spec the run stopped before sending was neither sent nor failed
        if (e.status === 'not_sent') break
        const kind = this.kind(e.kind)
        if (e.error_code) this.failed.inc({ kind, error_code: e.error_code })
        else {
          this.sent.inc({ kind })
          this.sendLatency.observe({ kind }, e.send_ms / 1000)
        }
        if (e.endpoint !== undefined) this.byEndpoint(e.endpoint, e.error_code, e.send_ms)
        break
      }
      case 'tx_receipt': {
        const kind = this.kind(e.kind)
        this.included.inc({ kind, status: e.status })
        this.gas.inc({ kind }, e.gas_used)
        this.inclusionLatency.observe({ kind }, e.inclusion_ms / 1000)
        break
      }
      case 'tx_timeout':
        this.timedOut.inc({ kind: this.kind(e.kind), reason: e.reason })
        break
      case 'invalid_spec':
        this.invalid.inc({ error_code: e.error_code })
        break
      case 'backpressure':
        this.backpressure.inc({ stage: e.stage })
        break
      case 'worker_panic':
        this.panics.inc()
        break
      default:
        break
    }
  }

  private byEndpoint(endpoint: string, errorCode: string | undefined, sendMs: number): void {
    const registers = [this.registry]
    this.endpoints ??= {
      txs: new Counter({ name: 'floodgate_endpoint_txs_total', help: 'tx_results per endpoint: outcome "sent", or the error code', labelNames: ['endpoint', 'outcome'], registers }),
      latency: new Histogram({ name: 'floodgate_endpoint_send_latency_seconds', help: 'send start to accepted, per endpoint', labelNames: ['endpoint'], buckets: SEND_BUCKETS_S, registers }),
    }
    this.endpoints.txs.inc({ endpoint, outcome: errorCode ?? 'sent' })
    if (!errorCode) this.endpoints.latency.observe({ endpoint }, sendMs / 1000)
  }

  private kind(name: string | undefined): string {
    const k = name ?? NO_KIND
    if (this.kinds.has(k)) return k
    const known = this.kinds.size < MAX_KINDS ? k : OTHER_KINDS
    if (!this.kinds.has(known)) {
      this.kinds.add(known)
      this.zero(known)
    }
    return known
  }

  /** A kind's counter series, at 0 before its first event: rate() then sees its first increment. */
  private zero(kind: string): void {
    this.sent.inc({ kind }, 0)
    this.gas.inc({ kind }, 0)
    for (const error_code of TX_RESULT_CODES) this.failed.inc({ kind, error_code }, 0)
    for (const status of RECEIPT_STATUSES) this.included.inc({ kind, status }, 0)
    for (const reason of TIMEOUT_REASONS) this.timedOut.inc({ kind, reason }, 0)
    this.sendLatency.zero({ kind })
    this.inclusionLatency.zero({ kind })
  }
}

export interface MetricsServer {
  url: string
  /** Starts answering scrapes with these metrics (before: 503). */
  serve(metrics: PromMetrics): void
  close(): Promise<void>
}

/**
 * Listens on 127.0.0.1:port (0 = a free port) at once, so a taken port stops the run before
 * anything is sent; `GET /metrics` answers once `serve()` got the run's metrics, `GET /` at once
 * with a page naming the run (`run`) and linking /metrics.
 */
export async function listenMetrics(port: number, log: Logger, host = '127.0.0.1', run = 'floodgate'): Promise<MetricsServer> {
  let metrics: PromMetrics | undefined
  const startedAt = new Date()
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(metricsIndex(run, startedAt))
      return
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics (or / for the index)\n')
      return
    }
    if (!metrics) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('the run has not started yet\n')
      return
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics!.registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new FatalError('METRICS_PORT', `--metrics-port ${port}: cannot listen on ${host}:${port} (${err.code ?? err.message})`)),
    )
    server.listen(port, host, () => resolve())
  })
  const addr = server.address() as AddressInfo
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}/metrics`
  log.info({ url }, 'prometheus metrics')
  let closing: Promise<void> | undefined
  return {
    url,
    serve: (m) => {
      metrics = m
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })),
  }
}
