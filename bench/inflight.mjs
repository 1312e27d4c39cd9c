#!/usr/bin/env node
// Several sends in flight per signer (`--in-flight n`), measured side by side: on one anvil this
// script starts (the embedded devnet's flags) and stops itself, and through a proxy that holds
// every HTTP request for 20 ms before passing it to that anvil (bench/delay-proxy.mjs).
//
//   node bench/inflight.mjs                     # 3 interleaved reps → stdout and docs/benchmarks.md
//   node bench/inflight.mjs --reps 1 --quick --no-write   # a smoke test, prints only
//   node bench/inflight.mjs --only far --delay-ms 100 --reps 1 --no-write   # one part, another distance
//
// Per rep, interleaved, anvil's pool drained after every run:
//   at a distance (through the proxy): floodgate --pool-size 10 at --in-flight 1, 4, 8, 16 (and 8
//     with --batch-size 1, one request per tx like the baseline); the windowed hand-written sender
//     (10 accounts × 8 in flight, one request per tx), also over only 32 connections; the same
//     sender 32 × 16 (the proxy's and node's ceiling, far above 10 × 8's Little's-law bound) and
//     10 × 8 without the proxy.
//   local (no proxy): the minimal on-the-fly sender (32 accounts, batches of 100 × 4) and
//     floodgate --pool-size 32 at --in-flight 1, 2, 4, 8, 16; and --in-flight 8 with receipts on.
// floodgate runs with --no-receipts except in the receipts row. All traffic goes to 127.0.0.1.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { addressOf, benchChildren, benchKeys, benchLog, BIN, fmt, fund, machineAndVersions, median, ROOT, rpcClient, startDevnetAnvil, transferSpecs, waitPoolEmpty, writeDocSection } from './lib.mjs'

const args = process.argv.slice(2)
const flag = (name) => args.includes(`--${name}`)
const opt = (name, dflt) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt)
const QUICK = flag('quick')
const REPS = Number(opt('reps', 3))
const N_FAR = Number(opt('n-far', QUICK ? 2000 : 4000))
const N_FAR_SERIAL = Math.ceil(N_FAR / 2)
const N_LOCAL = Number(opt('n-local', QUICK ? 5000 : 10000))
const DELAY_MS = Number(opt('delay-ms', 20))
const ONLY = new Set(opt('only', 'far,local').split(','))
const WRITE = !flag('no-write') && ONLY.size === 2
const SEED = 'floodgate-bench'
const FAR_POOL = 10
const LOCAL_POOL = 32
const FAR_IN_FLIGHT = [1, 4, 8, 16]
const LOCAL_IN_FLIGHT = [1, 2, 4, 8, 16]
const log = benchLog('inflight')

if (!existsSync(BIN)) {
  log(`${BIN} is missing: run npm run build first`)
  process.exit(1)
}

/** The delay proxy as a child; it exits when our stdin pipe to it closes, i.e. with us. */
function startProxy(upstream) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bench', 'delay-proxy.mjs'), '--upstream', upstream, '--delay-ms', String(DELAY_MS)], { stdio: ['pipe', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.stdout.once('data', (c) => resolve({ url: JSON.parse(String(c).split('\n')[0]).url, stop: () => child.stdin.end() }))
  })
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'floodgate-bench-inflight-'))
const { anvil } = await startDevnetAnvil()
const rpc = rpcClient(anvil.url)
const proxy = await startProxy(anvil.url)
const { floodgateRow, baseline } = benchChildren({ tmp, url: anvil.url, seed: SEED, log, fixedOnce: true })
log(`anvil ${anvil.url}, proxy ${proxy.url} (+${DELAY_MS} ms per request), tmp ${tmp}`)

const results = {}
const record = (name, value) => (results[name] ??= []).push(value)
const empty = path.join(tmp, 'empty.jsonl')
writeFileSync(empty, '')

