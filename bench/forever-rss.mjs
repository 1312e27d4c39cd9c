#!/usr/bin/env node
// `floodgate run --forever` keeps its memory flat: a long run at a steady rate, the child's
// RSS sampled each minute, compared with its first minute. Not a test (it takes minutes).
//
//   npm run build && node bench/forever-rss.mjs                   # 10 min at 1,000 tx/s
//   node bench/forever-rss.mjs --minutes 3 --tps 500 --scenario erc20
//   node bench/forever-rss.mjs --minutes 3 --node-flags "--max-semi-space-size=32"
//
// It starts an anvil of its own on 127.0.0.1 (1 s blocks, 1G gas), runs the built CLI
// (`dist/bin/floodgate.js run SCENARIO --forever --tps N`) against it, reads the child's VmRSS
// from /proc each minute, then stops it with SIGINT. Prints one JSON line per sample and a
// summary line: { minutes, tps, rss_mb: [...], max_over_first: ratio, sent, included, timed_out }.
// Besides the RSS at each minute's end, each minute gives the highest RSS of its samples (every
// --sample-s, 5 s) and the live heap after its last full GC (bench/gc-probe.mjs, loaded into the
// child): the V8 heap holds garbage until a full GC, so RSS alone cannot tell retention from
// garbage not yet collected, and the live heap can.
// The accounts get 50 ETH each (--min-balance): a pool that runs dry leaves txs the node never
// includes, and a pending set that grows until --receipt-timeout is not what this measures.
// Events go to a counter, not to disk (a 10-minute run writes ≈1.2 M lines).

import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : dflt
}
const MINUTES = Number(arg('minutes', 10))
const TPS = Number(arg('tps', 1000))
const SCENARIO = arg('scenario', 'transfers')
const POOL = arg('accounts', '32')
const SAMPLE_S = Number(arg('sample-s', 5))
const NODE_FLAGS = arg('node-flags', '').split(' ').filter(Boolean)
const PROBE = path.join(mkdtempSync(path.join(tmpdir(), 'floodgate-forever-')), 'gc.jsonl')
writeFileSync(PROBE, '')

const { startAnvil } = await import(path.join(ROOT, 'dist', 'src', 'devnet', 'anvil.js'))
const { DEVNET_FUNDER_KEY } = await import(path.join(ROOT, 'dist', 'src', 'devnet', 'embedded.js'))

const rssMb = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN
}

const anvil = await startAnvil({ blockTime: 1, gasLimit: 1_000_000_000n })
const child = spawn(
  process.execPath,
  [...NODE_FLAGS, '--import', pathToFileURL(path.join(ROOT, 'bench', 'gc-probe.mjs')).href, path.join(ROOT, 'dist', 'bin', 'floodgate.js'), 'run', SCENARIO, '--rpc-url', anvil.url, '--forever', '--tps', String(TPS), '--accounts-per-pool', POOL, '--min-balance', '50eth', '--log-level', 'warn'],
  { env: { ...process.env, FLOODGATE_GC_PROBE: PROBE, FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: 'bench-forever' }, stdio: ['ignore', 'pipe', 'inherit'] },
)
let lines = 0
let tail = ''
child.stdout.on('data', (c) => {
  const s = c.toString()
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) lines++
  tail = (tail + s).slice(-4096)
})
const exited = new Promise((resolve) => child.on('exit', resolve))

/** The full GCs the probe saw, from line `from` on. */
const fullGcs = (from) => readFileSync(PROBE, 'utf8').split('\n').filter(Boolean).slice(from).map((l) => JSON.parse(l))
const samples = []
const maxima = []
const live = []
let gcSeen = 0
try {
  for (let m = 1; m <= MINUTES; m++) {
    let max = 0
    for (let s = SAMPLE_S; s <= 60; s += SAMPLE_S) {
      const stop = await Promise.race([new Promise((r) => setTimeout(() => r(false), SAMPLE_S * 1000)), exited.then(() => true)])
      if (stop) throw new Error(`floodgate exited early (minute ${m})`)
      max = Math.max(max, rssMb(child.pid))
    }
    const rss = rssMb(child.pid)
    const gcs = fullGcs(gcSeen)
    gcSeen += gcs.length
    samples.push(rss)
    maxima.push(Math.max(max, rss))
    live.push(gcs.at(-1)?.live_mb ?? NaN)
    console.log(JSON.stringify({ minute: m, rss_mb: rss, rss_max_mb: maxima.at(-1), live_mb: live.at(-1), full_gcs: gcs.length, full_gc_ms: Math.round(gcs.reduce((t, g) => t + g.gc_ms, 0)), event_lines: lines }))
  }
} finally {
  child.kill('SIGINT')
  await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))])
  child.kill('SIGKILL')
  await anvil.stop()
}
const summary = JSON.parse(tail.trim().split('\n').at(-1) ?? '{}')
console.log(
  JSON.stringify({
    minutes: MINUTES,
    tps: TPS,
    rss_mb: samples,
    max_over_first: Math.round((Math.max(...samples) / samples[0]) * 1000) / 1000,
    rss_max_mb: maxima,
    live_mb: live,
    live_max_over_first: Math.round((Math.max(...live) / live[0]) * 1000) / 1000,
    sent: summary.sent,
    included: summary.included,
    timed_out: summary.timed_out,
    failed: summary.failed,
    achieved_tps: summary.tps,
  }),
)
