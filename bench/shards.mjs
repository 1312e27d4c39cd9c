#!/usr/bin/env node
// Three shards on this machine against one anvil, next to one process with the same total pool:
// does sharding on one machine raise the included tx/s? (docs/scale-out.md, docs/benchmarks.md)
//
//   npm run build && node bench/shards.mjs [--n 20000] [--pool 30] [--shards 3] [--reps 3]
//
// Per rep, on a fresh anvil (the embedded devnet's settings): both pools are funded first (a
// run of zero lines), then the same N-line input of transfers is sent once by one process
// (`--pool-size POOL`) and once by SHARDS processes at once (`--shard i/SHARDS --pool-size
// POOL/SHARDS`), the order alternating between reps. Included tx/s = txs included / (last
// inclusion − first send start), computed the same way from the events of both. Prints one
// JSON line per run and the medians with their ratio. Everything goes to 127.0.0.1 only, to
// an anvil this script starts and stops; each run is bounded by the input and --cap-s.

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEV_KEY, median, SINKS } from './lib.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(ROOT, 'dist', 'bin', 'floodgate.js')
const argv = process.argv.slice(2)
const arg = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt)
const N = Number(arg('n', 20_000))
const POOL = Number(arg('pool', 30))
const SHARDS = Number(arg('shards', 3))
const REPS = Number(arg('reps', 3))
const CAP_S = Number(arg('cap-s', 180))

const { startAnvil } = await import(path.join(ROOT, 'dist/src/devnet/anvil.js'))
const devnet = await import(path.join(ROOT, 'dist/src/devnet/embedded.js'))
const tmp = mkdtempSync(path.join(os.tmpdir(), 'floodgate-bench-shards-'))
const input = path.join(tmp, 'specs.jsonl')
writeFileSync(input, Array.from({ length: N }, (_, i) => JSON.stringify({ to: SINKS[i % 2], value: `${1 + (i % 100)} wei` })).join('\n') + '\n')
const log = (...a) => process.stderr.write(`${a.join(' ')}\n`)

/** One floodgate process; resolves with its events. */
function floodgate(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, FLOODGATE_FUNDER_KEY: DEV_KEY, FLOODGATE_STATE_DIR: tmp, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (err += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), CAP_S * 1000)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code !== 0) reject(new Error(`floodgate ${args.slice(0, 3).join(' ')} exited ${code}: ${err.slice(-500)}`))
      else {
        const events = out.split('\n').filter(Boolean).map((l) => JSON.parse(l))
        const summary = events.at(-1)
        if (summary.failed + summary.timed_out > 0) log(`warning: ${summary.failed} failed, ${summary.timed_out} timed out (${JSON.stringify(summary.errors)})`)
        resolve(events)
      }
    })
  })
}

/** Included tx/s of a run's events (one log or several), from the first send start to the last inclusion. */
function includedTps(events) {
  const startOf = new Map()
  let first = Infinity
  let last = -Infinity
  let included = 0
  for (const e of events) {
    if (e.type === 'tx_result' && !e.error_code && !e.status) {
      startOf.set(`${e.shard}:${e.idx}`, e.start_timestamp_ms)
      first = Math.min(first, e.start_timestamp_ms)
    } else if (e.type === 'tx_receipt') {
      included++
      last = Math.max(last, startOf.get(`${e.shard}:${e.idx}`) + e.inclusion_ms)
    }
  }
  return { included, tps: Math.round((included / (last - first)) * 1000) }
}

const common = (url) => ['send', '--rpc-url', url, '--from', input, '--log-level', 'warn']
async function single(url, seed) {
  const events = await floodgate([...common(url), '--pool-size', String(POOL), '--skip-funding'], { FLOODGATE_SEED: seed })
  return includedTps(events)
}
async function sharded(url, seed) {
  const runs = await Promise.all(
    Array.from({ length: SHARDS }, (_, i) => floodgate([...common(url), '--pool-size', String(POOL / SHARDS), '--shard', `${i}/${SHARDS}`, '--skip-funding'], { FLOODGATE_SEED: seed })),
  )
  return includedTps(runs.flat())
}
/** Funds the pools of both configurations (a run of no lines). */
async function fund(url, seed) {
  const empty = path.join(tmp, 'empty.jsonl')
  writeFileSync(empty, '')
  const base = ['send', '--rpc-url', url, '--from', empty, '--log-level', 'warn', '--min-balance', '100eth']
  await floodgate([...base, '--pool-size', String(POOL)], { FLOODGATE_SEED: seed })
  for (let i = 0; i < SHARDS; i++) await floodgate([...base, '--pool-size', String(POOL / SHARDS), '--shard', `${i}/${SHARDS}`], { FLOODGATE_SEED: seed })
}

const results = { single: [], sharded: [] }
try {
  for (let rep = 0; rep < REPS; rep++) {
    const anvil = await startAnvil({ host: '127.0.0.1', port: 0, blockTime: devnet.DEVNET_BLOCK_TIME_S, gasLimit: devnet.DEVNET_GAS_LIMIT, hardfork: devnet.DEVNET_HARDFORK, chainId: devnet.DEVNET_CHAIN_ID, balance: devnet.DEVNET_BALANCE_ETH, silent: true, logger: null })
    try {
      const seeds = { single: `bench-shards-${rep}-a`, sharded: `bench-shards-${rep}-b` }
      await fund(anvil.url, seeds.single)
      if (seeds.sharded !== seeds.single) await fund(anvil.url, seeds.sharded)
      const order = rep % 2 ? ['sharded', 'single'] : ['single', 'sharded']
      for (const kind of order) {
        const r = kind === 'single' ? await single(anvil.url, seeds[kind]) : await sharded(anvil.url, seeds[kind])
        results[kind].push(r.tps)
        console.log(JSON.stringify({ rep, kind, n: N, pool: POOL, shards: kind === 'single' ? 1 : SHARDS, ...r }))
      }
    } finally {
      await anvil.stop()
    }
  }
  const s = median(results.single)
  const m = median(results.sharded)
  log(`included tx/s, median of ${REPS}: one process (pool ${POOL}) ${s}; ${SHARDS} shards (pool ${POOL / SHARDS} each) ${m}; ratio ${(m / s).toFixed(2)}`)
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
