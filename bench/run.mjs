#!/usr/bin/env node
// `npm run bench`: floodgate's throughput next to its baselines, in one run, on one anvil this
// script starts (the embedded devnet's flags: 1 s blocks, 1G gas, prague) and stops itself.
//
//   node bench/run.mjs                   # everything: 3 reps, table → stdout and docs/benchmarks.md
//   node bench/run.mjs --reps 1 --quick  # smaller counts, no 1M dry run (a smoke test)
//   node bench/run.mjs --no-write        # print only
//   node bench/run.mjs --only core       # core | tps | inclusion | dryrun | profile (comma list)
//
// Phases (each bounded in count and time; between them anvil's pool is drained):
//   core       per rep, interleaved: the pre-signed ceiling (mining off), the minimal on-the-fly
//              sender, floodgate at pools 1/8/32/128 (and 32/128 with receipt tracking on), the
//              naive viem loop, viem's nonceManager pool. Medians of the reps.
//   tps        floodgate --tps 1000 for 30 s: achieved rate and per-second spread
//   inclusion  floodgate --tps 4000 for 20 s: sent vs included (on-chain nonces, polled each second)
//   dryrun     1,000,000 lines through --dry-run: peak RSS and speed
//   profile    one floodgate pool-32 run under --cpu-prof, summarized
//
// All traffic goes to the anvil on 127.0.0.1. Ratios are only meaningful within one run: the
// machine is shared and noisy, so the absolute tx/s move from run to run.

import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { addressOf, benchChildren, benchKeys, benchLog, BIN, fmt, fund, latestNonces, machineAndVersions, median, ROOT, rpcClient, runChild, sendRate, sleep, startDevnetAnvil, transferSpecs, waitPoolEmpty, writeDocSection } from './lib.mjs'

const args = process.argv.slice(2)
const flag = (name) => args.includes(`--${name}`)
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const QUICK = flag('quick')
const REPS = Number(opt('reps', 3))
const N = Number(opt('n', QUICK ? 5000 : 20000))
const N_POOL1 = Math.min(N, QUICK ? 1500 : 5000)
const N_NAIVE = Number(opt('naive-n', QUICK ? 100 : 300))
const N_NONCE_MANAGER = Number(opt('nm-n', QUICK ? 400 : 1600))
const DRY_N = Number(opt('dry-n', QUICK ? 100_000 : 1_000_000))
const ONLY = new Set((opt('only', QUICK ? 'core,tps,inclusion' : 'core,tps,inclusion,dryrun,profile')).split(','))
const WRITE = !flag('no-write')
const POOLS = [1, 8, 32, 128]
const SEED = 'floodgate-bench'

const log = benchLog('bench')

if (!existsSync(BIN)) {
  log(`${BIN} is missing: run npm ci (or npm run build) first`)
  process.exit(1)
}
const tmp = mkdtempSync(path.join(os.tmpdir(), 'floodgate-bench-'))

async function drain(what) {
  const left = await waitPoolEmpty(rpc, 90_000)
  if (left > 0) log(`after ${what}: ${left} txs still pending after 90 s`)
}

// ---------------------------------------------------------------- setup

log(`tmp ${tmp}`)
const { anvil, devnet } = await startDevnetAnvil()
const anvilUrl = anvil.url
const rpc = rpcClient(anvilUrl)
const run = (cmd, argv) => runChild(cmd, argv, { log })
const { floodgate, floodgateRow, baseline } = benchChildren({ tmp, url: anvilUrl, seed: SEED, log })
log(`anvil ${anvilUrl} (pid ${anvil.pid})`)

const results = {}
const record = (name, value) => (results[name] ??= []).push(value)
const notes = []

