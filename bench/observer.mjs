#!/usr/bin/env node
// `node bench/observer.mjs [--reps 3] [--n 20000] [--pool 32] [--node anvil|geth] [--modes a,b]`: the observer's cost (issue: watch
// the chain without loading it). This build's `floodgate send` of n transfers (pool 32,
// pre-funded, `--skip-funding`) on one node with the embedded devnet's flags (anvil: 1 s blocks,
// 1G gas; geth: `--node geth`'s dev mode), once per receipt mode, reps interleaved, rotating which
// goes first:
//   default      inclusion from block bodies, receipts only where the block does not tell
//   full-tx      --full-receipts --receipts-by tx     (every receipt, per tx in batches)
//   full-block   --full-receipts --receipts-by block  (every receipt, eth_getBlockReceipts)
//   none         --no-receipts
// Per run: the time from the first send to the pool drained (txpool_status polled every 100 ms
// beside the run), to the last tx_receipt (the process's exit: the run ends at its last receipt),
// the node's CPU over the run (/proc/<pid>/stat, to the later of the two), floodgate's CPU, and the
// summary's RPC calls per 1,000 txs. Reported as medians, with the ratios the issue asks for:
// last receipt ÷ the same run's drain, and the node's CPU ÷ the `none` run's.
//
// All traffic goes to the node this script starts on 127.0.0.1. Build first (`npm run build`).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { benchChildren, benchLog, childNamed, cpuUs, median, ROOT, rpcClient, sleep, transferSpecs, waitPoolEmpty } from './lib.mjs'

const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const REPS = Number(opt('reps', 3))
const N = Number(opt('n', 20000))
const POOL = Number(opt('pool', 32))
const SEED = 'floodgate-observer-bench'
const NODE = opt('node', 'anvil')
const ALL_MODES = { default: [], 'full-tx': ['--full-receipts', '--receipts-by', 'tx'], 'full-block': ['--full-receipts', '--receipts-by', 'block'], none: ['--no-receipts'] }
const MODES = Object.fromEntries(opt('modes', Object.keys(ALL_MODES).join(',')).split(',').map((m) => [m, ALL_MODES[m]]))
const log = (...a) => process.stderr.write(`[observer ${new Date().toISOString().slice(11, 19)}] ${a.join(' ')}\n`)


/** Polls txpool_status every 100 ms until stopped; `drainedAt()`: the first empty poll after the last non-empty one. */
function watchPool(rpc) {
  let stop = false
  let lastBusy = 0
  let emptyAt = 0
  const loop = (async () => {
    while (!stop) {
      const s = await rpc.call('txpool_status')
      const left = Number(BigInt(s.pending)) + Number(BigInt(s.queued))
      if (left > 0) {
        lastBusy = Date.now()
        emptyAt = 0
      } else if (lastBusy > 0 && emptyAt === 0) emptyAt = Date.now()
      await sleep(100)
    }
  })()
  return {
    /** Resolves once the pool drained after the run's txs (at most `capMs`). */
    async drained(capMs = 120_000) {
      const until = Date.now() + capMs
      while ((lastBusy === 0 || emptyAt === 0) && Date.now() < until) await sleep(50)
      stop = true
      await loop
      return emptyAt
    },
  }
}


const { startEmbeddedDevnet } = await import(path.join(ROOT, 'dist/src/devnet/embedded.js'))
const devnet = await startEmbeddedDevnet({ node: NODE, logger: null })
const node = { url: devnet.url, pid: childNamed(NODE) }
const rpc = rpcClient(node.url)
const tmp = mkdtempSync(path.join(os.tmpdir(), `${SEED}-`))
const specs = transferSpecs(tmp, N)
const empty = path.join(tmp, 'empty.jsonl')
writeFileSync(empty, '')
const { floodgate } = benchChildren({ tmp, url: node.url, seed: SEED, log: benchLog('observer') })

