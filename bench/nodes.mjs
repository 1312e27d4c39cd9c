#!/usr/bin/env node
// `node bench/nodes.mjs`: the same floodgate runs on the embedded devnet's two nodes, anvil and
// geth (`--node geth`), side by side in one run: reps interleaved (anvil, geth, anvil, geth, …),
// a fresh devnet for every run, medians reported.
//
//   npm run build && node bench/nodes.mjs            # 3 reps, table → stdout
//   node bench/nodes.mjs --doc                       # and the table into docs/benchmarks.md
//   node bench/nodes.mjs --reps 1 --n 4000 --sat-n 1500 --only ingest   # a smoke test
//   options: --pool 32 (ingest) --sat-pool 16 --nodes anvil,geth --only ingest,saturation
//
// Each devnet is started as `floodgate send --node …` starts it (src/devnet/embedded.ts's
// startEmbeddedDevnet: 1 s blocks; anvil with chain id 31337 and prague, geth in dev mode with
// chain id 1337; both with anvil's first dev key as the funder), and the built CLI runs against
// it as a child (`dist/bin/floodgate.js send --rpc-url …`, bench/child-usage.mjs preloaded), so
// that the node's process and floodgate's are measured apart:
//   ingest      the embedded devnet's 1G-gas blocks (not the bound): the pool (--pool 32) funded
//               first, an empty input run (floodgate's fixed CPU), then --n transfers at full speed
//               with default flags (8 in flight, receipts on). Send tx/s: accepted sends over
//               [first send, last answer]. floodgate CPU µs/tx: its process (all threads, user +
//               system) minus the empty run's, per tx. The node's CPU: /proc/<pid>/stat sampled
//               every 100 ms, over the same send window (cores busy) and over the whole run (µs/tx).
//   saturation  2.1M gas per 1 s block (`--block-gas-limit 2100000`: 100 transfers a block, so
//               capacity is 100 tx/s): --sat-n transfers from --sat-pool 16 accounts at full speed,
//               default flags; included tx/s from the first block holding ours to the last (by
//               block timestamps, one block time counted for the first) ÷ capacity.
// All traffic goes to 127.0.0.1. geth comes from FLOODGATE_GETH, else the PATH, else the test
// suite's cache (src/devnet/gethBinary.ts).

import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { benchLog, BIN, childNamed, cpuUs, DEV_KEY, fmt, followBlocks, machineAndVersions, median, ROOT, rpcClient, sendRate, transferSpecs, writeDocSection } from './lib.mjs'

const args = process.argv.slice(2)
const opt = (name, dflt) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt)
const REPS = Number(opt('reps', 3))
const N = Number(opt('n', 10_000))
const SAT_N = Number(opt('sat-n', 3000))
const POOL = Number(opt('pool', 32))
const SAT_POOL = Number(opt('sat-pool', 16))
const NODES = opt('nodes', 'anvil,geth').split(',')
const ONLY = new Set(opt('only', 'ingest,saturation').split(','))
const DOC = args.includes('--doc')
const SAT_GAS = 2_100_000n
const CAPACITY_TPS = Number(SAT_GAS / 21_000n)
const CHILD_CAP_MS = 180_000
const PROBE = path.join(ROOT, 'bench', 'child-usage.mjs')
const log = benchLog('nodes')

if (!existsSync(BIN)) {
  log(`${BIN} is missing: run npm run build first`)
  process.exit(1)
}
const { startEmbeddedDevnet } = await import(path.join(ROOT, 'dist/src/devnet/embedded.js'))
const { GETH_VERSION } = await import(path.join(ROOT, 'dist/src/devnet/gethBinary.js'))
const tmp = mkdtempSync(path.join(os.tmpdir(), 'floodgate-bench-nodes-'))
const empty = path.join(tmp, 'empty.jsonl')
writeFileSync(empty, '')



/** A process's CPU every 100 ms until stopped or gone: [{ t (epoch ms), us }]. */
function sampleCpu(pid) {
  const samples = []
  const take = () => {
    try {
      samples.push({ t: Date.now(), us: cpuUs(pid) })
    } catch {
      clearInterval(timer) // exited
    }
  }
  const timer = setInterval(take, 100)
  take()
  return {
    stop() {
      take()
      clearInterval(timer)
      return samples
    },
  }
}
/** CPU µs between two epoch-ms instants, interpolated between samples. */
function cpuBetween(samples, from, to) {
  const at = (t) => {
    const j = samples.findIndex((s) => s.t >= t)
    if (j <= 0) return j === 0 ? samples[0].us : samples.at(-1).us
    const a = samples[j - 1]
    const b = samples[j]
    return a.us + ((b.us - a.us) * (t - a.t)) / Math.max(1, b.t - a.t)
  }
  return at(to) - at(from)
}