try {
  const specsFile = (n) => transferSpecs(tmp, n)
  const empty = path.join(tmp, 'empty.jsonl')
  writeFileSync(empty, '')

  // fund the baselines' accounts (anvil_setBalance) and floodgate's pool (its own funding, once)
  await fund(rpc, [...benchKeys('presigned', 32), ...benchKeys('minimal', 32), ...benchKeys('viem-naive', 1), ...benchKeys('viem-nonce-manager', 32)].map(addressOf))
  const help = await run(process.execPath, [BIN, 'send', '--help'])
  const hasReceipts = help.stdout.includes('--no-receipts')
  const noReceipts = hasReceipts ? ['--no-receipts'] : []
  await floodgate(['--pool-size', String(Math.max(...POOLS)), '--min-balance', '1000 eth', ...noReceipts], { input: empty })
  await drain('funding')
  log('funded')

  // ------------------------------------------------------------ core
  if (ONLY.has('core')) {
    const fg = async (name, pool, n, extraFlags) => {
      const row = await floodgateRow(['--pool-size', String(pool), '--skip-funding', ...extraFlags], { input: specsFile(n), empty })
      record(name, row)
      log(`${name}: ${row.tps.toFixed(0)} tx/s, ${row.cpu_us_per_tx.toFixed(0)} µs/tx, ${row.rss_mb.toFixed(0)} MB`)
      await drain(name)
    }
    const base = async (name, kind, extra, { drainAfter = true } = {}) => {
      const r = await baseline(kind, extra)
      record(name, { tps: r.tps, sent: r.sent, failed: r.failed, cpu_us_per_tx: r.cpu_us_per_tx, rss_mb: r.rss_mb, ...(r.first_error ? { first_error: r.first_error } : {}) })
      log(`${name}: ${r.tps} tx/s (${r.sent} sent, ${r.failed} failed)${r.first_error ? ` first error: ${r.first_error}` : ''}`)
      if (drainAfter) await drain(name)
    }
    for (let rep = 1; rep <= REPS; rep++) {
      log(`rep ${rep}/${REPS}`)
      // the ingest ceiling: mining off while it runs (as in the issue), then the txs are mined
      await rpc.call('evm_setIntervalMining', [0])
      try {
        await base('ceiling', 'presigned', ['--n', String(N), '--senders', '32', '--batch', '100', '--inflight', '4', '--keys', 'presigned'], { drainAfter: false })
      } finally {
        await rpc.call('evm_setIntervalMining', [devnet.DEVNET_BLOCK_TIME_S])
      }
      await drain('ceiling (mining back on)')
      await base('minimal', 'minimal', ['--n', String(N), '--senders', '32', '--batch', '100', '--inflight', '4', '--keys', 'minimal'])
      for (const pool of [32, 128, 8, 1]) await fg(`floodgate-${pool}`, pool, pool === 1 ? N_POOL1 : N, noReceipts)
      if (hasReceipts) for (const pool of [32, 128]) await fg(`floodgate-${pool}-receipts`, pool, N, [])
      await base('viem-naive', 'viem-naive', ['--n', String(N_NAIVE), '--senders', '1', '--keys', 'viem-naive', '--cap-ms', '60000'])
      await base('viem-nonce-manager', 'viem-nonce-manager', ['--n', String(N_NONCE_MANAGER), '--senders', '32', '--keys', 'viem-nonce-manager', '--cap-ms', '60000'])
    }
  }

  // ------------------------------------------------------------ tps
  if (ONLY.has('tps')) {
    const secs = QUICK ? 10 : 30
    log(`--tps 1000 for ${secs} s`)
    const r = await floodgate(['--pool-size', '32', '--skip-funding', '--tps', '1000', '--duration', `${secs}s`, ...noReceipts], { input: specsFile(Math.max(N, 1000 * secs + 5000)), capMs: (secs + 60) * 1000 })
    const rate = sendRate(r.eventsFile)
    // the pacer's schedule is when sends start: count starts per whole second of the run
    const starts = rate.starts.sort((a, b) => a - b)
    const span = starts.at(-1) - starts[0]
    const perSecond = new Array(Math.floor(span / 1000)).fill(0)
    for (const t of starts) {
      const s = Math.floor((t - starts[0]) / 1000)
      if (s < perSecond.length) perSecond[s]++
    }
    const full = perSecond
    const mean = full.reduce((a, b) => a + b, 0) / Math.max(1, full.length)
    const sd = Math.sqrt(full.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, full.length))
    const overall = ((starts.length - 1) / span) * 1000
    results.tps = { target: 1000, seconds: secs, sent: rate.sent, overall, missed_slots: r.summary.pacing?.missed_slots ?? null, per_second: { min: Math.min(...full), max: Math.max(...full), mean, sd, n: full.length, p10: pct(full, 10), p90: pct(full, 90) } }
    log(`tps: ${overall.toFixed(1)} tx/s overall; per second ${Math.min(...full)}–${Math.max(...full)} (sd ${sd.toFixed(1)})`)
    rmSync(r.eventsFile)
    await drain('tps')
  }

  // ------------------------------------------------------------ inclusion
  if (ONLY.has('inclusion')) {
    const secs = QUICK ? 10 : 20
    const target = Number(opt('inclusion-tps', 4000))
    const pool = 128
    log(`inclusion: --tps ${target} for ${secs} s, pool ${pool}`)
    const { poolKeysFromSeed } = await import(path.join(ROOT, 'dist/src/accounts/poolKeys.js'))
    const addresses = poolKeysFromSeed(SEED, 'executors', pool).map(addressOf)
    const sum = (xs) => xs.reduce((a, b) => a + b, 0)
    const start = sum(await latestNonces(rpc, addresses))
    const samples = []
    let polling = true
    const poller = (async () => {
      while (polling) {
        const t = Date.now()
        samples.push({ t, included: sum(await latestNonces(rpc, addresses)) - start })
        await sleep(Math.max(0, 1000 - (Date.now() - t)))
      }
    })()
    const r = await floodgate(['--pool-size', String(pool), '--skip-funding', '--tps', String(target), '--duration', `${secs}s`, ...noReceipts], { input: specsFile(Math.max(N, target * secs + 10000)), capMs: (secs + 60) * 1000 })
    const rate = sendRate(r.eventsFile)
    const endSend = rate.last
    // keep polling until everything sent is included (or 30 s)
    while (Date.now() < endSend + 30_000 && (samples.at(-1)?.included ?? 0) < rate.sent) await sleep(500)
    polling = false
    await poller
    rmSync(r.eventsFile)
    const sorted = rate.completions.sort((a, b) => a - b)
    const sentBy = (t) => {
      let lo = 0
      let hi = sorted.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (sorted[mid] <= t) lo = mid + 1
        else hi = mid
      }
      return lo
    }
    const during = samples.filter((s) => s.t >= rate.first && s.t <= endSend)
    const backlog = during.map((s) => sentBy(s.t) - s.included)
    const half = Math.floor(backlog.length / 2)
    const drained = samples.find((s) => s.t > endSend && s.included >= rate.sent)
    // inclusion rate over the send window: included at the last sample in the window, per second of window
    const lastIn = during.at(-1)
    results.inclusion = {
      target,
      seconds: secs,
      sent: rate.sent,
      sent_tps: rate.tps,
      included_tps: lastIn ? (lastIn.included / (lastIn.t - rate.first)) * 1000 : 0,
      backlog_max: Math.max(0, ...backlog),
      backlog_first_half_mean: mean(backlog.slice(0, half)),
      backlog_second_half_mean: mean(backlog.slice(half)),
      drained_ms_after_last_send: drained ? drained.t - endSend : null,
      included_final: samples.at(-1)?.included ?? 0,
    }
    log(`inclusion: sent ${rate.tps.toFixed(0)} tx/s, included ${results.inclusion.included_tps.toFixed(0)} tx/s, backlog max ${results.inclusion.backlog_max}, drained ${fmt(results.inclusion.drained_ms_after_last_send ?? NaN)} ms after`)
    await drain('inclusion')
  }

  // ------------------------------------------------------------ dry run, 1M lines
  if (ONLY.has('dryrun')) {
    log(`dry run: ${DRY_N} lines`)
    const file = specsFile(DRY_N)
    const r = await floodgate(['--pool-size', '32', '--skip-funding', '--dry-run', '--duration', '600s', ...noReceipts], { input: file, keepEvents: false, capMs: 700_000 })
    results.dryrun = { lines: DRY_N, sent: r.summary.sent, tps: r.summary.tps, cpu_us_per_tx: r.usage.cpu_us / Math.max(1, r.summary.sent), rss_mb: r.usage.max_rss_kb / 1024 }
    log(`dry run: ${r.summary.sent} signed at ${r.summary.tps} tx/s, peak RSS ${(r.usage.max_rss_kb / 1024).toFixed(0)} MB`)
    rmSync(file)
  }

  // ------------------------------------------------------------ profile
  if (ONLY.has('profile')) {
    const dir = path.join(tmp, 'prof')
    log('profile: floodgate pool 32 under --cpu-prof')
    const r = await floodgate(['--pool-size', '32', '--skip-funding', ...noReceipts], { input: specsFile(N), nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir] })
    const rate = sendRate(r.eventsFile)
    rmSync(r.eventsFile)
    const prof = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
    const s = await run(process.execPath, [path.join(ROOT, 'bench', 'cpuprofile-summary.mjs'), path.join(dir, prof), '--divide', String(rate.sent), '--top', '18'])
    results.profile = { tps: rate.tps, sent: rate.sent, text: s.stdout.replace(/^profile: .*\n/, '') }
    await drain('profile')
  }
} finally {
  await rpc.close()
  await anvil.stop()
}