// fund the pool once, then every measured run skips funding
await floodgate(['--pool-size', String(POOL), '--min-balance', '1000 eth', '--no-receipts'], { input: empty, keepEvents: false })
await waitPoolEmpty(rpc)
const names = Object.keys(MODES)
const rows = Object.fromEntries(names.map((m) => [m, []]))
for (let rep = 0; rep < REPS; rep++) {
  for (let k = 0; k < names.length; k++) {
    const mode = names[(k + rep) % names.length]
    const pool = watchPool(rpc)
    const cpu0 = cpuUs(node.pid)
    const r = await floodgate(['--pool-size', String(POOL), '--skip-funding', ...MODES[mode]], { input: specs })
    const exitAt = Date.now()
    const drainAt = await pool.drained()
    const nodeCpuUs = cpuUs(node.pid) - cpu0
    let firstSend = Infinity
    let fromBlock = 0
    let receipts = 0
    for (const line of readFileSync(r.eventsFile, 'utf8').split('\n')) {
      if (line.includes('"type":"tx_result"')) firstSend = Math.min(firstSend, JSON.parse(line).start_timestamp_ms)
      else if (line.includes('"type":"tx_receipt"')) {
        receipts++
        if (line.includes('"outcome_from":"block"')) fromBlock++
      }
    }
    rmSync(r.eventsFile)
    const s = r.summary
    const row = {
      sent: s.sent,
      included: s.included ?? 0,
      from_block: receipts ? fromBlock / receipts : 0,
      drain_s: (drainAt - firstSend) / 1000,
      last_receipt_s: mode === 'none' ? undefined : (exitAt - firstSend) / 1000,
      node_cpu_s: nodeCpuUs / 1e6,
      floodgate_cpu_s: r.usage.cpu_us / 1e6,
      watch_per_1k: s.watch_calls_per_1k_txs,
      calls: s.rpc_calls,
    }
    rows[mode].push(row)
    log(`rep ${rep + 1} ${mode}: ${s.sent} sent, drained ${row.drain_s.toFixed(1)} s, last receipt ${row.last_receipt_s?.toFixed(1) ?? '-'} s, ${NODE} ${row.node_cpu_s.toFixed(1)} s CPU, ${row.watch_per_1k} watch calls / 1k`)
  }
}

const med = (rs, k) => median(rs.map((r) => r[k]).filter((x) => x !== undefined))
const noneCpu = rows.none ? med(rows.none, 'node_cpu_s') : NaN
const result = { node: NODE, n: N, pool: POOL, reps: REPS, modes: {} }
for (const [mode, rs] of Object.entries(rows)) {
  const methods = [...new Set(rs.flatMap((r) => Object.keys(r.calls ?? {})))].sort()
  const m = {
    drain_s: med(rs, 'drain_s'),
    last_receipt_s: mode === 'none' ? undefined : med(rs, 'last_receipt_s'),
    // per rep, last receipt ÷ the same run's drain; then the median
    last_receipt_over_drain: mode === 'none' ? undefined : median(rs.map((r) => r.last_receipt_s / r.drain_s)),
    node_cpu_s: med(rs, 'node_cpu_s'),
    node_cpu_over_none: med(rs, 'node_cpu_s') / noneCpu,
    node_cpu_ms_per_1k_txs: (med(rs, 'node_cpu_s') * 1e6) / N,
    floodgate_cpu_s: med(rs, 'floodgate_cpu_s'),
    receipts_from_blocks: med(rs, 'from_block'),
    watch_calls_per_1k_txs: med(rs, 'watch_per_1k'),
    calls_per_1k_txs: Object.fromEntries(methods.map((k) => [k, median(rs.map((r) => Math.round(((r.calls?.[k] ?? 0) * 100_000) / Math.max(1, r.sent)) / 100))])),
    runs: rs.map((r) => ({ drain_s: r.drain_s, last_receipt_s: r.last_receipt_s, node_cpu_s: r.node_cpu_s })),
  }
  result.modes[mode] = m
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
await rpc.close()
await devnet.stop()
