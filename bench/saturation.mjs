#!/usr/bin/env node
// `node bench/saturation.mjs`: floodgate on a chain it fills, next to its baseline, in one run.
//
//   node bench/saturation.mjs                 # N=6000, 3 reps interleaved, medians
//   node bench/saturation.mjs --reps 1 --n 3000
//   node bench/saturation.mjs --other ../main/dist/bin/floodgate.js   # and another build, side by side
//   node bench/saturation.mjs --order fifo    # anvil's pool in arrival order (default: by fee cap)
//
// The chain: anvil with the embedded devnet's flags but 2.1M gas per 1 s block (100 transfers
// a block: its capacity is 100 tx/s). anvil orders its pool by fee cap (`--order fees`, its
// default: a higher cap goes first, equal caps in arrival order); `--order fifo` keeps arrival
// order, as geth and reth do for equal tips. Each rep, on a fresh anvil each:
//   baseline   N transfers pre-signed from 16 accounts with a fee cap no base fee reaches
//              (10,000 gwei: never priced out, never dropped), all sent at once: what the chain
//              includes when nothing is lost — its capacity as this machine's anvil delivers it.
//   floodgate  the same N transfers through `floodgate send --pool-size 16`, default flags
//              (first bids from the backlog's headroom, replacements as the base fee climbs).
//   other      with --other, the same through another build (an earlier commit's dist), on a
//              fresh anvil of its own, in the same rep.
// Reported: included tx/s over the run (first inclusion to last, by block timestamps), the
// ratio floodgate ÷ baseline, floodgate's time from its last send to its last inclusion, and
// its replacements (tx_replaced) per included tx.
// All traffic goes to 127.0.0.1.

import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { privateKeyToAccount } from 'viem/accounts'
import { addressOf, benchKeys, DEV_KEY, followBlocks, fund, median, rpcClient, SINKS } from './lib.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(ROOT, 'dist', 'bin', 'floodgate.js')
const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const N = Number(opt('n', 6000))
const REPS = Number(opt('reps', 3))
const OTHER = opt('other')
const ORDER = opt('order')
const POOL = 16
const GAS_LIMIT = 2_100_000n
const CAP_MS = 240_000
const log = (...a) => process.stderr.write(`[saturation ${new Date().toISOString().slice(11, 19)}] ${a.join(' ')}\n`)

const { startAnvil } = await import(path.join(ROOT, 'dist/src/devnet/anvil.js'))
const chain = () => startAnvil({ blockTime: 1, gasLimit: GAS_LIMIT, logger: null, silent: true, hardfork: 'prague', ...(ORDER ? { extraArgs: ['--order', ORDER] } : {}) })

/** Blocks from `from` on, until `ours` txs of `senders` are in (or the cap): per-block counts and timestamps. */
function follow(rpc, senders, total, from, capMs) {
  const mine = new Set(senders.map((a) => a.toLowerCase()))
  return followBlocks(rpc, (t) => mine.has(t.from.toLowerCase()), total, from, capMs)
}

/** Included tx/s from the first block with ours to the last (one block time counted for the first). */
function inclusionRate(blocks) {
  const withOurs = blocks.filter((b) => b.ours > 0)
  if (withOurs.length === 0) return { tps: 0, spanS: 0 }
  const first = withOurs[0]
  const last = withOurs.at(-1)
  const spanS = last.ts - first.ts + 1
  return { tps: withOurs.reduce((s, b) => s + b.ours, 0) / spanS, spanS, lastAt: last.at }
}

async function baseline() {
  const anvil = await chain()
  const rpc = rpcClient(anvil.url)
  try {
    const keys = benchKeys('saturation-baseline', POOL)
    const accounts = keys.map((k) => privateKeyToAccount(k))
    await fund(rpc, accounts.map((a) => a.address))
    const raws = []
    for (let i = 0; i < N; i++) {
      const a = accounts[i % POOL]
      raws.push(await a.signTransaction({ chainId: 31337, type: 'eip1559', nonce: Math.floor(i / POOL), to: SINKS[0], value: 1n, gas: 21_000n, maxFeePerGas: 10_000n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n }))
    }
    const from = Number(BigInt(await rpc.call('eth_blockNumber'))) + 1
    for (let i = 0; i < raws.length; i += 100) await rpc.batch(raws.slice(i, i + 100).map((r) => ({ method: 'eth_sendRawTransaction', params: [r] })))
    const sentAt = Date.now()
    const { blocks, seen } = await follow(rpc, accounts.map((a) => a.address), N, from, CAP_MS)
    const r = inclusionRate(blocks)
    return { tps: r.tps, included: seen, tail_s: r.lastAt ? (r.lastAt - sentAt) / 1000 : NaN }
  } finally {
    await rpc.close()
    await anvil.stop()
  }
}