async function drain(what) {
  const left = await waitPoolEmpty(rpc, 90_000)
  if (left > 0) log(`after ${what}: ${left} txs still pending after 90 s`)
}
async function fg(name, pool, inFlight, n, { url, receipts = false, extra = [] }) {
  const flags = ['--pool-size', String(pool), '--in-flight', String(inFlight), '--skip-funding', ...(receipts ? [] : ['--no-receipts']), ...extra]
  const row = await floodgateRow(flags, { input: transferSpecs(tmp, n), empty, url })
  record(name, row)
  log(`${name}: ${fmt(row.tps)} tx/s, ${fmt(row.cpu_us_per_tx)} µs/tx (${row.sent} sent, ${row.failed} failed)`)
  await drain(name)
}
async function base(name, kind, extra, url) {
  const r = await baseline(kind, extra, { url })
  record(name, r)
  log(`${name}: ${r.tps} tx/s, ${r.cpu_us_per_tx} µs/tx (${r.sent} sent, ${r.failed} failed)${r.first_error ? ` first error: ${r.first_error}` : ''}`)
  await drain(name)
}
const windowed = (senders, lanes, n, keys) => ['--n', String(n), '--senders', String(senders), '--lanes', String(lanes), '--keys', keys, '--cap-ms', '120000']

try {
  const { poolKeysFromSeed } = await import(path.join(ROOT, 'dist/src/accounts/poolKeys.js'))
  await fund(rpc, [...poolKeysFromSeed(SEED, 'executors', LOCAL_POOL), ...benchKeys('windowed', FAR_POOL), ...benchKeys('windowed-ceiling', 32), ...benchKeys('minimal', 32)].map(addressOf))
  for (let rep = 1; rep <= REPS; rep++) {
    if (ONLY.has('far')) {
      log(`rep ${rep}/${REPS}: through the proxy`)
      for (const k of FAR_IN_FLIGHT) await fg(`far-if${k}`, FAR_POOL, k, k === 1 ? N_FAR_SERIAL : N_FAR, { url: proxy.url })
      await fg('far-if8-b1', FAR_POOL, 8, N_FAR, { url: proxy.url, extra: ['--batch-size', '1'] })
      await base('far-windowed', 'windowed', windowed(FAR_POOL, 8, N_FAR, 'windowed'), proxy.url)
      await base('far-windowed-c32', 'windowed', [...windowed(FAR_POOL, 8, N_FAR, 'windowed'), '--connections', '32'], proxy.url)
      await base('far-ceiling', 'windowed', windowed(32, 16, N_FAR * 2, 'windowed-ceiling'), proxy.url)
      await base('near-windowed', 'windowed', windowed(FAR_POOL, 8, N_FAR, 'windowed'), anvil.url)
    }
    if (ONLY.has('local')) {
      log(`rep ${rep}/${REPS}: local`)
      await base('minimal', 'minimal', ['--n', String(N_LOCAL), '--senders', '32', '--batch', '100', '--inflight', '4', '--keys', 'minimal'], anvil.url)
      for (const k of LOCAL_IN_FLIGHT) await fg(`local-if${k}`, LOCAL_POOL, k, N_LOCAL, { url: anvil.url })
      await fg('local-if8-receipts', LOCAL_POOL, 8, N_LOCAL, { url: anvil.url, receipts: true })
    }
  }
} finally {
  proxy.stop()
  await rpc.close()
  await anvil.stop()
}

// ---------------------------------------------------------------- report