function pct(xs, p) {
  const v = [...xs].sort((a, b) => a - b)
  return v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))]
}
function mean(xs) {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0
}

// ---------------------------------------------------------------- report

const med = (name, key) => median((results[name] ?? []).map((r) => r[key]))
const ceiling = med('ceiling', 'tps')
const minimal = med('minimal', 'tps')
const rows = [
  ['ceiling', 'pre-signed raw txs, batches of 100, 4 in flight, mining off (anvil ingest ceiling)'],
  ['minimal', 'minimal on-the-fly sender: native secp256k1, batches of 100 × 4'],
  ['floodgate-1', 'floodgate, pool 1'],
  ['floodgate-8', 'floodgate, pool 8'],
  ['floodgate-32', 'floodgate, pool 32'],
  ['floodgate-128', 'floodgate, pool 128'],
  ['floodgate-32-receipts', 'floodgate, pool 32, receipt tracking on (default)'],
  ['floodgate-128-receipts', 'floodgate, pool 128, receipt tracking on (default)'],
  ['viem-naive', 'naive viem loop: sendTransaction awaited serially'],
  ['viem-nonce-manager', 'viem nonceManager, 32 accounts, 32 in flight'],
].filter(([k]) => results[k])
const table = [
  '| what | tx/s | × ceiling | × minimal | CPU µs/tx | peak RSS MB | runs (tx/s) |',
  '|---|---:|---:|---:|---:|---:|---|',
  ...rows.map(([k, label]) => {
    const tps = med(k, 'tps')
    const runs = results[k].map((r) => fmt(r.tps)).join(', ')
    return `| ${label} | ${fmt(tps)} | ${fmt(tps / ceiling, 2)} | ${fmt(tps / minimal, 2)} | ${fmt(med(k, 'cpu_us_per_tx'))} | ${fmt(med(k, 'rss_mb'))} | ${runs} |`
  }),
]
const goals = []
if (results['floodgate-32'] && results.minimal) {
  const best = Math.max(med('floodgate-32', 'tps'), med('floodgate-128', 'tps'))
  const naive = med('viem-naive', 'tps')
  const nm = med('viem-nonce-manager', 'tps')
  const cpu32 = med('floodgate-32', 'cpu_us_per_tx')
  const check = (ok) => (ok ? 'met' : 'NOT met')
  goals.push(`| floodgate pool ≥ 32 ≥ 1.0× the minimal sender | pool 32: ${fmt(med('floodgate-32', 'tps') / minimal, 2)}×, pool 128: ${fmt(med('floodgate-128', 'tps') / minimal, 2)}× | ${check(best / minimal >= 1)} |`)
  goals.push(`| ≥ 20× the naive viem loop | ${fmt(best / naive, 1)}× (pool 32: ${fmt(med('floodgate-32', 'tps') / naive, 1)}×) | ${check(best / naive >= 20)} |`)
  goals.push(`| ≥ 12× viem nonceManager | ${fmt(best / nm, 1)}× (pool 32: ${fmt(med('floodgate-32', 'tps') / nm, 1)}×) | ${check(best / nm >= 12)} |`)
  goals.push(`| floodgate CPU ≤ 80 µs/tx | pool 32: ${fmt(cpu32)} µs, pool 128: ${fmt(med('floodgate-128', 'cpu_us_per_tx'))} µs | ${check(cpu32 <= 80)} |`)
}
if (results.tps) {
  const t = results.tps
  goals.push(`| --tps 1000 for ${t.seconds} s within 1 % | ${fmt(t.overall, 1)} tx/s (${fmt((t.overall / 1000 - 1) * 100, 2)} %) over ${fmt(t.per_second.n)} whole seconds; per second ${t.per_second.min}–${t.per_second.max} (p10 ${t.per_second.p10}, p90 ${t.per_second.p90}, sd ${fmt(t.per_second.sd, 1)}); missed slots ${t.missed_slots ?? '–'} | ${Math.abs(t.overall / 1000 - 1) <= 0.01 ? 'met' : 'NOT met'} |`)
}
if (results.inclusion) {
  const i = results.inclusion
  const keeps = i.included_final >= i.sent && i.drained_ms_after_last_send !== null && i.drained_ms_after_last_send <= 3000
  goals.push(`| included keeps up with sent up to ≥ 4,000 tx/s | sent ${fmt(i.sent_tps)} tx/s, included ${fmt(i.included_tps)} tx/s, backlog max ${i.backlog_max} (1st half mean ${fmt(i.backlog_first_half_mean)}, 2nd half ${fmt(i.backlog_second_half_mean)}), all included ${i.drained_ms_after_last_send === null ? '–' : fmt(i.drained_ms_after_last_send)} ms after the last send | ${keeps && i.sent_tps >= 0.99 * i.target ? 'met' : keeps ? `keeps up at ${fmt(i.sent_tps)} tx/s sent` : 'NOT met'} |`)
}
if (results.dryrun) {
  const d = results.dryrun
  goals.push(`| ${d.lines.toLocaleString('en-US')} lines through --dry-run, RSS ≤ 200 MB | peak RSS ${fmt(d.rss_mb)} MB, ${fmt(d.tps)} tx/s, ${fmt(d.cpu_us_per_tx)} µs/tx | ${d.rss_mb <= 200 ? 'met' : 'NOT met'} |`)
}

