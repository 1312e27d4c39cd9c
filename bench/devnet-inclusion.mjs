#!/usr/bin/env node
// Measures how fast a local anvil includes a burst of pre-signed ETH transfers,
// for a few candidate configurations (block time, block gas limit, tx order, logging).
// Used to choose the flags of the embedded devnet (src/devnet/embedded.ts); see docs/devnet.md.
//
//   node bench/devnet-inclusion.mjs                      # all candidates, N=20000
//   node bench/devnet-inclusion.mjs --n 5000 --reps 1 --only bt1-300M,bt0.5-1G
//   node bench/devnet-inclusion.mjs --list
//
// Everything is sent to 127.0.0.1 only, to an anvil this script starts and stops itself.
// anvil's output is drained and discarded (its banner lists private keys).

import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { keccak256, stringToHex, parseEther, parseGwei, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

// ---------------------------------------------------------------- settings

const args = parseArgs(process.argv.slice(2))
const N = Number(args.n ?? 20_000)
const SENDERS = Number(args.senders ?? 32)
const BATCH = Number(args.batch ?? 100)
const IN_FLIGHT = Number(args.inflight ?? 4)
const HOST = '127.0.0.1'
const CHAIN_ID = 31337
const HARDFORK = 'prague'
// Public anvil default account #0 (mnemonic "test test ... junk"); only used against this local anvil.
const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
const MAX_FEE = parseGwei('200')
const TIP = parseGwei('1')
const START_TIMEOUT_MS = 15_000
/** Give up on one candidate when nothing new is included for this long. */
const STALL_MS = Number(args.stall ?? 20_000)
/** Hard cap for one candidate, send + inclusion. */
const RUN_CAP_MS = Number(args.cap ?? 120_000)

/**
 * Candidates. `quiet` turns anvil's per-transaction/per-block log lines off after start
 * (anvil_setLoggingEnabled false), as src/devnet/embedded.ts does; the output is drained either way.
 * @type {{ name: string, flags: string[], quiet: boolean, reps?: number }[]}
 */
const CANDIDATES = [
  { name: 'bt1-30M', flags: ['--block-time', '1', '--gas-limit', '30000000'], quiet: true },
  { name: 'bt0.5-30M', flags: ['--block-time', '0.5', '--gas-limit', '30000000'], quiet: true },
  { name: 'bt2-300M', flags: ['--block-time', '2', '--gas-limit', '300000000'], quiet: true },
  { name: 'bt1-300M', flags: ['--block-time', '1', '--gas-limit', '300000000'], quiet: true },
  { name: 'bt0.5-300M', flags: ['--block-time', '0.5', '--gas-limit', '300000000'], quiet: true },
  { name: 'bt2-1G', flags: ['--block-time', '2', '--gas-limit', '1000000000'], quiet: true },
  { name: 'bt1-1G', flags: ['--block-time', '1', '--gas-limit', '1000000000'], quiet: true },
  { name: 'bt0.5-1G', flags: ['--block-time', '0.5', '--gas-limit', '1000000000'], quiet: true },
  { name: 'bt1-1G-fifo', flags: ['--block-time', '1', '--gas-limit', '1000000000', '--order', 'fifo'], quiet: true },
  { name: 'bt1-1G-prune', flags: ['--block-time', '1', '--gas-limit', '1000000000', '--prune-history'], quiet: true },
  { name: 'bt1-1G-keep2', flags: ['--block-time', '1', '--gas-limit', '1000000000', '--transaction-block-keeper', '2'], quiet: true },
  { name: 'bt1-1G-logging', flags: ['--block-time', '1', '--gas-limit', '1000000000'], quiet: false },
  // anvil's default mining mode: one block per transaction (foundry-rs/foundry#10122). Slow: run once.
  { name: 'automine-30M', flags: ['--gas-limit', '30000000'], quiet: false, reps: 1 },
]
const REPS = Number(args.reps ?? 3)

if (args.list) {
  for (const c of CANDIDATES) console.log(`${c.name.padEnd(16)} ${c.flags.join(' ')}${c.quiet ? ' (+ logging off)' : ''}`)
  process.exit(0)
}
const only = typeof args.only === 'string' ? new Set(args.only.split(',')) : undefined
const selected = CANDIDATES.filter((c) => !only || only.has(c.name))
if (selected.length === 0) fail(`no candidate matches --only ${args.only}`)

// ---------------------------------------------------------------- anvil

function anvilBinary() {
  const require = createRequire(import.meta.url)
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`
  const dir = path.dirname(require.resolve(`${pkg}/package.json`))
  return path.join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
}

/** Starts anvil on a free port; resolves once it prints "Listening on". Output is drained, never printed. */
function startAnvil(flags) {
  const child = spawn(anvilBinary(), ['--host', HOST, '--port', '0', '--hardfork', HARDFORK, '--chain-id', String(CHAIN_ID), ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
  let outBytes = 0
  return new Promise((resolve, reject) => {
    let buf = ''
    let tail = []
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error('anvil did not start in time'))
    }, START_TIMEOUT_MS)
    const onData = (chunk) => {
      outBytes += chunk.length
      if (buf === null) return
      buf += chunk.toString('utf8')
      const lines = buf.split('\n')
      buf = lines.pop() ?? ''
      for (const line of lines) {
        if (!/0x[0-9a-fA-F]{64}/.test(line) && !/mnemonic/i.test(line)) tail = [...tail.slice(-20), line]
        const m = /Listening on ([\d.]+):(\d+)/.exec(line)
        if (m) {
          clearTimeout(timer)
          buf = null
          tail = []
          resolve({
            url: `http://${HOST}:${m[2]}`,
            rssMB: () => rssMB(child.pid),
            outBytes: () => outBytes,
            async stop() {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
              const t = setTimeout(() => child.kill('SIGKILL'), 5_000)
              await exited
              clearTimeout(t)
              process.off('exit', killOnExit)
            },
          })
        }
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (buf !== null) reject(new Error(`anvil exited with ${code} before listening:\n${tail.join('\n')}`))
    })
  })
}