const med = (name, key = 'tps') => median((results[name] ?? []).map((r) => r[key]))
const ratio = (a, b) => fmt(med(a) / med(b), 2)
const runs = (name) => results[name].map((r) => fmt(r.tps)).join(', ')
const row = (name, label, refs) => `| ${label} | ${fmt(med(name))} | ${refs.map((r) => ratio(name, r)).join(' | ')} | ${fmt(med(name, 'cpu_us_per_tx'))} | ${runs(name)} |`
const has = ([k]) => results[k]
const far = [
  ...FAR_IN_FLIGHT.map((k) => [`far-if${k}`, `floodgate, pool ${FAR_POOL}, --in-flight ${k}`]),
  ['far-if8-b1', `floodgate, pool ${FAR_POOL}, --in-flight 8 --batch-size 1 (one request per tx)`],
  ['far-windowed', `windowed sender, ${FAR_POOL} accounts × 8 in flight, one request per tx`],
  ['far-windowed-c32', `windowed sender, ${FAR_POOL} × 8 over 32 HTTP connections (as many as floodgate opens)`],
  ['far-ceiling', 'windowed sender, 32 accounts × 16 in flight (the proxy\'s ceiling)'],
  ['near-windowed', `windowed sender, ${FAR_POOL} × 8, no proxy (for scale)`],
]
const local = [
  ['minimal', 'minimal on-the-fly sender: 32 accounts, batches of 100 × 4'],
  ...LOCAL_IN_FLIGHT.map((k) => [`local-if${k}`, `floodgate, pool ${LOCAL_POOL}, --in-flight ${k}`]),
  ['local-if8-receipts', `floodgate, pool ${LOCAL_POOL}, --in-flight 8, receipts on (the default mode)`],
]
const check = (ok) => (ok ? 'met' : 'NOT met')
const localBest = Math.max(...LOCAL_IN_FLIGHT.map((k) => med(`local-if${k}`)))
const farGoals = [
  `| through the proxy, pool ${FAR_POOL} --in-flight 8 ≥ 3.5× --in-flight 1 | ${ratio('far-if8', 'far-if1')}× | ${check(med('far-if8') / med('far-if1') >= 3.5)} |`,
  `| … and ≥ 0.9× the windowed sender (${FAR_POOL} × 8) | ${ratio('far-if8', 'far-windowed')}× (--batch-size 1: ${ratio('far-if8-b1', 'far-windowed')}×) | ${check(med('far-if8') / med('far-windowed') >= 0.9)} |`,
]
const localGoals = [
  `| local, pool ${LOCAL_POOL} ≥ 1.0× the minimal sender | ${LOCAL_IN_FLIGHT.map((k) => `${k}: ${ratio(`local-if${k}`, 'minimal')}×`).join(', ')} | ${check(localBest / med('minimal') >= 1)} |`,
  `| CPU ≤ 80 µs per tx | pool ${LOCAL_POOL}: ${LOCAL_IN_FLIGHT.map((k) => `${k}: ${fmt(med(`local-if${k}`, 'cpu_us_per_tx'))}`).join(', ')} µs | ${check(Math.min(...LOCAL_IN_FLIGHT.map((k) => med(`local-if${k}`, 'cpu_us_per_tx'))) <= 80)} |`,
  `| receipts on ≥ 0.6× --no-receipts (pool ${LOCAL_POOL}, --in-flight 8) | ${ratio('local-if8-receipts', 'local-if8')}× | ${check(med('local-if8-receipts') / med('local-if8') >= 0.6)} |`,
]
const goals = [...(ONLY.has('far') ? farGoals : []), ...(ONLY.has('local') ? localGoals : [])]
const { machine, versions } = await machineAndVersions()
const report = [
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`${`node bench/inflight.mjs ${args.join(' ')}`.trim()}\`.`,
  '',
  `- machine: ${machine}`,
  `- versions: ${versions}`,
  `- EIP-1559 transfers; medians of ${REPS} interleaved runs, each run's tx/s in the last column. Through the proxy: ${N_FAR.toLocaleString('en-US')} per run (--in-flight 1: ${N_FAR_SERIAL.toLocaleString('en-US')}; the ceiling run ${(N_FAR * 2).toLocaleString('en-US')}); local: ${N_LOCAL.toLocaleString('en-US')} per run`,
  `- floodgate with \`--no-receipts\` (send rate only) except the receipts row, and its default batching (\`--batch-size auto\`: a quarter of the pool) unless the row says otherwise`,
  '- tx/s: accepted sends over [first send, last answer]. CPU µs/tx: floodgate\'s process (all threads) minus the same command on an empty input (measured once per command), per tx; baselines: their process during the timed part',
  '',
  ...(ONLY.has('far')
    ? [
        `Through a proxy adding ${DELAY_MS} ms to every request:`,
        '',
        '| what | tx/s | × --in-flight 1 | × windowed 10 × 8 | CPU µs/tx | runs (tx/s) |',
        '|---|---:|---:|---:|---:|---|',
        ...far.filter(has).map(([k, label]) => row(k, label, ['far-if1', 'far-windowed'])),
        '',
      ]
    : []),
  ...(ONLY.has('local')
    ? [
        'Local anvil, no proxy:',
        '',
        '| what | tx/s | × minimal | × --in-flight 1 | CPU µs/tx | runs (tx/s) |',
        '|---|---:|---:|---:|---:|---|',
        ...local.filter(has).map(([k, label]) => row(k, label, ['minimal', 'local-if1'])),
        '',
      ]
    : []),
  '| goal | measured | |',
  '|---|---|---|',
  ...goals,
].join('\n')

process.stdout.write(`${report}\n`)
if (flag('keep-tmp')) writeFileSync(path.join(tmp, 'results.json'), JSON.stringify(results, null, 2))
if (WRITE) {
  writeDocSection(path.join(ROOT, 'docs', 'benchmarks.md'), 'inflight', report)
  log('wrote docs/benchmarks.md')
}
if (!flag('keep-tmp')) rmSync(tmp, { recursive: true, force: true })
process.exit(0)