const { machine, versions } = await machineAndVersions()

const command = `node bench/run.mjs ${args.join(' ')}`.trim()
const report = [
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`${command}\` (\`npm run bench\` runs \`node bench/run.mjs\`).`,
  '',
  `- machine: ${machine}`,
  `- versions: ${versions}`,
  `- ${N.toLocaleString('en-US')} EIP-1559 transfers per run (pool 1: ${N_POOL1.toLocaleString('en-US')}; naive viem: ${N_NAIVE}; nonceManager: ${N_NONCE_MANAGER}); medians of ${REPS} interleaved runs, each run's tx/s in the last column`,
  '- tx/s: accepted sends over [first send, last answer]. CPU µs/tx: floodgate\'s own process (all threads, user + system) minus the same command on an empty input (start-up, pool setup), per tx; baselines: their process during the timed part',
  '',
  ...table,
  '',
  ...(goals.length ? ['| goal | measured | |', '|---|---|---|', ...goals, ''] : []),
  ...(results.profile ? ['Profile of floodgate, pool 32 (`node --cpu-prof`, summarized by `bench/cpuprofile-summary.mjs`; µs/unit = per sent tx; (idle) is the main thread waiting):', '', '```', results.profile.text.trimEnd(), '```', ''] : []),
  ...notes,
].join('\n')

process.stdout.write(`${report}\n`)
if (flag('keep-tmp')) writeFileSync(path.join(tmp, 'results.json'), JSON.stringify(results, null, 2))
if (WRITE) {
  const docPath = path.join(ROOT, 'docs', 'benchmarks.md')
  writeDocSection(docPath, 'bench', report)
  log(`wrote ${path.relative(ROOT, docPath)}`)
}
if (!flag('keep-tmp')) rmSync(tmp, { recursive: true, force: true })
