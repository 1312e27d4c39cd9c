#!/usr/bin/env node
// `node bench/rpc-client.mjs [--other <another build's root>]`: the client-side CPU of one
// eth_sendRawTransaction in JSON-RPC batches (floodgate's HTTP transport, `createHttpRpc().batch`,
// 4 batches in flight, keep-alive), batches of 8 and of 100, against a trivial JSON-RPC server
// in a child process on 127.0.0.1 (so its CPU is not counted). With --other, that build's
// transport is measured in the same run, alternating. Prints µs per call, medians of 3.
//
//   git worktree add ../old <commit> && (cd ../old && npm ci && npm run build)
//   node bench/rpc-client.mjs --other ../old

import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { median } from './lib.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const i = args.indexOf('--other')
const builds = { this: ROOT, ...(i >= 0 ? { other: path.resolve(args[i + 1]) } : {}) }
const CALLS = 40_000
const RAW = `0x02${'cd'.repeat(113)}` // the length of a signed transfer

// the server: answers each batch with one tx hash per call
const SERVER = `
const h = '0x' + 'ab'.repeat(32)
const s = require('node:http').createServer((req, res) => {
  let t = ''
  req.on('data', (c) => (t += c))
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(JSON.parse(t).map((x) => ({ jsonrpc: '2.0', id: x.id, result: h })))) })
}).listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'))`
const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] })
const port = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(Number(String(d).trim()))))

/** µs of this process's CPU per call: `CALLS` calls in batches of `size`, 4 batches in flight. */
async function measure(root, size) {
  const { createHttpRpc } = await import(path.join(root, 'dist/src/rpc/rpc.js'))
  const rpc = createHttpRpc(`http://127.0.0.1:${port}`)
  const calls = Array.from({ length: size }, () => ({ method: 'eth_sendRawTransaction', params: [RAW] }))
  const round = async (batches) => {
    let left = batches
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (left-- > 0) await rpc.batch(calls)
    }))
  }
  await round(Math.ceil(4000 / size)) // warm-up
  const t = process.cpuUsage()
  await round(Math.ceil(CALLS / size))
  const u = process.cpuUsage(t)
  await rpc.close()
  return (u.user + u.system) / (Math.ceil(CALLS / size) * size)
}

const rows = {}
for (let rep = 0; rep < 3; rep++) {
  for (const size of [8, 100]) {
    for (const which of rep % 2 ? Object.keys(builds).reverse() : Object.keys(builds)) (rows[`${which} ${size}`] ??= []).push(await measure(builds[which], size))
  }
}
for (const [k, v] of Object.entries(rows)) process.stdout.write(`${k.padEnd(12)} ${median(v).toFixed(2)} µs/call (${v.map((x) => x.toFixed(2)).join(', ')})\n`)
server.kill()