/** One `floodgate send --rpc-url url` child, the usage probe preloaded; its events go to a file. */
function floodgate(url, flags, input, tag, { sample = false } = {}) {
  const usageFile = path.join(tmp, `usage-${tag}.json`)
  const eventsFile = path.join(tmp, `events-${tag}.jsonl`)
  return new Promise((resolve, reject) => {
    const out = []
    let err = ''
    const child = spawn(process.execPath, ['--import', PROBE, BIN, 'send', '--rpc-url', url, '--log-level', 'warn', '--from', input, ...flags], {
      cwd: ROOT,
      env: { ...process.env, BENCH_USAGE_FILE: usageFile, FLOODGATE_SEED: `floodgate-bench-nodes-${tag}`, FLOODGATE_STATE_DIR: path.join(tmp, `state-${tag}`), FLOODGATE_FUNDER_KEY: DEV_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const sampler = sample ? sampleCpu(child.pid) : null
    child.stdout.on('data', (c) => out.push(c))
    child.stderr.on('data', (c) => (err = (err + c).slice(-4000)))
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_CAP_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code !== 0) return reject(new Error(`floodgate send ${flags.join(' ')} exited ${code}: ${err}`))
      writeFileSync(eventsFile, Buffer.concat(out))
      const text = readFileSync(eventsFile, 'utf8')
      resolve({ eventsFile, usage: JSON.parse(readFileSync(usageFile, 'utf8')), summary: JSON.parse(text.trimEnd().split('\n').at(-1)), samples: sampler?.stop() })
    })
  })
}

/** A fresh embedded devnet on `node`, its pool funded; `fn(devnet, pid, tag)`; then stopped. */
async function onDevnet(node, gasLimit, pool, tag, fn) {
  const devnet = await startEmbeddedDevnet({ node, logger: null, ...(gasLimit ? { gasLimit } : {}) })
  try {
    const pid = childNamed(node)
    await floodgate(devnet.url, ['--pool-size', String(pool), '--min-balance', '1000 eth', '--no-receipts'], empty, tag)
    return await fn(devnet, pid, tag)
  } finally {
    await devnet.stop()
  }
}

async function ingest(node, rep) {
  return onDevnet(node, undefined, POOL, `ingest-${node}-${rep}`, async (devnet, pid, tag) => {
    const flags = ['--pool-size', String(POOL), '--skip-funding']
    const fixed = await floodgate(devnet.url, flags, empty, tag)
    const sampler = sampleCpu(pid)
    const r = await floodgate(devnet.url, flags, transferSpecs(tmp, N), tag, { sample: true })
    const samples = sampler.stop()
    const rate = sendRate(r.eventsFile)
    rmSync(r.eventsFile)
    const sent = Math.max(1, rate.sent)
    return {
      tps: rate.tps,
      sent: rate.sent,
      failed: r.summary.failed,
      included: r.summary.included,
      backpressure: r.summary.backpressure_episodes ?? 0,
      fg_cpu_us_per_tx: (r.usage.cpu_us - fixed.usage.cpu_us) / sent,
      fg_cores_sending: cpuBetween(r.samples, rate.first, rate.last) / 1000 / Math.max(1, rate.ms),
      node_cpu_us_per_tx: (samples.at(-1).us - samples[0].us) / sent,
      node_cores_sending: cpuBetween(samples, rate.first, rate.last) / 1000 / Math.max(1, rate.ms),
    }
  })
}

/** Blocks from `from` on, until `total` of the devnet's non-funder txs are in (or `capMs`). */
function follow(rpc, funder, total, from, capMs) {
  return followBlocks(rpc, (t) => t.from.toLowerCase() !== funder, total, from, capMs)
}

async function saturation(node, rep) {
  return onDevnet(node, SAT_GAS, SAT_POOL, `sat-${node}-${rep}`, async (devnet, pid, tag) => {
    const rpc = rpcClient(devnet.url)
    try {
      const from = Number(BigInt(await rpc.call('eth_blockNumber'))) + 1
      const following = follow(rpc, devnet.funderAddress.toLowerCase(), SAT_N, from, CHILD_CAP_MS)
      const r = await floodgate(devnet.url, ['--pool-size', String(SAT_POOL), '--skip-funding'], transferSpecs(tmp, SAT_N), tag)
      const rate = sendRate(r.eventsFile)
      rmSync(r.eventsFile)
      const { blocks } = await following
      const withOurs = blocks.filter((b) => b.ours > 0)
      const span = withOurs.length ? withOurs.at(-1).ts - withOurs[0].ts + 1 : NaN
      const included = withOurs.reduce((s, b) => s + b.ours, 0)
      const full = withOurs.slice(0, -1).filter((b) => b.gasUsed > Number(SAT_GAS) - 21_000).length
      const inSpan = withOurs.length ? blocks.slice(blocks.indexOf(withOurs[0]), blocks.indexOf(withOurs.at(-1)) + 1) : []
      const per = inSpan.map((b) => b.ours).join(',')
      const gaps = inSpan.map((b, i) => (i ? b.ts - inSpan[i - 1].ts : 1)).join(',')
      log(`${tag}: ours per block ${per}; timestamp steps ${gaps}`)
      return {
        send_tps: rate.tps,
        included,
        included_tps: included / span,
        ratio: included / span / CAPACITY_TPS,
        full_blocks: full / Math.max(1, withOurs.length - 1),
        blocks: inSpan.length,
        empty_blocks: inSpan.filter((b) => b.ours === 0).length,
        per_block: included / Math.max(1, inSpan.length),
        replaced: r.summary.replaced ?? 0,
        timed_out: r.summary.timed_out,
        failed: r.summary.failed,
        backpressure: r.summary.backpressure_episodes ?? 0,
      }
    } finally {
      await rpc.close()
    }
  })
}

