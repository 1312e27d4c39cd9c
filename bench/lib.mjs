// Shared helpers of the throughput benchmarks (bench/run.mjs, bench/inflight.mjs, bench/baseline.mjs).
// Everything talks to 127.0.0.1 only, to the anvil a bench script starts and stops itself.

import { spawn } from 'node:child_process'
import { closeSync, createWriteStream, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Pool } from 'undici'
import { keccak256, stringToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

/** Public anvil dev account #0 (mnemonic "test … junk"): funds the bench accounts on this throwaway chain. */
export const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
export const SINKS = ['0x000000000000000000000000000000000000dEaD', '0x000000000000000000000000000000000000bEEF']

/** A tiny JSON-RPC client on an undici keep-alive pool (the baselines' transport, as the issue measured). */
export function rpcClient(url, { connections = 8, timeoutMs = 60_000 } = {}) {
  const u = new URL(url)
  const pool = new Pool(u.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
  let id = 1
  async function post(body) {
    const res = await pool.request({ path: u.pathname || '/', method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const text = await res.body.text()
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`)
    return JSON.parse(text)
  }
  return {
    async call(method, params = []) {
      const r = await post(JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }))
      if (r.error) throw new Error(`${method}: ${r.error.message}`)
      return r.result
    },
    /** Sends calls as one batch; resolves with the answers in call order ({result} or {error}). */
    async batch(calls) {
      const first = id
      id += calls.length
      const body = `[${calls.map((c, i) => JSON.stringify({ jsonrpc: '2.0', id: first + i, method: c.method, params: c.params ?? [] })).join(',')}]`
      const r = await post(body)
      const byId = new Map(r.map((x) => [x.id, x]))
      return calls.map((_, i) => byId.get(first + i) ?? { error: { message: 'missing from batch answer' } })
    },
    close: () => pool.close(),
  }
}

/** Deterministic throwaway keys for the baselines' senders. */
export function benchKeys(tag, n) {
  return Array.from({ length: n }, (_, i) => keccak256(stringToHex(`floodgate-bench:${tag}:${i}`)))
}

export function addressOf(key) {
  return privateKeyToAccount(key).address
}

/** Gives every address plenty of ether (anvil_setBalance: no txs, no mining needed). */
export async function fund(rpc, addresses) {
  const wei = `0x${(10n ** 27n).toString(16)}`
  for (let i = 0; i < addresses.length; i += 100) {
    await rpc.batch(addresses.slice(i, i + 100).map((a) => ({ method: 'anvil_setBalance', params: [a, wei] })))
  }
}

/** Waits until anvil's pool is empty (everything sent so far is mined), at most `capMs`. */
export async function waitPoolEmpty(rpc, capMs = 90_000) {
  const deadline = Date.now() + capMs
  for (;;) {
    const s = await rpc.call('txpool_status')
    const left = Number(BigInt(s.pending)) + Number(BigInt(s.queued))
    if (left === 0) return 0
    if (Date.now() > deadline) return left
    await sleep(250)
  }
}

export async function pendingNonces(rpc, addresses) {
  const answers = await rpc.batch(addresses.map((a) => ({ method: 'eth_getTransactionCount', params: [a, 'pending'] })))
  return answers.map((r) => Number(BigInt(r.result)))
}

export async function latestNonces(rpc, addresses) {
  const out = []
  for (let i = 0; i < addresses.length; i += 200) {
    const answers = await rpc.batch(addresses.slice(i, i + 200).map((a) => ({ method: 'eth_getTransactionCount', params: [a, 'latest'] })))
    for (const r of answers) out.push(Number(BigInt(r.result)))
  }
  return out
}

/**
 * Blocks from `from` on, until `total` txs that `isOurs(tx)` are in (or `capMs`): each block's
 * number, timestamp, our count, gas used and when it was read.
 */
export async function followBlocks(rpc, isOurs, total, from, capMs) {
  const blocks = []
  let seen = 0
  let n = from
  const deadline = Date.now() + capMs
  while (seen < total && Date.now() < deadline) {
    const b = await rpc.call('eth_getBlockByNumber', [`0x${n.toString(16)}`, true])
    if (!b) {
      await sleep(100)
      continue
    }
    const ours = b.transactions.filter(isOurs).length
    seen += ours
    blocks.push({ n, ts: Number(BigInt(b.timestamp)), ours, gasUsed: Number(BigInt(b.gasUsed)), at: Date.now() })
    n++
  }
  return { blocks, seen }
}

export function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const m = v.length >> 1
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms))
}

/** CPU µs of this process since `start` (process.cpuUsage()). */
export function cpuSince(start) {
  const c = process.cpuUsage(start)
  return c.user + c.system
}

// ---------------------------------------------------------------- children of a bench script

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const BIN = path.join(ROOT, 'dist', 'bin', 'floodgate.js')
const PROBE = path.join(ROOT, 'bench', 'child-usage.mjs')
const BASELINE = path.join(ROOT, 'bench', 'baseline.mjs')
const CHILD_CAP_MS = 240_000

/** A log line on stderr, tagged and timed. */
export function benchLog(tag) {
  return (...a) => process.stderr.write(`[${tag} ${new Date().toISOString().slice(11, 19)}] ${a.join(' ')}\n`)
}

/** Runs a child to completion (killed after capMs); resolves with its exit code and output. */
export function runChild(cmd, argv, { env = {}, stdoutFile, capMs = CHILD_CAP_MS, keepStdout = true, log = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let tail = ''
    let err = ''
    if (stdoutFile) child.stdout.pipe(createWriteStream(stdoutFile))
    else
      child.stdout.on('data', (c) => {
        if (keepStdout) out += c
        else tail = (tail + c).slice(-65536)
      })
    child.stderr.on('data', (c) => (err = (err + c).slice(-20000)))
    const timer = setTimeout(() => {
      log(`${path.basename(argv[argv.length - 1] ?? cmd)}: over ${capMs} ms, killing it`)
      child.kill('SIGKILL')
    }, capMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout: keepStdout ? out : tail, stderr: err })
    })
  })
}

/**
 * The measured children of one bench run against a node at `url` (each call may name another,
 * e.g. a proxy in front of it): `floodgate` (a `send` child with the usage probe preloaded;
 * returns its events file or stdout tail, usage and summary), `floodgateRow` and `baseline`
 * (bench/baseline.mjs). `fixedOnce`: a row's empty-input run (its fixed CPU) is measured once
 * per command and reused by later reps, instead of once per row.
 */
export function benchChildren({ tmp, url, seed, log, fixedOnce = false }) {
  const stateDir = path.join(tmp, 'state')
  const fixedCpu = new Map()
  let fgRun = 0
  async function floodgate(flags, { input, url: target = url, nodeFlags = [], keepEvents = true, capMs, bin = BIN } = {}) {
    const id = ++fgRun
    const usageFile = path.join(tmp, `usage-${id}.json`)
    const eventsFile = keepEvents ? path.join(tmp, `events-${id}.jsonl`) : undefined
    const t0 = performance.now()
    const r = await runChild(process.execPath, [...nodeFlags, '--import', PROBE, bin, 'send', '--rpc-url', target, '--log-level', 'warn', '--from', input, ...flags], {
      env: { BENCH_USAGE_FILE: usageFile, FLOODGATE_SEED: seed, FLOODGATE_STATE_DIR: stateDir, FLOODGATE_FUNDER_KEY: DEV_KEY },
      ...(eventsFile ? { stdoutFile: eventsFile } : { keepStdout: false }),
      ...(capMs ? { capMs } : {}),
      log,
    })
    const wallMs = performance.now() - t0
    if (r.code !== 0) throw new Error(`${bin} send ${flags.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`)
    const usage = JSON.parse(readFileSync(usageFile, 'utf8'))
    const text = eventsFile ? readFileSync(eventsFile, 'utf8') : r.stdout
    const summary = JSON.parse(text.trimEnd().split('\n').at(-1))
    return { eventsFile, usage, summary, wallMs }
  }
  /** One floodgate run measured as a table row; CPU per tx net of the same command on an empty input. */
  async function floodgateRow(flags, { input, empty, url: target = url }) {
    const r = await floodgate(flags, { input, url: target })
    const rate = sendRate(r.eventsFile)
    rmSync(r.eventsFile)
    const key = `${target} ${flags.join(' ')}`
    if (!fixedOnce || !fixedCpu.has(key)) fixedCpu.set(key, (await floodgate(flags, { input: empty, url: target, keepEvents: false })).usage.cpu_us)
    const sent = Math.max(1, rate.sent)
    return {
      tps: rate.tps,
      sent: rate.sent,
      failed: r.summary.failed,
      cpu_us_per_tx: (r.usage.cpu_us - fixedCpu.get(key)) / sent,
      cpu_total_us_per_tx: r.usage.cpu_us / sent,
      rss_mb: r.usage.max_rss_kb / 1024,
    }
  }
  async function baseline(kind, extra, { url: target = url } = {}) {
    const r = await runChild(process.execPath, [BASELINE, kind, '--rpc', target, ...extra], { log })
    if (r.code !== 0) throw new Error(`baseline ${kind} exited ${r.code}: ${r.stderr.slice(-2000)}`)
    return JSON.parse(r.stdout.trim().split('\n').at(-1))
  }
  return { floodgate, floodgateRow, baseline }
}

/** tx/s from a floodgate events file: accepted sends over [first send start, last answer]. */
export function sendRate(eventsFile) {
  let first = Infinity
  let last = -Infinity
  let sent = 0
  const completions = []
  const starts = []
  let receipts = 0
  for (const line of readFileSync(eventsFile, 'utf8').split('\n')) {
    if (line.startsWith('{"version":1,"type":"tx_receipt"')) receipts++
    if (!line.startsWith('{"version":1,"type":"tx_result"')) continue
    const e = JSON.parse(line)
    // a failed spec, or one the run stopped before sending (status not_sent), is no send
    if (e.error_code || e.status) continue
    sent++
    const end = e.start_timestamp_ms + e.send_ms
    if (e.start_timestamp_ms < first) first = e.start_timestamp_ms
    if (end > last) last = end
    completions.push(end)
    starts.push(e.start_timestamp_ms)
  }
  return { sent, receipts, ms: last - first, tps: sent > 1 ? (sent / (last - first)) * 1000 : 0, completions, starts, first, last }
}

/** An anvil with the embedded devnet's flags on a free 127.0.0.1 port, killed when this process exits. */
export async function startDevnetAnvil() {
  const { startAnvil } = await import(path.join(ROOT, 'dist/src/devnet/anvil.js'))
  const devnet = await import(path.join(ROOT, 'dist/src/devnet/embedded.js'))
  const anvil = await startAnvil({
    host: '127.0.0.1',
    port: 0,
    blockTime: devnet.DEVNET_BLOCK_TIME_S,
    gasLimit: devnet.DEVNET_GAS_LIMIT,
    hardfork: devnet.DEVNET_HARDFORK,
    chainId: devnet.DEVNET_CHAIN_ID,
    balance: devnet.DEVNET_BALANCE_ETH,
    silent: true,
    logger: null,
  })
  process.on('exit', () => {
    try {
      process.kill(anvil.pid, 'SIGKILL')
    } catch {}
  })
  return { anvil, devnet }
}

/** Writes `n` transfer specs (as scenarios/transfers.mjs writes them) to tmp once; returns the file. */
export function transferSpecs(tmp, n) {
  const file = path.join(tmp, `transfers-${n}.jsonl`)
  if (existsSync(file)) return file
  let buf = ''
  const fd = openSync(file, 'w')
  for (let i = 0; i < n; i++) {
    buf += `${JSON.stringify({ to: SINKS[i % 2], value: `${1 + (i % 100)} wei`, kind: 'transfer', id: `t-${i}` })}\n`
    if (buf.length > 1 << 20) {
      writeSync(fd, buf)
      buf = ''
    }
  }
  writeSync(fd, buf)
  closeSync(fd)
  return file
}

export function fmt(x, d = 0) {
  return Number.isFinite(x) ? x.toFixed(d) : '–'
}

/** The machine and versions lines of a report. */
export async function machineAndVersions() {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  const ver = (name) => {
    try {
      return JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version
    } catch {
      return '?'
    }
  }
  const git = await runChild('git', ['rev-parse', '--short', 'HEAD']).catch(() => ({ stdout: '?' }))
  const cpus = os.cpus()
  return {
    machine: `${cpus[0]?.model ?? '?'} × ${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    versions: `node ${process.versions.node}, anvil ${ver('@foundry-rs/anvil')}, viem ${ver('viem')}, undici ${ver('undici')}, secp256k1 ${ver('secp256k1')}, hash-wasm ${ver('hash-wasm')}, floodgate ${pkg.version} (${git.stdout.trim()})`,
  }
}

/** Replaces the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in a doc (appends the markers if missing). */
export function writeDocSection(docPath, name, text) {
  const begin = `<!-- ${name}:begin -->`
  const end = `<!-- ${name}:end -->`
  let doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : `# Benchmarks\n\n${begin}\n${end}\n`
  if (!doc.includes(begin)) doc += `\n${begin}\n${end}\n`
  doc = doc.slice(0, doc.indexOf(begin) + begin.length) + `\n${text}\n` + doc.slice(doc.indexOf(end))
  writeFileSync(docPath, doc)
}

/**
 * The embedded devnet's anvil (from `root`'s build), a client on it, and a temp dir holding
 * `n` transfer specs and an empty input; `send(bin, flags, input)` runs one `floodgate send`
 * of `bin` on it (benchChildren's), keys from `tag`: its accepted sends per second, receipts, process
 * CPU (µs) and wall time from spawn to exit (ms).
 */
export async function transfersOnDevnet({ root, tag, n }) {
  const { startEmbeddedDevnet } = await import(path.join(root, 'dist/src/devnet/embedded.js'))
  const devnet = await startEmbeddedDevnet({ logger: null })
  const rpc = rpcClient(devnet.url)
  const tmp = mkdtempSync(path.join(os.tmpdir(), `${tag}-`))
  const specs = transferSpecs(tmp, n)
  const empty = path.join(tmp, 'empty.jsonl')
  writeFileSync(empty, '')
  const { floodgate } = benchChildren({ tmp, url: devnet.url, seed: tag, log: benchLog(tag) })
  const send = async (bin, flags, input) => {
    const r = await floodgate(flags, { input, bin })
    const rate = sendRate(r.eventsFile)
    rmSync(r.eventsFile)
    return { sent: rate.sent, receipts: rate.receipts, tps: rate.tps, cpu_us: r.usage.cpu_us, wall_ms: r.wallMs }
  }
  return { devnet, rpc, specs, empty, send }
}

// ---------------------------------------------------------------- memory of a long run (bench/forever-rss.mjs, bench/soak.mjs)

const GC_PROBE = path.join(ROOT, 'bench', 'gc-probe.mjs')

/** The VmRSS of process `pid` from /proc, in MB (one decimal). */
export function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN
}

/**
 * Starts the built CLI (`floodgate ARGS`; `bin`: another build's dist/bin/floodgate.js) with bench/gc-probe.mjs preloaded: its full GCs (and,
 * with `memSampleS`, its memory every that many seconds) go to files in a temp dir. stdout is read
 * here, never written to disk: its lines are counted, the last 4 KiB kept, and each complete line
 * handed to `onLine` when given. stderr is inherited.
 */
export function spawnProbedFloodgate(args, { nodeFlags = [], env = {}, onLine, memSampleS = 0, bin = BIN } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'floodgate-mem-'))
  const gcFile = path.join(dir, 'gc.jsonl')
  const memFile = path.join(dir, 'mem.jsonl')
  writeFileSync(gcFile, '')
  writeFileSync(memFile, '')
  const child = spawn(process.execPath, [...nodeFlags, '--import', GC_PROBE, bin, ...args], {
    env: { ...process.env, ...env, FLOODGATE_GC_PROBE: gcFile, FLOODGATE_MEM_PROBE: memFile, FLOODGATE_MEM_PROBE_S: String(memSampleS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let lines = 0
  let tail = ''
  let partial = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (s) => {
    for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) lines++
    tail = (tail + s).slice(-4096)
    if (!onLine) return
    const parts = (partial + s).split('\n')
    partial = parts.pop()
    for (const l of parts) onLine(l)
  })
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  const reader = (file) => {
    let seen = 0
    return () => {
      const all = readFileSync(file, 'utf8').split('\n').filter(Boolean)
      const fresh = all.slice(seen).map((l) => JSON.parse(l))
      seen = all.length
      return fresh
    }
  }
  return {
    child,
    exited,
    dir,
    lines: () => lines,
    /** The last complete stdout line parsed (after exit: the summary), or {}. */
    lastEvent: () => JSON.parse(tail.trim().split('\n').at(-1) || '{}'),
    /** The full GCs since the previous call. */
    fullGcs: reader(gcFile),
    /** The memory samples since the previous call (memSampleS > 0). */
    memSamples: reader(memFile),
    /** SIGINT, then SIGKILL after `capMs`; resolves with the exit. */
    async stop(capMs = 30_000) {
      child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGKILL'), capMs)
      const r = await exited
      clearTimeout(timer)
      return r
    },
  }
}

/**
 * Samples a probed child (spawnProbedFloodgate) for `minutes`: its RSS every `sampleS`, and at
 * each minute's end calls `onMinute` with { minute, rss_mb (at the minute's end), rss_max_mb (the
 * highest of the minute's samples), live_mb (the heap after the minute's last full GC, the
 * previous minute's when it had none), full_gcs, full_gc_ms }. Throws when the child exits early.
 */
export async function sampleMinutes(probed, { minutes, sampleS = 5, onMinute }) {
  let live = NaN
  for (let m = 1; m <= minutes; m++) {
    let max = 0
    for (let s = sampleS; s <= 60; s += sampleS) {
      const stop = await Promise.race([sleep(sampleS * 1000).then(() => false), probed.exited.then(() => true)])
      if (stop) throw new Error(`floodgate exited early (minute ${m}): ${JSON.stringify(await probed.exited)}`)
      max = Math.max(max, rssMb(probed.child.pid))
    }
    const rss = rssMb(probed.child.pid)
    const gcs = probed.fullGcs()
    live = gcs.at(-1)?.live_mb ?? live
    await onMinute({ minute: m, rss_mb: rss, rss_max_mb: Math.max(max, rss), live_mb: live, full_gcs: gcs.length, full_gc_ms: Math.round(gcs.reduce((t, g) => t + g.gc_ms, 0)) })
  }
}

/** max / first of a series, 3 decimals. */
export function overFirst(xs, from = 0) {
  return Math.round((Math.max(...xs.slice(from)) / xs[from]) * 1000) / 1000
}

/** utime + stime of a process, in µs (/proc/<pid>/stat counts CPU in clock ticks: CLK_TCK 100 on Linux). */
export function cpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * (1e6 / 100)
}

/** The pid of this process's child named `comm` (the devnet's node, which startEmbeddedDevnet spawned). */
export function childNamed(comm) {
  for (const task of readdirSync('/proc/self/task')) {
    for (const pid of readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim().split(' ').filter(Boolean)) {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm) return Number(pid)
    }
  }
  throw new Error(`no child process named ${comm}`)
}
