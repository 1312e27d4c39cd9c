#!/usr/bin/env node
// A soak: `floodgate run transfers --forever` at the chain's gas target for a stated time, on the
// default funding flags (`--keep-funded` on, its default period; no --min-balance), its memory and
// its economics read each minute. Not a test (it takes an hour by default).
//
//   npm run build && node bench/soak.mjs                    # 60 min, --tps gas-target
//   nice -n 10 node bench/soak.mjs --minutes 6 --doc        # and its table into docs/benchmarks.md
//   node bench/soak.mjs --minutes 6 --tps 100               # a fixed rate: 100 transfers/s, the
//                                                           # gas target of the default chain
//   node bench/soak.mjs --bin ../other/dist/bin/floodgate.js  # another build
//   options: --gas-limit 4200000 --block-time 1 --sample-s 5 --mem-sample-s 0 (the heap's spaces
//   every that many s, bench/gc-probe.mjs) --node-flags "…" --flags "<more floodgate flags>"
//
// It starts an anvil of its own on 127.0.0.1 (--gas-limit 4200000, --block-time 1: a 2.1M-gas
// target, 100 transfers a second, a rate a shared 2-core machine sustains beside anvil), the dev
// account as the funder, and runs the built CLI against it with `--tps <--tps>` (default
// `gas-target`, the pacing mode that steers to blocks half full; a build without it exits at
// once, then pass a number). Each minute it prints one JSON line: the child's RSS (at the
// minute's end and the highest of its --sample-s samples, bench/lib.mjs's sampleMinutes), the
// live heap after its last full GC (bench/gc-probe.mjs), and from its events: sent, failed,
// included, timeouts (tx_timeout other than `run_stopped`), replacements, fillers, the ETH the
// pool spent (gas used × effective gas price of the included txs), and from the chain: the
// funder's balance drop (what it sent in top-ups, and its own gas) and the base fee. Then SIGINT,
// and a summary line: RSS of each minute after the fifth relative to the fifth's (the first
// minutes are warm-up), lost (accepted txs with neither a receipt nor a timeout), timeouts,
// txs still pending at the stop (`tx_timeout` reason `run_stopped`), specs still queued then
// (`tx_result` status `not_sent`), funds spent. With --doc the per-minute table goes into
// docs/benchmarks.md (between the soak markers); it is printed to stderr either way.

import path from 'node:path'
import { ROOT, benchLog, fmt, machineAndVersions, rpcClient, sampleMinutes, spawnProbedFloodgate, writeDocSection } from './lib.mjs'

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : dflt
}
const MINUTES = Number(arg('minutes', 60))
const TPS = arg('tps', 'gas-target')
const GAS_LIMIT = BigInt(arg('gas-limit', 4_200_000))
const BLOCK_TIME = Number(arg('block-time', 1))
const SAMPLE_S = Number(arg('sample-s', 5))
const MEM_SAMPLE_S = Number(arg('mem-sample-s', 0))
const NODE_FLAGS = arg('node-flags', '').split(' ').filter(Boolean)
const EXTRA = arg('flags', '').split(' ').filter(Boolean)
const OWN_BIN = path.join(ROOT, 'dist', 'bin', 'floodgate.js')
const BIN = path.resolve(arg('bin', OWN_BIN))
const DOC = process.argv.includes('--doc')
const WARM_MIN = 5
const log = benchLog('soak')

const { startAnvil } = await import(path.join(ROOT, 'dist', 'src', 'devnet', 'anvil.js'))
const { DEVNET_FUNDER_KEY, DEVNET_FUNDER_ADDRESS } = await import(path.join(ROOT, 'dist', 'src', 'devnet', 'embedded.js'))