async function floodgate(bin = BIN) {
  const anvil = await chain()
  const rpc = rpcClient(anvil.url)
  try {
    const seed = `saturation-${Date.now()}`
    const env = { ...process.env, FLOODGATE_SEED: seed, FLOODGATE_FUNDER_KEY: DEV_KEY, FLOODGATE_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'floodgate-saturation-')) }
    // the pool, funded first (the base fee climbs to hundreds of gwei while the chain is full)
    await run(['send', '--rpc-url', anvil.url, '--pool-size', String(POOL), '--min-balance', '100eth', '--log-level', 'warn'], '', env)
    const { poolKeysFromSeed } = await import(path.join(ROOT, 'dist/src/accounts/poolKeys.js'))
    const senders = poolKeysFromSeed(seed, 'executors', POOL).map(addressOf)
    const from = Number(BigInt(await rpc.call('eth_blockNumber'))) + 1
    const lines = Array.from({ length: N }, () => JSON.stringify({ to: SINKS[0], value: '1 wei' })).join('\n') + '\n'
    const following = follow(rpc, senders, N, from, CAP_MS)
    const out = await run(['send', '--rpc-url', anvil.url, '--pool-size', String(POOL), '--log-level', 'warn'], lines, env, bin)
    const { blocks, seen } = await following
    const events = out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))
    const lastSend = Math.max(...events.filter((e) => e.type === 'tx_result' && !e.status).map((e) => e.start_timestamp_ms + e.send_ms))
    const r = inclusionRate(blocks)
    const summary = events.find((e) => e.type === 'summary')
    const replaced = summary?.replaced ?? 0
    return { tps: r.tps, included: seen, tail_s: r.lastAt ? (r.lastAt - lastSend) / 1000 : NaN, replaced, replaced_per_included: seen > 0 ? replaced / seen : NaN, timed_out: summary?.timed_out ?? 0, filled: events.filter((e) => e.type === 'nonce_gap_filled').length }
  } finally {
    await rpc.close()
    await anvil.stop()
  }
}

function run(argv, stdin, env, bin = BIN) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], { env, stdio: ['pipe', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (c) => (out += c))
    child.stdin.end(stdin)
    const timer = setTimeout(() => child.kill('SIGKILL'), CAP_MS)
    child.on('error', reject)
    child.on('close', () => {
      clearTimeout(timer)
      resolve(out)
    })
  })
}

const rows = { baseline: [], floodgate: [], other: [] }
for (let rep = 0; rep < REPS; rep++) {
  log(`rep ${rep + 1}/${REPS}: baseline`)
  rows.baseline.push(await baseline())
  // with --other, the two builds alternate which goes first
  const builds = OTHER ? (rep % 2 ? ['other', 'floodgate'] : ['floodgate', 'other']) : ['floodgate']
  for (const b of builds) {
    log(`rep ${rep + 1}/${REPS}: ${b}`)
    rows[b].push(await floodgate(b === 'other' ? path.resolve(OTHER) : BIN))
  }
  log(JSON.stringify({ baseline: rows.baseline.at(-1), floodgate: rows.floodgate.at(-1), ...(OTHER ? { other: rows.other.at(-1) } : {}) }))
}
const med = (list, key) => median(list.map((r) => r[key]))
const round = (x, d = 1000) => Math.round(x * d) / d
/** A build's figures: medians, and each rep's. */
const figures = (list) => {
  const ratios = list.map((f, i) => f.tps / rows.baseline[i].tps)
  return {
    included_tps: med(list, 'tps'),
    runs: list.map((r) => Math.round(r.tps * 10) / 10),
    ratio: { median: median(ratios), runs: ratios.map((r) => round(r)) },
    tail_s: med(list, 'tail_s'),
    replaced: med(list, 'replaced'),
    replaced_per_included: { median: round(med(list, 'replaced_per_included')), runs: list.map((r) => round(r.replaced_per_included)) },
    timed_out: med(list, 'timed_out'),
    filled: med(list, 'filled'),
  }
}
const mine = figures(rows.floodgate)
const result = {
  n: N,
  reps: REPS,
  order: ORDER ?? 'fees',
  capacity_tps: Number(GAS_LIMIT / 21_000n),
  baseline: { included_tps: med(rows.baseline, 'tps'), runs: rows.baseline.map((r) => Math.round(r.tps * 10) / 10) },
  floodgate: mine,
  ratio: mine.ratio,
  ...(OTHER ? { other: { bin: OTHER, ...figures(rows.other) } } : {}),
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
