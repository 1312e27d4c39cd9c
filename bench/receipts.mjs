#!/usr/bin/env node
// `node bench/receipts.mjs [--reps 3] [--n 20000] [--pool 32] [-- extra send flags]`: what
// receipt tracking costs the send rate. This build's `floodgate send` with receipts on (the
// default) next to the same with `--no-receipts`, in one run, on one anvil (the embedded
// devnet's flags), interleaved, alternating which goes first; reported as the ratio of the
// medians of the send rates (on ÷ off), with the receipts-on run's wall time to its last
// receipt. Flags after `--` go to the receipts-on runs only (e.g. `-- --receipts-by block`).
//
// All traffic goes to the anvil this script starts on 127.0.0.1. Build first (`npm run build`).

import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { median, transfersOnDevnet, waitPoolEmpty } from './lib.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(ROOT, 'dist', 'bin', 'floodgate.js')
const dash = process.argv.indexOf('--')
const args = dash >= 0 ? process.argv.slice(2, dash) : process.argv.slice(2)
const EXTRA = dash >= 0 ? process.argv.slice(dash + 1) : []
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const REPS = Number(opt('reps', 3))
const N = Number(opt('n', 20000))
const POOL = Number(opt('pool', 32))
const SEED = 'floodgate-receipts-bench'
const log = (...a) => process.stderr.write(`[receipts ${new Date().toISOString().slice(11, 19)}] ${a.join(' ')}\n`)

const { devnet, rpc, specs, empty, send: sendBin } = await transfersOnDevnet({ root: ROOT, tag: SEED, n: N })
const send = (flags, input) => sendBin(BIN, flags, input)

// fund the pool once, then every measured run skips funding
await send(['--pool-size', String(POOL), '--min-balance', '1000 eth', '--no-receipts'], empty)
await waitPoolEmpty(rpc)
const rows = { on: [], off: [] }
for (let rep = 1; rep <= REPS; rep++) {
  for (const mode of rep % 2 ? ['on', 'off'] : ['off', 'on']) {
    const flags = ['--pool-size', String(POOL), '--skip-funding', ...(mode === 'on' ? EXTRA : ['--no-receipts'])]
    const r = await send(flags, specs)
    const left = await waitPoolEmpty(rpc)
    if (left) log(`${left} txs still pooled after the drain cap`)
    if (mode === 'on' && r.receipts !== r.sent) log(`rep ${rep}: ${r.sent} sent but ${r.receipts} receipts`)
    rows[mode].push(r)
    log(`rep ${rep} receipts ${mode}: ${r.tps.toFixed(0)} tx/s, run ${(r.wall_ms / 1000).toFixed(1)} s`)
  }
}
const med = (mode, field) => median(rows[mode].map((r) => r[field]))
const result = {
  n: N,
  pool: POOL,
  reps: REPS,
  receipts_flags: EXTRA,
  on: { tps: Math.round(med('on', 'tps')), run_s: Math.round(med('on', 'wall_ms') / 100) / 10, runs: rows.on.map((r) => Math.round(r.tps)) },
  off: { tps: Math.round(med('off', 'tps')), run_s: Math.round(med('off', 'wall_ms') / 100) / 10, runs: rows.off.map((r) => Math.round(r.tps)) },
  ratio: Math.round((med('on', 'tps') / med('off', 'tps')) * 1000) / 1000,
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
await rpc.close()
await devnet.stop()