/** Counts of the events in one minute (and, summed, the run). */
const counts = () => ({ sent: 0, failed: 0, not_sent: 0, included: 0, timeouts: 0, run_stopped: 0, replaced: 0, filled: 0, spent_wei: 0n, errors: {}, notices: [] })
const total = counts()
let minute = counts()
const GAS = /"gas_used":(\d+)/
const PRICE = /"effective_gas_price":"(\d+)"/
function onLine(l) {
  const t = /^\{"version":1,"type":"([a-z_]+)"/.exec(l)?.[1]
  if (!t) return
  for (const c of [total, minute]) {
    if (t === 'tx_result') {
      const code = /"error_code":"([A-Z_]+)"/.exec(l)?.[1]
      if (code) {
        c.failed++
        c.errors[code] = (c.errors[code] ?? 0) + 1
      } else if (l.includes('"status":"not_sent"')) c.not_sent++
      else c.sent++
    } else if (t === 'tx_receipt') {
      c.included++
      c.spent_wei += BigInt(GAS.exec(l)?.[1] ?? 0) * BigInt(PRICE.exec(l)?.[1] ?? 0)
    } else if (t === 'tx_timeout') {
      if (l.includes('"reason":"run_stopped"')) c.run_stopped++
      else c.timeouts++
    } else if (t === 'tx_replaced') c.replaced++
    else if (t === 'nonce_gap_filled') c.filled++
    else if (t === 'funds_low' || t === 'funds_exhausted') c.notices.push(t)
  }
}
const eth = (wei) => Number(wei / 10n ** 12n) / 1e6

const anvil = await startAnvil({ host: '127.0.0.1', port: 0, blockTime: BLOCK_TIME, gasLimit: GAS_LIMIT, silent: true, logger: null })
const rpc = rpcClient(anvil.url)
const funderBalance = async () => BigInt(await rpc.call('eth_getBalance', [DEVNET_FUNDER_ADDRESS, 'latest']))
const baseFeeGwei = async () => Number(BigInt((await rpc.call('eth_getBlockByNumber', ['latest', false])).baseFeePerGas)) / 1e9
const funder0 = await funderBalance()
const args = ['run', 'transfers', '--rpc-url', anvil.url, '--forever', '--tps', TPS, '--log-level', 'warn', ...EXTRA]
log(`anvil ${anvil.url}: ${GAS_LIMIT} gas, ${BLOCK_TIME} s blocks; floodgate ${args.join(' ')}; ${MINUTES} min`)
const probed = spawnProbedFloodgate(args, { nodeFlags: NODE_FLAGS, env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: 'bench-soak' }, onLine, memSampleS: MEM_SAMPLE_S, bin: BIN })
if (MEM_SAMPLE_S > 0) log(`floodgate pid ${probed.child.pid}; memory samples every ${MEM_SAMPLE_S} s: ${probed.dir}/mem.jsonl, full GCs: ${probed.dir}/gc.jsonl`)
const rows = []
let failure
try {
  await sampleMinutes(probed, {
    minutes: MINUTES,
    sampleS: SAMPLE_S,
    onMinute: async (mem) => {
      const [bal, baseFee] = await Promise.all([funderBalance(), baseFeeGwei()])
      const m = minute
      minute = counts()
      const row = {
        ...mem,
        sent: m.sent,
        failed: m.failed,
        included: m.included,
        timeouts: m.timeouts,
        replaced: m.replaced,
        filled: m.filled,
        spent_eth: eth(m.spent_wei),
        funder_sent_eth: eth(funder0 - bal),
        base_fee_gwei: Math.round(baseFee * 1000) / 1000,
        ...(m.failed ? { errors: m.errors } : {}),
        ...(m.notices.length ? { notices: m.notices } : {}),
      }
      rows.push(row)
      console.log(JSON.stringify(row))
    },
  })
} catch (e) {
  failure = e
} finally {
  await probed.stop()
  await anvil.stop()
  await rpc.close()
}
const summary = probed.lastEvent()
if (failure) {
  log(`${failure.message}; its last line: ${JSON.stringify(summary)}${Number.isNaN(Number(TPS)) ? ` (a build without --tps ${TPS}? pass --tps <n>)` : ''}`)
  process.exit(1)
}
const at5 = rows[Math.min(WARM_MIN, rows.length) - 1].rss_mb
const after = rows.slice(WARM_MIN).map((r) => r.rss_mb / at5)
const ratio = (x) => Math.round(x * 1000) / 1000
const out = {
  minutes: MINUTES,
  tps: TPS,
  rss_mb: rows.map((r) => r.rss_mb),
  live_mb: rows.map((r) => r.live_mb),
  rss_at_5_mb: at5,
  rss_after_5_over_5: after.length ? { min: ratio(Math.min(...after)), max: ratio(Math.max(...after)) } : null,
  sent: total.sent,
  failed: total.failed,
  included: total.included,
  lost: total.sent - total.included - total.timeouts - total.run_stopped,
  timeouts: total.timeouts,
  pending_at_stop: total.run_stopped,
  not_sent_at_stop: total.not_sent,
  replaced: total.replaced,
  filled: total.filled,
  funds_spent_eth: eth(total.spent_wei),
  funder_sent_eth: rows.at(-1).funder_sent_eth,
  errors: total.errors,
  notices: total.notices,
  summary_sent: summary.sent,
  summary_included: summary.included,
  summary_tps: summary.tps,
}
console.log(JSON.stringify(out))

const table = [
  '| minute | RSS at its end (MB) | highest RSS (MB) | live heap (MB) | full GCs (ms) | sent | included | timeouts | replaced | spent (ETH) | funder sent, total (ETH) | base fee (gwei) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.minute} | ${fmt(r.rss_mb, 1)} | ${fmt(r.rss_max_mb, 1)} | ${fmt(r.live_mb, 1)} | ${r.full_gcs} (${r.full_gc_ms}) | ${r.sent} | ${r.included} | ${r.timeouts} | ${r.replaced} | ${fmt(r.spent_eth, 4)} | ${fmt(r.funder_sent_eth, 4)} | ${fmt(r.base_fee_gwei, 3)} |`),
]
const { machine, versions } = await machineAndVersions()
const range = out.rss_after_5_over_5 ? `${out.rss_after_5_over_5.min}-${out.rss_after_5_over_5.max}× the 5-minute sample (${at5} MB)` : `no minute after the fifth`
const text = [
  `\`nice -n 10 node bench/soak.mjs --minutes ${MINUTES}${TPS === 'gas-target' ? '' : ` --tps ${TPS}`}${BIN === OWN_BIN ? '' : ` --bin ${BIN}`}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')}; anvil ${GAS_LIMIT} gas, ${BLOCK_TIME} s blocks; \`run transfers --forever --tps ${TPS}\`, default funding flags):`,
  '',
  ...table,
  '',
  `RSS after the fifth minute: ${range}. Sent ${out.sent}, included ${out.included}, lost ${out.lost}, timeouts ${out.timeouts}, pending at the stop ${out.pending_at_stop}, not sent ${out.not_sent_at_stop} (specs queued at the SIGINT), failed ${out.failed}${out.failed ? ` ${JSON.stringify(out.errors)}` : ''}; the pool spent ${fmt(out.funds_spent_eth, 4)} ETH in fees, the funder sent ${fmt(out.funder_sent_eth, 4)} ETH.`,
  '',
  `Machine: ${machine}. Versions: ${versions}.`,
].join('\n')
process.stderr.write(`${text}\n`)
if (DOC) writeDocSection(path.join(ROOT, 'docs', 'benchmarks.md'), 'soak', text)
