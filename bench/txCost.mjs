#!/usr/bin/env node
// `node bench/txCost.mjs`: what one tx of each built-in scenario costs its sender, measured on a
// fresh anvil (1 s blocks, Prague, base fee from its genesis 1 gwei), to size `--min-balance`.
//
//   npm run build && node bench/txCost.mjs            # 40 txs a scenario, table → stdout
//   node bench/txCost.mjs --txs 100
//
// Per scenario, over its spam txs: gas used and gas limit (medians), the base fee and the max
// fee floodgate bid (medians), the cost paid (gas used × effective price + value) and the cost
// the node checks the balance against before it takes the tx (gas limit × max fee + value;
// blob txs: + blob gas × max blob fee). Both in ETH, median and max. All traffic to 127.0.0.1.

import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEV_KEY, median, rpcClient } from './lib.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(ROOT, 'dist', 'bin', 'floodgate.js')
const { startAnvil } = await import(path.join(ROOT, 'dist/src/devnet/anvil.js'))
const i = process.argv.indexOf('--txs')
const TXS = i >= 0 ? Number(process.argv[i + 1]) : 40
const SCENARIOS = ['transfers', 'erc20', 'storage', 'calldata', 'access-list', 'reverts', 'tx-types', 'mixed']

/** Runs the built CLI, resolves with its events. */
function floodgate(args) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, FLOODGATE_FUNDER_KEY: DEV_KEY, FLOODGATE_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'floodgate-cost-')) }
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (err += c))
    child.on('close', (code) => (code === 0 ? resolve(out.split('\n').filter(Boolean).map((l) => JSON.parse(l))) : reject(new Error(`exit ${code}: ${err.slice(-500)}`))))
  })
}

const eth = (wei) => (Number(wei) / 1e18).toPrecision(3)
const gwei = (wei) => (Number(wei) / 1e9).toFixed(2)

async function measure(name) {
  const anvil = await startAnvil({ blockTime: 1, logger: null, silent: true, hardfork: 'prague' })
  const rpc = rpcClient(anvil.url)
  try {
    const events = await floodgate(['run', name, '--rpc-url', anvil.url, '--max-txs', String(TXS), '--tps', '0', '--accounts-per-pool', '2', '--min-balance', '1 eth', '--log-level', 'warn'])
    const receipts = events.filter((e) => e.type === 'tx_receipt')
    const rows = []
    for (const r of receipts) {
      const tx = await rpc.call('eth_getTransactionByHash', [r.tx_hash])
      const block = await rpc.call('eth_getBlockByNumber', [tx.blockNumber, false])
      const maxFee = BigInt(tx.maxFeePerGas ?? tx.gasPrice)
      const value = BigInt(tx.value)
      const blob = BigInt(r.blob_gas_used ?? 0) * BigInt(tx.maxFeePerBlobGas ?? 0)
      const blobPaid = BigInt(r.blob_gas_used ?? 0) * BigInt(r.blob_gas_price ?? 0)
      rows.push({
        gasUsed: r.gas_used,
        gas: Number(BigInt(tx.gas)),
        baseFee: BigInt(block.baseFeePerGas),
        maxFee,
        paid: BigInt(r.gas_used) * BigInt(r.effective_gas_price) + value + blobPaid,
        reserved: BigInt(tx.gas) * maxFee + value + blob,
      })
    }
    const med = (f) => median(rows.map(f))
    const max = (f) => rows.map(f).reduce((a, b) => (b > a ? b : a), 0n)
    return `| ${name} | ${rows.length} | ${med((r) => r.gasUsed)} | ${med((r) => r.gas)} | ${gwei(med((r) => Number(r.baseFee)))} | ${gwei(med((r) => Number(r.maxFee)))} | ${eth(med((r) => Number(r.paid)))} | ${eth(med((r) => Number(r.reserved)))} | ${eth(max((r) => r.reserved))} |`
  } finally {
    await rpc.close()
    await anvil.stop()
  }
}

process.stdout.write('| scenario | txs | gas used | gas limit | base fee (gwei) | max fee (gwei) | paid (ETH) | balance needed (ETH) | needed, max (ETH) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n')
for (const name of SCENARIOS) process.stdout.write(`${await measure(name)}\n`)
