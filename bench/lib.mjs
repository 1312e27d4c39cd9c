// Shared helpers of the throughput benchmark (bench/run.mjs, bench/baseline.mjs).
// Everything talks to 127.0.0.1 only, to the anvil bench/run.mjs starts and stops itself.

import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Pool } from 'undici'
import { keccak256, stringToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

/** Public anvil dev account #0 (mnemonic "test … junk"): funds the bench accounts on this throwaway chain. */
export const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
export const SINKS = ['0x000000000000000000000000000000000000dEaD', '0x000000000000000000000000000000000000bEEF']

/** A tiny JSON-RPC client on an undici keep-alive pool (the baselines' transport, as the issue measured). */
export function rpcClient(url, { connections = 8, timeoutMs = 60_000 } = {}) {
  const u = new URL(url)
  const pool = new Pool(u.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
  let id = 1
  async function post(body) {
    const res = await pool.request({ path: u.pathname || '/', method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const text = await res.body.text()
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`)
    return JSON.parse(text)
  }
  return {
    async call(method, params = []) {
      const r = await post(JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }))
      if (r.error) throw new Error(`${method}: ${r.error.message}`)
      return r.result
    },
    /** Sends calls as one batch; resolves with the answers in call order ({result} or {error}). */
    async batch(calls) {
      const first = id
      id += calls.length
      const body = `[${calls.map((c, i) => JSON.stringify({ jsonrpc: '2.0', id: first + i, method: c.method, params: c.params ?? [] })).join(',')}]`
      const r = await post(body)
      const byId = new Map(r.map((x) => [x.id, x]))
      return calls.map((_, i) => byId.get(first + i) ?? { error: { message: 'missing from batch answer' } })
    },
    close: () => pool.close(),
  }
}

/** Deterministic throwaway keys for the baselines' senders. */
export function benchKeys(tag, n) {
  return Array.from({ length: n }, (_, i) => keccak256(stringToHex(`floodgate-bench:${tag}:${i}`)))
}

export function addressOf(key) {
  return privateKeyToAccount(key).address
}

/** Gives every address plenty of ether (anvil_setBalance: no txs, no mining needed). */
export async function fund(rpc, addresses) {
  const wei = `0x${(10n ** 27n).toString(16)}`
  for (let i = 0; i < addresses.length; i += 100) {
    await rpc.batch(addresses.slice(i, i + 100).map((a) => ({ method: 'anvil_setBalance', params: [a, wei] })))
  }
}

/** Waits until anvil's pool is empty (everything sent so far is mined), at most `capMs`. */
export async function waitPoolEmpty(rpc, capMs = 90_000) {
  const deadline = Date.now() + capMs
  for (;;) {
    const s = await rpc.call('txpool_status')
    const left = Number(BigInt(s.pending)) + Number(BigInt(s.queued))
    if (left === 0) return 0
    if (Date.now() > deadline) return left
    await sleep(250)
  }
}

export async function pendingNonces(rpc, addresses) {
  const answers = await rpc.batch(addresses.map((a) => ({ method: 'eth_getTransactionCount', params: [a, 'pending'] })))
  return answers.map((r) => Number(BigInt(r.result)))
}

export async function latestNonces(rpc, addresses) {
  const out = []
  for (let i = 0; i < addresses.length; i += 200) {
    const answers = await rpc.batch(addresses.slice(i, i + 200).map((a) => ({ method: 'eth_getTransactionCount', params: [a, 'latest'] })))
    for (const r of answers) out.push(Number(BigInt(r.result)))
  }
  return out
}

export function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const m = v.length >> 1
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms))
}

/** CPU µs of this process since `start` (process.cpuUsage()). */
export function cpuSince(start) {
  const c = process.cpuUsage(start)
  return c.user + c.system
}

let sendRuns = 0
/**
 * One `floodgate send` child of `bin` against `url` (funded from DEV_KEY, keys from `seed`,
 * state in `tmp`), `probe` (bench/child-usage.mjs) preloaded: its process CPU (µs), accepted
 * sends per second from its tx_result events, and its wall time from spawn to exit (ms).
 */
export function floodgateSend({ bin, url, input, flags, tmp, seed, probe }) {
  const usageFile = path.join(tmp, `usage-${++sendRuns}.json`)
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', probe, bin, 'send', '--rpc-url', url, '--log-level', 'warn', '--from', input, ...flags], {
      env: { ...process.env, BENCH_USAGE_FILE: usageFile, FLOODGATE_SEED: seed, FLOODGATE_STATE_DIR: tmp, FLOODGATE_FUNDER_KEY: DEV_KEY },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (c) => (out += c))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${bin} exited ${code}`))
      let first = Infinity
      let last = -Infinity
      let sent = 0
      let receipts = 0
      for (const line of out.split('\n')) {
        if (line.startsWith('{"version":1,"type":"tx_receipt"')) receipts++
        if (!line.startsWith('{"version":1,"type":"tx_result"')) continue
        const e = JSON.parse(line)
        if (e.error_code) continue
        sent++
        first = Math.min(first, e.start_timestamp_ms)
        last = Math.max(last, e.start_timestamp_ms + e.send_ms)
      }
      const usage = JSON.parse(readFileSync(usageFile, 'utf8'))
      resolve({ sent, receipts, tps: sent > 1 ? (sent / (last - first)) * 1000 : 0, cpu_us: usage.cpu_us, wall_ms: performance.now() - t0 })
    })
  })
}

/**
 * The embedded devnet's anvil (from `root`'s build), a client on it, and a temp dir holding
 * `n` transfer specs and an empty input; `send(bin, flags, input)` runs one `floodgateSend`
 * of `bin` on it, keys from `tag`.
 */
export async function transfersOnDevnet({ root, tag, n }) {
  const { startEmbeddedDevnet } = await import(path.join(root, 'dist/src/devnet/embedded.js'))
  const devnet = await startEmbeddedDevnet({ logger: null })
  const rpc = rpcClient(devnet.url)
  const tmp = mkdtempSync(path.join(os.tmpdir(), `${tag}-`))
  const specs = path.join(tmp, 'specs.jsonl')
  writeFileSync(specs, Array.from({ length: n }, (_, i) => JSON.stringify({ to: SINKS[i % 2], value: '1 wei' })).join('\n') + '\n')
  const empty = path.join(tmp, 'empty.jsonl')
  writeFileSync(empty, '')
  const probe = path.join(root, 'bench', 'child-usage.mjs')
  const send = (bin, flags, input) => floodgateSend({ bin, url: devnet.url, input, flags, tmp, seed: tag, probe })
  return { devnet, rpc, specs, empty, send }
}
