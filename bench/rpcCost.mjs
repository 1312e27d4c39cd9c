#!/usr/bin/env node
// `node bench/rpcCost.mjs [--reps 2] [--n 5000] [--pool 32]`: the observer's cost. This build's
// `floodgate send` of n transfers on one anvil (the embedded devnet's flags), once per receipt
// mode (`--receipts-by tx`, `--receipts-by block`, `--no-receipts`), interleaved, rotating which
// goes first. Reported per mode, as medians over the reps: the summary's RPC calls per 1,000 txs
// sent (all but eth_sendRawTransaction: `watch_calls_per_1k_txs`; and per method), and anvil's
// CPU per 1,000 txs from the first send to the pool drained (/proc/<pid>/stat).
//
// All traffic goes to the anvil this script starts on 127.0.0.1. Build first (`npm run build`).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { BIN, benchChildren, benchLog, median, rpcClient, startDevnetAnvil, transferSpecs, waitPoolEmpty } from './lib.mjs'

const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const REPS = Number(opt('reps', 2))
const N = Number(opt('n', 5000))
const POOL = Number(opt('pool', 32))
const SEED = 'floodgate-rpc-cost-bench'
const MODES = { tx: ['--receipts-by', 'tx'], block: ['--receipts-by', 'block'], none: ['--no-receipts'] }
const TICK_US = 1e6 / 100 // /proc/<pid>/stat counts CPU in clock ticks (CLK_TCK 100 on Linux)
const log = (...a) => process.stderr.write(`[rpcCost ${new Date().toISOString().slice(11, 19)}] ${a.join(' ')}\n`)

/** utime + stime of a process, in µs. */
function cpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * TICK_US
}

const { anvil } = await startDevnetAnvil()
const rpc = rpcClient(anvil.url)
const tmp = mkdtempSync(path.join(os.tmpdir(), `${SEED}-`))
const specs = transferSpecs(tmp, N)
const empty = path.join(tmp, 'empty.jsonl')
writeFileSync(empty, '')
const { floodgate } = benchChildren({ tmp, url: anvil.url, seed: SEED, log: benchLog('rpcCost') })

// fund the pool once, then every measured run skips funding
await floodgate(['--pool-size', String(POOL), '--min-balance', '1000 eth', '--no-receipts'], { input: empty, keepEvents: false })
await waitPoolEmpty(rpc)
const rows = Object.fromEntries(Object.keys(MODES).map((m) => [m, []]))
const names = Object.keys(MODES)
for (let rep = 0; rep < REPS; rep++) {
  for (let k = 0; k < names.length; k++) {
    const mode = names[(k + rep) % names.length]
    const cpu0 = cpuUs(anvil.pid)
    const r = await floodgate(['--pool-size', String(POOL), '--skip-funding', ...MODES[mode]], { input: specs })
    const left = await waitPoolEmpty(rpc)
    const nodeCpuUs = cpuUs(anvil.pid) - cpu0
    rmSync(r.eventsFile)
    if (left) log(`${left} txs still pooled after the drain cap`)
    const s = r.summary
    const per1k = (n) => Math.round((n * 100_000) / Math.max(1, s.sent)) / 100
    rows[mode].push({ sent: s.sent, watch: s.watch_calls_per_1k_txs, http: per1k(s.rpc_http_requests), calls: s.rpc_calls, node_cpu_ms_per_1k: (nodeCpuUs / 1000 / Math.max(1, s.sent)) * 1000 })
    log(`rep ${rep + 1} ${mode}: ${s.sent} sent, ${s.watch_calls_per_1k_txs} watch calls per 1,000 txs, anvil ${(nodeCpuUs / 1e6).toFixed(1)} s CPU`)
  }
}

const result = { n: N, pool: POOL, reps: REPS, modes: {} }
for (const [mode, rs] of Object.entries(rows)) {
  const methods = [...new Set(rs.flatMap((r) => Object.keys(r.calls)))].sort()
  result.modes[mode] = {
    watch_calls_per_1k_txs: median(rs.map((r) => r.watch)),
    http_requests_per_1k_txs: median(rs.map((r) => r.http)),
    node_cpu_ms_per_1k_txs: Math.round(median(rs.map((r) => r.node_cpu_ms_per_1k))),
    calls_per_1k_txs: Object.fromEntries(methods.map((m) => [m, median(rs.map((r) => Math.round(((r.calls[m] ?? 0) * 100_000) / Math.max(1, r.sent)) / 100))])),
  }
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
await rpc.close()
await anvil.stop()
