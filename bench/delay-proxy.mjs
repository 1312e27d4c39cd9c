#!/usr/bin/env node
// An HTTP proxy on 127.0.0.1 that holds every request for --delay-ms before passing it on to
// --upstream (a node on 127.0.0.1), through a keep-alive pool wide enough not to be the limit:
// a node "a round trip away" for bench/inflight.mjs. Prints {"url": ...} once listening; exits
// when its stdin closes (the bench ended or died), on SIGTERM, or after --max-s at most.
//
//   node bench/delay-proxy.mjs --upstream http://127.0.0.1:8545 [--delay-ms 20] [--max-s 1800]

import http from 'node:http'
import { Pool } from 'undici'

const argv = process.argv.slice(2)
const arg = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt)
const upstream = new URL(arg('upstream'))
const DELAY_MS = Number(arg('delay-ms', 20))
const MAX_S = Number(arg('max-s', 1800))
if (upstream.hostname !== '127.0.0.1') throw new Error('the delay proxy forwards to 127.0.0.1 only')

const pool = new Pool(upstream.origin, { connections: 1024, pipelining: 1, keepAliveTimeout: 60_000 })
let requests = 0

async function forward(req, res, body) {
  try {
    const r = await pool.request({ path: req.url, method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' }, body })
    const out = Buffer.from(await r.body.arrayBuffer())
    res.writeHead(r.statusCode, { 'content-type': r.headers['content-type'] ?? 'application/json', 'content-length': out.length })
    res.end(out)
  } catch (err) {
    res.writeHead(502, { 'content-type': 'text/plain' })
    res.end(String(err?.message ?? err))
  }
}

const server = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    requests++
    setTimeout(forward, DELAY_MS, req, res, Buffer.concat(chunks))
  })
})
server.keepAliveTimeout = 60_000

function stop() {
  process.stderr.write(`delay proxy: ${requests} requests\n`)
  process.exit(0)
}
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`)
})
process.stdin.on('end', stop).resume()
process.on('SIGTERM', stop)
setTimeout(stop, MAX_S * 1000).unref()
