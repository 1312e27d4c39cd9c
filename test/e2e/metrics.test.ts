import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { assertAccounted, jsonl, ofType, runCli } from '../helpers/cli.js'
import { assertReceiptInvariant } from '../helpers/receipts.js'

const SINK = '0x000000000000000000000000000000000000dEaD'

let anvil: AnvilInstance
beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n })
})
afterAll(async () => {
  await anvil?.stop()
})

/** `name{labels} value` lines of a Prometheus text exposition → value by series. */
function parseProm(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const i = line.lastIndexOf(' ')
    out.set(line.slice(0, i), Number(line.slice(i + 1)))
  }
  return out
}

interface Scrape {
  at: number
  /** accepted tx_results the test had read from stdout before the scrape started */
  sentSeen: number
  series: Map<string, number>
}

describe('--metrics-port (real anvil)', () => {
  test('behavior: Prometheus metrics scraped during a run: counters by kind, latency histograms, pending, queue depths, backpressure', async () => {
    const specs = [
      ...Array.from({ length: 300 }, (_, i) => ({ to: SINK, value: `${i + 1} wei`, kind: 'transfer' })),
      ...Array.from({ length: 3 }, () => ({ to: SINK, value: '1000000000 eth', kind: 'whale' })),
      'not json',
    ]
    const scrapes: Scrape[] = []
    let sentSeen = 0
    let early = 0
    const answers: { status: number; type: string | null; body: string }[] = []
    let url: string | undefined
    let scraping: Promise<void> | undefined
    const run = await runCli(
      ['send', '--rpc-url', anvil.url, '--pool-size', '2', '--tps', '100', '--reader-queue', '16', '--worker-queue', '8', '--metrics-port', '0', '--log-level', 'info'],
      {
        stdin: jsonl(specs),
        env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: 'e2e-metrics' },
        onSpawn: (child) => {
          let out = ''
          child.stdout!.on('data', (c: Buffer) => {
            out += c.toString()
            const lines = out.split('\n')
            out = lines.pop()!
            sentSeen += lines.filter((l) => l.includes('"tx_result"') && !l.includes('error_code')).length
          })
          let err = ''
          child.stderr!.on('data', (c: Buffer) => {
            err += c.toString()
            const m = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(err)
            if (m && !url) {
              url = m[1]!
              scraping = (async () => {
                // scrape every 300 ms while the process runs (bounded: 200 tries)
                for (let i = 0; i < 200 && child.exitCode === null; i++) {
                  const seen = sentSeen
                  let res: Response
                  let body: string
                  try {
                    res = await fetch(url!, { signal: AbortSignal.timeout(2_000) })
                    body = await res.text()
                  } catch {
                    // the run ended between the check and the request: only the transport may fail here
                    await new Promise((r) => setTimeout(r, 300))
                    continue
                  }
                  answers.push({ status: res.status, type: res.headers.get('content-type'), body })
                  if (res.status === 503) early++ // listening since before funding; metrics once dispatch starts
                  else if (res.status === 200) scrapes.push({ at: Date.now(), sentSeen: seen, series: parseProm(body) })
                  await new Promise((r) => setTimeout(r, 300))
                }
              })()
            }
          })
        },
      },
    )
    await scraping
    expect(run.code, run.stderr).toBe(0)
    const summary = assertAccounted(run.events, specs.length)
    assertReceiptInvariant(run.events)
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    // every answer: 503 while the pool is funded, then 200 with the Prometheus text format
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503).map((a) => `${a.status} ${a.body.slice(0, 200)}`)).toEqual([])
    for (const a of answers.filter((a) => a.status === 200)) expect(a.type).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(scrapes.length, 'scraped several times during the 3 s run').toBeGreaterThanOrEqual(3)
    // the port answers before dispatch starts (funding the pool takes a 1 s block at least): 503 then
    expect(early, 'scrapes answered 503 before dispatch').toBeGreaterThanOrEqual(1)
    expect(answers.findIndex((a) => a.status === 200)).toBeGreaterThan(answers.findLastIndex((a) => a.status === 503))

    const sent = (s: Scrape) => s.series.get('floodgate_txs_sent_total{kind="transfer"}') ?? 0
    for (const s of scrapes) {
      // the counters come from the same events as stdout: never behind what stdout already showed
      expect(sent(s)).toBeGreaterThanOrEqual(s.sentSeen)
      expect(sent(s)).toBeLessThanOrEqual(summary.sent)
      const included = s.series.get('floodgate_txs_included_total{kind="transfer",status="success"}') ?? 0
      expect(s.series.get('floodgate_pending_txs')).toBeGreaterThanOrEqual(0)
      expect(included).toBeLessThanOrEqual(sent(s))
      expect(s.series.has('floodgate_queue_depth{queue="intake"}')).toBe(true)
      expect(s.series.get('floodgate_queue_capacity{queue="intake"}')).toBe(16)
      expect(s.series.get('floodgate_queue_capacity{queue="workers"}')).toBe(16)
      expect(s.series.has('floodgate_worker_queue_depth{worker="1"}')).toBe(true)
    }
    // mid-run: a paced run has specs queued, txs pending, and some already included
    const mid = scrapes.filter((s) => sent(s) > 0 && sent(s) < 300)
    expect(mid.length).toBeGreaterThanOrEqual(1)
    expect(mid.some((s) => (s.series.get('floodgate_queue_depth{queue="intake"}') ?? 0) > 0)).toBe(true)
    expect(mid.some((s) => (s.series.get('floodgate_pending_txs') ?? 0) > 0)).toBe(true)
    const last = scrapes.at(-1)!
    expect(last.series.get('floodgate_txs_failed_total{kind="whale",error_code="INSUFFICIENT_FUNDS"}')).toBe(3)
    expect(last.series.get('floodgate_invalid_specs_total{error_code="INVALID_JSON"}')).toBe(1)
    expect(last.series.get('floodgate_backpressure_episodes_total{stage="reader"}')).toBeGreaterThanOrEqual(1)
    expect(scrapes.some((s) => (s.series.get('floodgate_txs_included_total{kind="transfer",status="success"}') ?? 0) > 0)).toBe(true)
    // histograms: cumulative buckets, +Inf bucket = count = sent so far
    const count = last.series.get('floodgate_send_latency_seconds_count{kind="transfer"}')!
    expect(count).toBe(sent(last))
    expect(last.series.get('floodgate_send_latency_seconds_bucket{le="+Inf",kind="transfer"}')).toBe(count)
    const inclCount = last.series.get('floodgate_inclusion_latency_seconds_count{kind="transfer"}') ?? 0
    expect(inclCount).toBeGreaterThan(0)
    expect(last.series.get('floodgate_inclusion_latency_seconds_bucket{le="0.1",kind="transfer"}') ?? 0).toBeLessThanOrEqual(inclCount)
    // the server is gone with the run
    await expect(fetch(url!, { signal: AbortSignal.timeout(1_000) })).rejects.toThrow()
    expect(ofType(run.events, 'tx_receipt').length).toBe(summary.included)
  })

  test('behavior: GET / is an index naming the run and linking /metrics, at once; the counters a rate or an alert needs are at 0 from the first scrape', async () => {
    // 60 plain transfers at 30 tx/s (2 s), then 3 specs the pool cannot pay: they fail after the first scrapes
    const specs = [...Array.from({ length: 60 }, (_, i) => ({ to: SINK, value: `${i + 1} wei` })), ...Array.from({ length: 3 }, () => ({ to: SINK, value: '1000000000 eth' }))]
    const FAILED = 'floodgate_txs_failed_total{kind="(none)",error_code="INSUFFICIENT_FUNDS"}'
    let index: { status: number; type: string | null; body: string } | undefined
    const scrapes: Map<string, number>[] = []
    let scraping: Promise<void> | undefined
    const run = await runCli(['send', '--rpc-url', anvil.url, '--pool-size', '2', '--tps', '30', '--metrics-port', '0', '--log-level', 'info'], {
      stdin: jsonl(specs),
      env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: 'e2e-metrics-index' },
      onSpawn: (child) => {
        let err = ''
        child.stderr!.on('data', (c: Buffer) => {
          err += c.toString()
          const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/metrics"/.exec(err)
          if (!m || scraping) return
          scraping = (async () => {
            const res = await fetch(`${m[1]}/`, { signal: AbortSignal.timeout(2_000) })
            index = { status: res.status, type: res.headers.get('content-type'), body: await res.text() }
            for (let i = 0; i < 100 && child.exitCode === null; i++) {
              try {
                const r = await fetch(`${m[1]}/metrics`, { signal: AbortSignal.timeout(2_000) })
                if (r.status === 200) scrapes.push(parseProm(await r.text()))
              } catch {
                // the run ended between the check and the request
              }
              await new Promise((r) => setTimeout(r, 100))
            }
          })()
        })
      },
    })
    await scraping
    expect(run.code, run.stderr).toBe(0)
    const summary = assertAccounted(run.events, specs.length)
    expect(summary.failed).toBe(3)
    expect(index?.status).toBe(200)
    expect(index?.type).toMatch(/^text\/html/)
    expect(index?.body).toContain('<a href="metrics">/metrics</a>')
    expect(index?.body).toContain('pool executors (2 accounts)')
    const first = scrapes[0]!
    expect(first.get(FAILED), 'the failure series exists, at 0, before any failure').toBe(0)
    expect(first.get('floodgate_txs_failed_total{kind="(none)",error_code="RPC_UNAVAILABLE"}')).toBe(0)
    expect(first.get('floodgate_txs_timed_out_total{kind="(none)",reason="timeout"}')).toBe(0)
    expect(first.get('floodgate_txs_included_total{kind="(none)",status="reverted"}')).toBe(0)
    expect(first.get('floodgate_backpressure_episodes_total{stage="worker"}')).toBe(0)
    expect(first.get('floodgate_worker_panics_total')).toBe(0)
    expect(scrapes.at(-1)!.get(FAILED)).toBe(3)
    expect(scrapes.at(-1)!.get('floodgate_txs_sent_total{kind="(none)"}')).toBe(60)
  })

  test('error: a metrics port that is taken stops the run before sending, exit 1', async () => {
    const { createServer } = await import('node:net')
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()))
    const port = (blocker.address() as { port: number }).port
    try {
      const run = await runCli(['send', '--rpc-url', anvil.url, '--pool-size', '1', '--metrics-port', String(port)], {
        stdin: jsonl([{ to: SINK, value: '1 wei' }]),
        env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: 'e2e-metrics-taken' },
      })
      expect(run.code).toBe(1)
      expect(run.stderr).toContain(`--metrics-port ${port}`)
      expect(ofType(run.events, 'tx_result')).toHaveLength(0)
    } finally {
      blocker.close()
    }
  })
})
