#!/usr/bin/env node
// The baselines floodgate is measured against, one per process (bench/run.mjs starts them):
//
//   presigned          all txs signed before the clock starts; JSON-RPC batches, k in flight
//   minimal            a minimal hand-written sender: signs on the fly with the native secp256k1
//                      addon (viem serializes, viem keccak), JSON-RPC batches, k in flight
//   windowed           a hand-written windowed sender: --senders accounts, --lanes sends in flight
//                      per account, one eth_sendRawTransaction per request, nonces counted locally,
//                      native signing as in minimal
//   viem-naive         viem walletClient.sendTransaction awaited serially, one account
//   viem-nonce-manager viem's nonceManager, one walletClient per account, all accounts in flight
//
//   node bench/baseline.mjs KIND --rpc URL --n N [--senders 32] [--batch 100] [--inflight 4] [--lanes 8] [--connections n] [--cap-ms 60000]
//
// Prints one JSON line: { kind, sent, failed, ms, tps, cpu_us_per_tx, rss_mb }. The clock runs
// from the first send to the last answer. Bounded: N txs at most, --cap-ms at most.

import { createRequire } from 'node:module'
import { createWalletClient, defineChain, http, keccak256, parseGwei, serializeTransaction } from 'viem'
import { nonceManager, privateKeyToAccount } from 'viem/accounts'
import { addressOf, benchKeys, cpuSince, pendingNonces, rpcClient, SINKS } from './lib.mjs'

const [kind, ...rest] = process.argv.slice(2)
const arg = (name, dflt) => {
  const i = rest.indexOf(`--${name}`)
  return i >= 0 ? rest[i + 1] : dflt
}
const URL_ = arg('rpc')
const N = Number(arg('n', 20000))
const SENDERS = Number(arg('senders', 32))
const BATCH = Number(arg('batch', 100))
const IN_FLIGHT = Number(arg('inflight', 4))
const LANES = Number(arg('lanes', 8))
/** HTTP connections; the default: one per request that can be outstanding. */
const CONNECTIONS = arg('connections')
const CAP_MS = Number(arg('cap-ms', 60_000))
const TAG = arg('keys', 'baseline')
const CHAIN_ID = 31337
const MAX_FEE = parseGwei('100')
const TIP = parseGwei('1')

const require = createRequire(import.meta.url)
const secp = require('secp256k1/bindings')

function signNative(tx, keyBytes) {
  const digest = keccak256(serializeTransaction(tx), 'bytes')
  const { signature, recid } = secp.ecdsaSign(digest, keyBytes)
  const rs = Buffer.from(signature).toString('hex')
  return serializeTransaction(tx, { r: `0x${rs.slice(0, 64)}`, s: `0x${rs.slice(64)}`, v: recid ? 28n : 27n, yParity: recid })
}

const transfer = (nonce, i) => ({ type: 'eip1559', chainId: CHAIN_ID, nonce, to: SINKS[i % 2], value: BigInt(1 + (i % 100)), gas: 21000n, maxFeePerGas: MAX_FEE, maxPriorityFeePerGas: TIP })

/** Sends raw txs produced by `next(i)` in batches of BATCH, IN_FLIGHT batches at a time. */
async function batched(rpc, next) {
  let i = 0
  let sent = 0
  let failed = 0
  let firstError
  const deadline = performance.now() + CAP_MS
  async function lane() {
    while (i < N && performance.now() < deadline) {
      const calls = []
      while (calls.length < BATCH && i < N) calls.push({ method: 'eth_sendRawTransaction', params: [next(i++)] })
      const answers = await rpc.batch(calls)
      for (const a of answers) {
        if (a.error) {
          failed++
          firstError ??= a.error.message
        } else sent++
      }
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
  return { sent, failed, firstError }
}

/**
 * LANES sends in flight per account, each its own request: a lane takes its account's next
 * nonce, signs and sends, and takes the next one once the node answered.
 */
async function windowed(rpc, nonces, keyBytes) {
  let i = 0
  let sent = 0
  let failed = 0
  let firstError
  const deadline = performance.now() + CAP_MS
  async function lane(account) {
    while (i < N && performance.now() < deadline) {
      const k = i++
      try {
        await rpc.call('eth_sendRawTransaction', [signNative(transfer(nonces[account]++, k), keyBytes[account])])
        sent++
      } catch (err) {
        failed++
        firstError ??= err.message
      }
    }
  }
  await Promise.all(Array.from({ length: SENDERS * LANES }, (_, l) => lane(l % SENDERS)))
  return { sent, failed, firstError }
}

async function main() {
  const rpc = rpcClient(URL_, { connections: Number(CONNECTIONS ?? (kind === 'windowed' ? SENDERS * LANES : Math.max(IN_FLIGHT, SENDERS))) })
  const keys = benchKeys(TAG, SENDERS)
  const addresses = keys.map(addressOf)
  const nonces = await pendingNonces(rpc, addresses)
  let result
  let t0
  let cpu0
  if (kind === 'presigned') {
    const keyBytes = keys.map((k) => Buffer.from(k.slice(2), 'hex'))
    const raw = Array.from({ length: N }, (_, i) => signNative(transfer(nonces[i % SENDERS]++, i), keyBytes[i % SENDERS]))
    t0 = performance.now()
    cpu0 = process.cpuUsage()
    result = await batched(rpc, (i) => raw[i])
  } else if (kind === 'minimal') {
    const keyBytes = keys.map((k) => Buffer.from(k.slice(2), 'hex'))
    t0 = performance.now()
    cpu0 = process.cpuUsage()
    result = await batched(rpc, (i) => signNative(transfer(nonces[i % SENDERS]++, i), keyBytes[i % SENDERS]))
  } else if (kind === 'windowed') {
    const keyBytes = keys.map((k) => Buffer.from(k.slice(2), 'hex'))
    t0 = performance.now()
    cpu0 = process.cpuUsage()
    result = await windowed(rpc, nonces, keyBytes)
  } else if (kind === 'viem-naive' || kind === 'viem-nonce-manager') {
    const chain = defineChain({ id: CHAIN_ID, name: 'bench', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [URL_] } } })
    const accounts = kind === 'viem-naive' ? [privateKeyToAccount(keys[0])] : keys.map((k) => privateKeyToAccount(k, { nonceManager }))
    const clients = accounts.map((account) => createWalletClient({ account, chain, transport: http(URL_) }))
    let i = 0
    let sent = 0
    let failed = 0
    let firstError
    const deadline = performance.now() + CAP_MS
    t0 = performance.now()
    cpu0 = process.cpuUsage()
    await Promise.all(
      clients.map(async (client) => {
        while (i < N && performance.now() < deadline) {
          const k = i++
          try {
            await client.sendTransaction({ to: SINKS[k % 2], value: BigInt(1 + (k % 100)) })
            sent++
          } catch (err) {
            failed++
            firstError ??= err.shortMessage ?? err.message
          }
        }
      }),
    )
    result = { sent, failed, firstError }
  } else {
    throw new Error(`unknown baseline ${kind}`)
  }
  const ms = performance.now() - t0
  const cpu = cpuSince(cpu0)
  await rpc.close()
  process.stdout.write(
    `${JSON.stringify({
      kind,
      sent: result.sent,
      failed: result.failed,
      ...(result.firstError ? { first_error: result.firstError } : {}),
      ms: Math.round(ms),
      tps: Math.round((result.sent / ms) * 1000),
      cpu_us_per_tx: Math.round(cpu / Math.max(1, result.sent + result.failed)),
      rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  )
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`)
  process.exit(1)
})
