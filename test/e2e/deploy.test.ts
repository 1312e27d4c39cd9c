import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { ROOT, ofType, runCli, type CliRun } from '../helpers/cli.js'
import { parseYaml } from '../helpers/miniYaml.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
const manifest = parseYaml(readFileSync(join(ROOT, 'deploy', 'kubernetes', 'floodgate-job.yaml'), 'utf8')) as any
const scrape = parseYaml(readFileSync(join(ROOT, 'deploy', 'prometheus', 'scrape.yml'), 'utf8')) as any
const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy', 'grafana', 'floodgate-dashboard.json'), 'utf8'))
const container = manifest.spec.template.spec.containers[0]
const args: string[] = container.args
const argAfter = (flag: string) => args[args.indexOf(flag) + 1]!

/** The metric names the dashboard's queries read (a histogram's _bucket/_sum/_count are its name). */
function dashboardMetrics(): Set<string> {
  const names = new Set<string>()
  for (const p of dashboard.panels) for (const t of p.targets) for (const [m] of String(t.expr).matchAll(/floodgate_[a-z_]+/g)) names.add(m.replace(/_(bucket|sum|count)$/, ''))
  return names
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

describe('deploy/: the Kubernetes Indexed Job, the scrape config, the dashboard', () => {
  test('behavior: the manifest is an Indexed Job of n completions, n at once, whose pods are shard JOB_COMPLETION_INDEX of n, with secrets from a Secret', () => {
    expect(manifest).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed', template: { spec: { restartPolicy: 'Never' } } } })
    const n = Number(argAfter('--shards'))
    expect(n).toBeGreaterThan(1)
    expect(manifest.spec.completions).toBe(n)
    expect(manifest.spec.parallelism).toBe(n)
    expect(container.command).toEqual(['floodgate'])
    const env = new Map<string, any>(container.env.map((e: any) => [e.name, e]))
    for (const name of ['FLOODGATE_SEED', 'FLOODGATE_FUNDER_KEY']) expect(env.get(name)?.valueFrom?.secretKeyRef?.name).toBe('floodgate')
    expect(container.ports[0].containerPort).toBe(Number(argAfter('--metrics-port')))
    expect(argAfter('--metrics-host')).toBe('0.0.0.0')
    expect(scrape.scrape_configs[0]).toMatchObject({ job_name: 'floodgate', metrics_path: '/metrics' })
    const keep = scrape.scrape_configs[0].relabel_configs.find((r: any) => r.source_labels[0] === '__meta_kubernetes_pod_label_app_kubernetes_io_name')
    expect(keep.regex).toBe(manifest.spec.template.metadata.labels['app.kubernetes.io/name'])
  })

  describe('its command, run here with JOB_COMPLETION_INDEX set', () => {
    let anvil: AnvilInstance
    let runs: CliRun[]
    let scraped = ''
    const n = Number(argAfter('--shards'))

    beforeAll(async () => {
      anvil = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n })
      const port = await freePort()
      const env = Object.fromEntries(container.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]))
      // the pod's command as written, then what differs here: the node, a short run, a local port;
      // --rpc-url twice (the same node) so the dashboard's endpoint panels have their series
      const local = ['--duration', '3s', '--tps', '90', '--accounts-per-pool', '2', '--metrics-host', '127.0.0.1', '--rpc-url', anvil.url, '--rpc-url', anvil.url]
      const withPort = (i: number) => (i === 0 ? ['--metrics-port', String(port)] : ['--metrics-port', '0'])
      let done = false
      const poll = (async () => {
        // scrape shard 0 while it runs; keep the last full answer
        while (!done) {
          try {
            const res = await fetch(`http://127.0.0.1:${port}/metrics`)
            if (res.ok) {
              const text = await res.text()
              if (text.includes('floodgate_txs_included_total{')) scraped = text
            }
          } catch {
            // not listening yet, or gone
          }
          await new Promise((r) => setTimeout(r, 200))
        }
      })()
      runs = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          runCli([...args, ...local, ...withPort(i)], {
            env: { ...env, RPC_URL: anvil.url, JOB_COMPLETION_INDEX: String(i), FLOODGATE_SEED: 'e2e-deploy', FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY },
            timeoutMs: 90_000,
          }),
        ),
      )
      done = true
      await poll
    }, 100_000)
    afterAll(async () => {
      await anvil?.stop()
    })

    test('behavior: every pod runs its shard: exit 0, its events tagged with its index, the rate split', () => {
      for (const [i, r] of runs.entries()) {
        expect(r.code, r.stderr).toBe(0)
        expect(r.events.every((e) => e.shard === `${i}/${n}`)).toBe(true)
        expect(ofType(r.events, 'tx_result').length).toBeGreaterThan(0)
      }
      expect(runs.reduce((s, r) => s + r.events.at(-1)!.sent, 0)).toBe(90 * 3)
    })

    test('behavior: every metric the dashboard queries exists on /metrics during a run; every series has the shard label', () => {
      const names = dashboardMetrics()
      expect(names.size).toBeGreaterThan(10)
      // a labelled counter nothing has counted yet (failures, say) is declared, without series
      const missing = [...names].filter((m) => !new RegExp(`^# TYPE ${m} `, 'm').test(scraped))
      expect(missing, scraped.slice(0, 2000)).toEqual([])
      for (const m of ['floodgate_txs_sent_total', 'floodgate_txs_included_total', 'floodgate_endpoint_txs_total', 'floodgate_endpoint_send_latency_seconds_bucket', 'floodgate_pending_txs']) {
        expect(scraped).toMatch(new RegExp(`^${m}\\{`, 'm'))
      }
      const series = scraped.split('\n').filter((l) => l.startsWith('floodgate_'))
      expect(series.filter((l) => !l.includes(`shard="0/${n}"`))).toEqual([])
    })
  })
})