// ---------------------------------------------------------------- json-rpc

let rpcId = 0
async function rpcBatch(url, calls, timeoutMs = 30_000) {
  const body = calls.map(([method, params]) => ({ jsonrpc: '2.0', id: ++rpcId, method, params }))
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  })
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`)
  const out = await res.json()
  if (!Array.isArray(out)) throw new Error(`batch answer is not an array: ${JSON.stringify(out).slice(0, 200)}`)
  const byId = new Map(out.map((r) => [r.id, r]))
  return body.map((b) => byId.get(b.id) ?? { error: { code: 0, message: 'missing in batch answer' } })
}

async function rpc(url, method, params = []) {
  const [r] = await rpcBatch(url, [[method, params]])
  if (r.error) throw new Error(`${method}: ${r.error.code} ${r.error.message}`)
  return r.result
}

// ---------------------------------------------------------------- transactions

const dev = privateKeyToAccount(DEV_KEY)
const senders = Array.from({ length: SENDERS }, (_, i) =>
  privateKeyToAccount(keccak256(stringToHex(`floodgate-bench-sender-${i}`))),
)
const perSender = Math.ceil(N / SENDERS)

async function presign() {
  const funding = await Promise.all(
    senders.map((s, i) =>
      dev.signTransaction({
        type: 'eip1559',
        chainId: CHAIN_ID,
        nonce: i,
        to: s.address,
        value: parseEther('100'),
        gas: 21_000n,
        maxFeePerGas: MAX_FEE,
        maxPriorityFeePerGas: TIP,
      }),
    ),
  )
  /** Ordered nonce-major (all senders' nonce 0, then nonce 1, ...) like a paced per-signer load. */
  const load = []
  for (let nonce = 0; nonce < perSender && load.length < N; nonce++) {
    for (let s = 0; s < SENDERS && load.length < N; s++) {
      const to = toHex(BigInt(0x10000 + ((nonce * SENDERS + s) % 4096)), { size: 20 })
      load.push({ sender: s, raw: senders[s].signTransaction({ type: 'eip1559', chainId: CHAIN_ID, nonce, to, value: 1n, gas: 21_000n, maxFeePerGas: MAX_FEE, maxPriorityFeePerGas: TIP }) })
    }
  }
  const raws = await Promise.all(load.map((l) => l.raw))
  const expected = new Array(SENDERS).fill(0)
  for (const l of load) expected[l.sender]++
  return { funding, load: raws, expected }
}

// ---------------------------------------------------------------- one run

async function nonces(url) {
  const res = await rpcBatch(url, senders.map((s) => ['eth_getTransactionCount', [s.address, 'latest']]))
  return res.map((r) => (r.error ? 0 : Number(BigInt(r.result))))
}

async function runCandidate(c, signed) {
  const anvil = await startAnvil(c.flags)
  try {
    const url = anvil.url
    if (c.quiet) await rpc(url, 'anvil_setLoggingEnabled', [false])
    // fund the senders and wait for it
    const fres = await rpcBatch(url, signed.funding.map((raw) => ['eth_sendRawTransaction', [raw]]))
    const ferr = fres.find((r) => r.error)
    if (ferr) throw new Error(`funding failed: ${JSON.stringify(ferr.error)}`)
    const fundDeadline = Date.now() + 30_000
    for (;;) {
      const n = Number(BigInt(await rpc(url, 'eth_getTransactionCount', [dev.address, 'latest'])))
      if (n >= SENDERS) break
      if (Date.now() > fundDeadline) throw new Error('funding not included in 30 s')
      await sleep(50)
    }
    const startBlock = Number(BigInt(await rpc(url, 'eth_blockNumber')))

    // push: batches of BATCH, IN_FLIGHT in flight
    const batches = []
    for (let i = 0; i < signed.load.length; i += BATCH) batches.push(signed.load.slice(i, i + BATCH))
    const errors = new Map()
    let accepted = 0
    let next = 0
    const t0 = performance.now()
    const capAt = t0 + RUN_CAP_MS
    const worker = async () => {
      while (next < batches.length && performance.now() < capAt) {
        const b = batches[next++]
        try {
          const res = await rpcBatch(url, b.map((raw) => ['eth_sendRawTransaction', [raw]]))
          for (const r of res) {
            if (r.error) {
              const k = `${r.error.code} ${r.error.message}`
              errors.set(k, (errors.get(k) ?? 0) + 1)
            } else accepted++
          }
        } catch (e) {
          const k = `transport: ${e?.message ?? e}`
          errors.set(k, (errors.get(k) ?? 0) + b.length)
        }
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
    const tSent = performance.now()

    // wait for inclusion: all senders' latest nonces reach the expected counts
    const total = signed.expected.reduce((a, b) => a + b, 0)
    let included = 0
    let lastProgress = performance.now()
    let tIncluded = null
    while (performance.now() < capAt) {
      const n = await nonces(url)
      const inc = n.reduce((a, v, i) => a + Math.min(v, signed.expected[i]), 0)
      if (inc > included) {
        included = inc
        lastProgress = performance.now()
      }
      if (included >= total) {
        tIncluded = performance.now()
        break
      }
      if (performance.now() - lastProgress > STALL_MS) break
      await sleep(25)
    }
    const endBlock = Number(BigInt(await rpc(url, 'eth_blockNumber')))
    // block stats over the run
    const counts = []
    for (let b = startBlock + 1; b <= endBlock; b += 100) {
      const calls = []
      for (let k = b; k <= Math.min(endBlock, b + 99); k++) calls.push(['eth_getBlockTransactionCountByNumber', [toHex(k)]])
      for (const r of await rpcBatch(url, calls)) counts.push(r.error ? 0 : Number(BigInt(r.result)))
    }
    const nonEmpty = counts.filter((x) => x > 0)
    return {
      name: c.name,
      flags: c.flags.join(' '),
      quiet: c.quiet,
      sent: signed.load.length,
      accepted,
      errors: Object.fromEntries(errors),
      sendSec: (tSent - t0) / 1000,
      sendTps: accepted / ((tSent - t0) / 1000),
      allIncludedSec: tIncluded === null ? null : (tIncluded - t0) / 1000,
      includedTps: tIncluded === null ? null : total / ((tIncluded - t0) / 1000),
      included,
      lost: total - included,
      blocks: nonEmpty.length,
      maxPerBlock: Math.max(0, ...counts),
      anvilOutMB: anvil.outBytes() / 1e6,
      anvilRssMB: anvil.rssMB(),
    }
  } finally {
    await anvil.stop()
  }
}

// ---------------------------------------------------------------- main

async function main() {
  console.error(`pre-signing ${N} EIP-1559 transfers from ${SENDERS} senders ...`)
  const t = performance.now()
  const signed = await presign()
  console.error(`pre-signed in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  // reps interleaved (A B C A B C ...) so that drift over the session doesn't favour one candidate
  const rows = selected.map((c) => ({ name: c.name, flags: c.flags.join(' '), quiet: c.quiet, runs: [] }))
  const maxReps = Math.max(...selected.map((c) => c.reps ?? REPS))
  for (let rep = 1; rep <= maxReps; rep++) {
    for (const [i, c] of selected.entries()) {
      const reps = c.reps ?? REPS
      if (rep > reps) continue
      console.error(`-- ${c.name} #${rep}/${reps}: ${c.flags.join(' ')}${c.quiet ? ' (+ logging off)' : ''}`)
      try {
        const r = await runCandidate(c, signed)
        console.error(`   ${JSON.stringify(r)}`)
        rows[i].runs.push(r)
      } catch (e) {
        console.error(`   failed: ${e?.message ?? e}`)
        rows[i].runs.push({ failed: String(e?.message ?? e) })
      }
    }
  }
  if (args.json) {
    console.log(JSON.stringify(rows, null, 2))
    return
  }
  console.log(
    `\nN=${N} pre-signed EIP-1559 transfers from ${SENDERS} senders, JSON-RPC batches of ${BATCH}, ${IN_FLIGHT} in flight, ` +
      `hardfork ${HARDFORK}, ${REPS} runs per candidate (median, [min-max]), node ${process.version}, ${os.cpus().length} CPUs\n`,
  )
  console.log('| candidate | anvil flags | anvil logging | send tx/s | all included after | included tx/s | lost | blocks used | max tx/block | anvil RSS after | rejected |')
  console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|')
  for (const row of rows) {
    const ok = row.runs.filter((r) => !r.failed)
    const failed = row.runs.filter((r) => r.failed)
    const head = `| ${row.name} | \`${row.flags}\` | ${row.quiet ? 'off' : 'on'} |`
    if (ok.length === 0) {
      console.log(`${head} failed: ${failed[0]?.failed} ||||||||`)
      continue
    }
    const complete = ok.filter((r) => r.allIncludedSec !== null)
    const incl =
      complete.length === ok.length
        ? stat(ok.map((r) => r.allIncludedSec), 2, ' s')
        : `not all in ${ok.length - complete.length}/${ok.length} runs (median ${median(ok.map((r) => r.included))}/${N} included, stalled)`
    const tps = complete.length === ok.length ? stat(ok.map((r) => r.includedTps), 0) : '-'
    const errs = new Map()
    for (const r of ok) for (const [k, v] of Object.entries(r.errors)) errs.set(k, (errs.get(k) ?? 0) + v)
    const rej = [...errs].map(([k, v]) => `${v}× ${k}`).join('; ') || '0'
    console.log(
      `${head} ${stat(ok.map((r) => r.sendTps), 0)} | ${incl} | ${tps} | ${Math.max(...ok.map((r) => r.lost))} | ` +
        `${median(ok.map((r) => r.blocks))} | ${Math.max(...ok.map((r) => r.maxPerBlock))} | ` +
        `${ok[0].anvilRssMB === null ? '-' : `${Math.max(...ok.map((r) => r.anvilRssMB)).toFixed(0)} MB`} | ${rej}${failed.length ? ` (${failed.length} runs failed)` : ''} |`,
    )
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor((s.length - 1) / 2)]
}

function stat(xs, digits, unit = '') {
  const s = [...xs].sort((a, b) => a - b)
  const f = (x) => x.toFixed(digits)
  return s.length === 1 ? `${f(s[0])}${unit}` : `${f(median(s))}${unit} [${f(s[0])}-${f(s[s.length - 1])}]`
}

function parseArgs(argv) {
  const out = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (!a.startsWith('--')) fail(`unexpected argument ${a}`)
    const key = a.slice(2)
    const val = argv[i + 1]
    if (val === undefined || val.startsWith('--')) out[key] = true
    else {
      out[key] = val
      i++
    }
  }
  return out
}

/** Resident memory of a process in MB (Linux only; null elsewhere). */
function rssMB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : null
  } catch {
    return null
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms))
}

function fail(msg) {
  console.error(msg)
  process.exit(2)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
