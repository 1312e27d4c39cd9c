#!/usr/bin/env node
// `node bench/compare.mjs --other <path to another checkout's dist/bin/floodgate.js>`: this build
// of floodgate next to another one (an earlier commit, built in its own worktree), in one run, on
// one anvil, interleaved: send tx/s and CPU per tx, with and without receipt tracking. The
// "no speed lost" check of a refactor, reported as ratios (this ÷ other), medians of the reps.
//
//   git worktree add ../old <commit> && (cd ../old && npm ci && npm run build)
//   node bench/compare.mjs --other ../old/dist/bin/floodgate.js --reps 5
//
// `--this-flags '<flags>'` adds flags to this build's runs only: the cost of a flag, this build
// against itself (`--other dist/bin/floodgate.js --this-flags --ordered`).
// --in-flight N passes `--in-flight N` to both builds (both must know the flag); --receipts off|on
// measures only without or only with receipt tracking (default: both).
//
// All traffic goes to the anvil this script starts on 127.0.0.1 (the embedded devnet's flags).

import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { median, transfersOnDevnet, waitPoolEmpty } from './lib.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const OTHER = opt('other')
if (!OTHER) {
  process.stderr.write("usage: node bench/compare.mjs --other <dist/bin/floodgate.js of another build> [--reps 3] [--n 20000] [--pool 32] [--in-flight N] [--receipts off|on] [--this-flags '<flags>']\n")
  process.exit(2)
}
const BINS = { this: path.join(ROOT, 'dist', 'bin', 'floodgate.js'), other: path.resolve(OTHER) }
const REPS = Number(opt('reps', 3))
const N = Number(opt('n', 20000))
const POOL = Number(opt('pool', 32))
const THIS_FLAGS = (opt('this-flags', '') ?? '').split(' ').filter(Boolean)
const IN_FLIGHT = opt('in-flight')
const MODES = { off: [false], on: [true] }[opt('receipts')] ?? [false, true]
const SEED = 'floodgate-compare'
const log = (...a) => process.stderr.write(`[compare ${new Date().toISOString().slice(11, 19)}] ${a.join(' ')}\n`)

const { devnet, rpc, specs, empty, send } = await transfersOnDevnet({ root: ROOT, tag: SEED, n: N })
const floodgate = send

/** tx/s and CPU µs per tx (minus the same command on an empty input: start-up and pool setup). */
async function measure(which, receipts) {
  const bin = BINS[which]
  const flags = ['--pool-size', String(POOL), '--skip-funding', ...(IN_FLIGHT ? ['--in-flight', IN_FLIGHT] : []), ...(receipts ? [] : ['--no-receipts']), ...(which === 'this' ? THIS_FLAGS : [])]
  const r = await floodgate(bin, flags, specs)
  const fixed = await floodgate(bin, flags, empty)
  const left = await waitPoolEmpty(rpc)
  if (left) log(`${left} txs still pooled after the drain cap`)
  return { tps: r.tps, cpu: (r.cpu_us - fixed.cpu_us) / Math.max(1, r.sent), wall: r.wall_ms }
}

await floodgate(BINS.this, ['--pool-size', String(POOL), '--min-balance', '1000 eth', '--no-receipts'], empty)
await waitPoolEmpty(rpc)
const rows = {}
for (let rep = 1; rep <= REPS; rep++) {
  for (const receipts of MODES) {
    // alternate which build goes first, so neither always meets a fresher or a warmer anvil
    const order = rep % 2 ? ['this', 'other'] : ['other', 'this']
    for (const which of order) {
      const key = `${which}${receipts ? '+receipts' : ''}`
      const m = await measure(which, receipts)
      ;(rows[key] ??= []).push(m)
      log(`rep ${rep} ${key}: ${m.tps.toFixed(0)} tx/s, ${m.cpu.toFixed(0)} µs/tx, run ${(m.wall / 1000).toFixed(1)} s`)
    }
  }
}
const med = (key, field) => median(rows[key].map((r) => r[field]))
const result = { n: N, pool: POOL, reps: REPS, ...(IN_FLIGHT ? { in_flight: Number(IN_FLIGHT) } : {}), other: OTHER, ...(THIS_FLAGS.length ? { this_flags: THIS_FLAGS.join(' ') } : {}) }
for (const mode of MODES.map((r) => (r ? '+receipts' : ''))) {
  result[mode ? 'receipts_on' : 'receipts_off'] = {
    this: { tps: Math.round(med(`this${mode}`, 'tps')), cpu_us_per_tx: Math.round(med(`this${mode}`, 'cpu')), run_s: Math.round(med(`this${mode}`, 'wall') / 100) / 10, runs: rows[`this${mode}`].map((r) => Math.round(r.tps)) },
    other: { tps: Math.round(med(`other${mode}`, 'tps')), cpu_us_per_tx: Math.round(med(`other${mode}`, 'cpu')), run_s: Math.round(med(`other${mode}`, 'wall') / 100) / 10, runs: rows[`other${mode}`].map((r) => Math.round(r.tps)) },
    tps_ratio: Math.round((med(`this${mode}`, 'tps') / med(`other${mode}`, 'tps')) * 1000) / 1000,
    cpu_ratio: Math.round((med(`this${mode}`, 'cpu') / med(`other${mode}`, 'cpu')) * 1000) / 1000,
  }
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
await rpc.close()
await devnet.stop()
