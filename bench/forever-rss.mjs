#!/usr/bin/env node
// `floodgate run --forever` keeps its memory flat: a long run at a steady rate, the child's
// RSS sampled each minute, compared with its first minute. Not a test (it takes minutes).
//
//   npm run build && node bench/forever-rss.mjs                   # 10 min at 1,000 tx/s
//   node bench/forever-rss.mjs --minutes 3 --tps 500 --scenario erc20
//   node bench/forever-rss.mjs --minutes 3 --node-flags "--max-semi-space-size=32"
//   node bench/forever-rss.mjs --minutes 4 --tps 400 --mem-sample-s 2   # and the heap's spaces every 2 s
//
// It starts an anvil of its own on 127.0.0.1 (1 s blocks, 1G gas), runs the built CLI
// (`dist/bin/floodgate.js run SCENARIO --forever --tps N`) against it, reads the child's VmRSS
// from /proc each minute, then stops it with SIGINT. Prints one JSON line per sample and a
// summary line: { minutes, tps, rss_mb: [...], max_over_first: ratio, sent, included, timed_out }.
// Besides the RSS at each minute's end, each minute gives the highest RSS of its samples (every
// --sample-s, 5 s) and the live heap after its last full GC (bench/gc-probe.mjs, loaded into the
// child): the V8 heap holds garbage until a full GC, so RSS alone cannot tell retention from
// garbage not yet collected, and the live heap can. --mem-sample-s N: the heap's spaces every N s
// (to a file it names). The child and its sampling are bench/lib.mjs's, shared with bench/soak.mjs.
// The accounts get 50 ETH each (--min-balance): a pool that runs dry leaves txs the node never
// includes, and a pending set that grows until --receipt-timeout is not what this measures.
// Events go to a counter, not to disk (a 10-minute run writes ≈1.2 M lines).

import path from 'node:path'
import { ROOT, overFirst, sampleMinutes, spawnProbedFloodgate } from './lib.mjs'

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : dflt
}
const MINUTES = Number(arg('minutes', 10))
const TPS = Number(arg('tps', 1000))
const SCENARIO = arg('scenario', 'transfers')
const POOL = arg('accounts', '32')
const SAMPLE_S = Number(arg('sample-s', 5))
const NODE_FLAGS = arg('node-flags', '').split(' ').filter(Boolean)
const MEM_SAMPLE_S = Number(arg('mem-sample-s', 0))

const { startAnvil } = await import(path.join(ROOT, 'dist', 'src', 'devnet', 'anvil.js'))
const { DEVNET_FUNDER_KEY } = await import(path.join(ROOT, 'dist', 'src', 'devnet', 'embedded.js'))

const anvil = await startAnvil({ blockTime: 1, gasLimit: 1_000_000_000n })
const probed = spawnProbedFloodgate(
  ['run', SCENARIO, '--rpc-url', anvil.url, '--forever', '--tps', String(TPS), '--accounts-per-pool', POOL, '--min-balance', '50eth', '--log-level', 'warn'],
  { nodeFlags: NODE_FLAGS, memSampleS: MEM_SAMPLE_S, env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: 'bench-forever' } },
)
if (MEM_SAMPLE_S > 0) process.stderr.write(`memory samples every ${MEM_SAMPLE_S} s: ${probed.dir}/mem.jsonl\n`)
const samples = []
const maxima = []
const live = []
try {
  await sampleMinutes(probed, {
    minutes: MINUTES,
    sampleS: SAMPLE_S,
    onMinute: (row) => {
      samples.push(row.rss_mb)
      maxima.push(row.rss_max_mb)
      live.push(row.live_mb)
      console.log(JSON.stringify({ ...row, event_lines: probed.lines() }))
    },
  })
} finally {
  await probed.stop()
  await anvil.stop()
}
const summary = probed.lastEvent()
console.log(
  JSON.stringify({
    minutes: MINUTES,
    tps: TPS,
    rss_mb: samples,
    max_over_first: overFirst(samples),
    rss_max_mb: maxima,
    live_mb: live,
    live_max_over_first: overFirst(live),
    sent: summary.sent,
    included: summary.included,
    timed_out: summary.timed_out,
    failed: summary.failed,
    achieved_tps: summary.tps,
  }),
)