const rows = Object.fromEntries(NODES.map((n) => [n, { ingest: [], saturation: [] }]))
for (let rep = 1; rep <= REPS; rep++) {
  for (const node of NODES) {
    if (ONLY.has('ingest')) {
      const r = await ingest(node, rep)
      rows[node].ingest.push(r)
      log(`rep ${rep} ${node} ingest: ${fmt(r.tps)} tx/s, floodgate ${fmt(r.fg_cpu_us_per_tx)} µs/tx, node ${fmt(r.node_cpu_us_per_tx)} µs/tx, cores busy while sending: floodgate ${fmt(r.fg_cores_sending, 2)}, node ${fmt(r.node_cores_sending, 2)} (${r.sent} sent, ${r.failed} failed, ${r.included} included, ${r.backpressure} backpressure episodes)`)
    }
    if (ONLY.has('saturation')) {
      const r = await saturation(node, rep)
      rows[node].saturation.push(r)
      log(`rep ${rep} ${node} saturation: ${fmt(r.included_tps, 1)} tx/s included = ${fmt(r.ratio, 3)} × capacity; ${r.included} included, ${r.replaced} replaced, ${r.timed_out} timed out, ${r.failed} failed; sent at ${fmt(r.send_tps)} tx/s`)
    }
  }
}

const med = (list, key, d = 0) => fmt(median(list.map((r) => r[key])), d)
const runs = (list, key, d = 0) => list.map((r) => fmt(r[key], d)).join(', ')
const { machine, versions } = await machineAndVersions()
const lines = [
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`node bench/nodes.mjs${REPS !== 3 ? ` --reps ${REPS}` : ''}\`: medians of ${REPS} interleaved reps, each rep's figures in brackets.`,
  '',
  `- machine: ${machine}`,
  `- versions: ${versions}, geth ${GETH_VERSION}`,
  '',
]
if (ONLY.has('ingest')) {
  lines.push(
    `Ingest: ${N.toLocaleString('en')} transfers at full speed from a pool of ${POOL}, default flags, on the embedded devnet (1 s blocks of 1G gas).`,
    '',
    '| node | send tx/s | floodgate CPU µs/tx | node CPU µs/tx | cores busy while sending: floodgate, node | failed | included |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...NODES.map((n) => {
      const l = rows[n].ingest
      return `| ${n} | ${med(l, 'tps')} (${runs(l, 'tps')}) | ${med(l, 'fg_cpu_us_per_tx')} (${runs(l, 'fg_cpu_us_per_tx')}) | ${med(l, 'node_cpu_us_per_tx')} (${runs(l, 'node_cpu_us_per_tx')}) | ${med(l, 'fg_cores_sending', 2)}, ${med(l, 'node_cores_sending', 2)} | ${med(l, 'failed')} | ${med(l, 'included')} |`
    }),
    '',
  )
}
if (ONLY.has('saturation')) {
  lines.push(
    `Saturation: ${SAT_N.toLocaleString('en')} transfers at full speed from a pool of ${SAT_POOL}, default flags, on 1 s blocks of 2.1M gas (\`--block-gas-limit 2100000\`: capacity ${CAPACITY_TPS} tx/s).`,
    '',
    '| node | included tx/s | ÷ capacity | full blocks | replaced | timed out | failed | send tx/s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...NODES.map((n) => {
      const l = rows[n].saturation
      return `| ${n} | ${med(l, 'included_tps', 1)} (${runs(l, 'included_tps', 1)}) | **${med(l, 'ratio', 3)}** (${runs(l, 'ratio', 3)}) | ${med(l, 'full_blocks', 2)} | ${med(l, 'replaced')} | ${med(l, 'timed_out')} | ${med(l, 'failed')} | ${med(l, 'send_tps')} |`
    }),
    '',
  )
}
const text = lines.join('\n')
process.stdout.write(`${text}\n${JSON.stringify(rows)}\n`)
if (DOC) writeDocSection(path.join(ROOT, 'docs', 'benchmarks.md'), 'nodes', text.trimEnd())
rmSync(tmp, { recursive: true, force: true })
