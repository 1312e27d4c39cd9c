import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { mergeReports } from '../../src/report/merge.js'
import { redactUrl } from '../../src/rpc/redactUrl.js'
import { startChaosProxy, type ChaosProxy } from '../helpers/chaosProxy.js'
import { BIN, assertAccounted, jsonl, ofType, runCli, type CliRun } from '../helpers/cli.js'
import { assertReceiptInvariant } from '../helpers/receipts.js'

const SINK = '0x000000000000000000000000000000000000dEaD'
const LINES = 200

let anvil: AnvilInstance
let fast: ChaosProxy
let slow: ChaosProxy
let run: CliRun
let log: string
// a credential in the URL, which no event may show
const fastUrl = () => `${fast.url}?apikey=s3cret-do-not-print`

beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n })
  fast = await startChaosProxy({ target: anvil.url, seed: 1, faults: {} })
  // the same node behind a path 20 ms longer for every send
  slow = await startChaosProxy({ target: anvil.url, seed: 2, faults: { delay: 1 }, delayMs: [20, 20], methods: (m) => m === 'eth_sendRawTransaction' })
  const specs = Array.from({ length: LINES }, (_, i) => ({ to: SINK, value: `${i + 1} wei` }))
  // one send in flight per signer: the latency compared is the path's, not a queue's at a busy node
  run = await runCli(['send', '--rpc-url', fastUrl(), '--rpc-url', slow.url, '--pool-size', '4', '--in-flight', '1', '--batch-size', '1', '--log-level', 'warn'], {
    stdin: jsonl(specs),
    env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: 'e2e-endpoints' },
  })
  log = join(mkdtempSync(join(tmpdir(), 'floodgate-endpoints-')), 'run.jsonl')
  writeFileSync(log, run.stdout)
}, 100_000)
afterAll(async () => {
  await fast?.close()
  await slow?.close()
  await anvil?.stop()
})

describe('--send-rpc-url', () => {
  test('behavior: every tx (funding and spam) goes to the send URL, and only txs; every read to --rpc-url', async () => {
    const reads = await startChaosProxy({ target: anvil.url, seed: 3, faults: {} })
    const sends = await startChaosProxy({ target: anvil.url, seed: 4, faults: {} })
    try {
      const specs = Array.from({ length: 40 }, (_, i) => ({ to: SINK, value: `${i + 1} wei` }))
      const r = await runCli(['send', '--rpc-url', reads.url, '--send-rpc-url', sends.url, '--pool-size', '2', '--log-level', 'warn'], {
        stdin: jsonl(specs),
        env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: 'e2e-send-rpc-url' },
      })
      expect(r.code, r.stderr).toBe(0)
      assertAccounted(r.events, specs.length)
      assertReceiptInvariant(r.events)
      expect(r.events.at(-1)!.included).toBe(specs.length)
      // 40 spam txs and 2 top-ups, each sent once
      expect([...sends.methods]).toEqual([['eth_sendRawTransaction', specs.length + 2]])
      expect(reads.methods.has('eth_sendRawTransaction')).toBe(false)
      expect(reads.methods.get('eth_getTransactionCount')).toBeGreaterThan(0)
    } finally {
      await reads.close()
      await sends.close()
    }
  })
})

describe('--rpc-url given twice', () => {
  test('behavior: the sends are split over the endpoints, each signer always on the same one; events name it, redacted, at --in-flight 1', () => {
    expect(run.code, run.stderr).toBe(0)
    assertAccounted(run.events, LINES)
    assertReceiptInvariant(run.events)
    expect(run.stdout).not.toContain('s3cret')
    const results = ofType(run.events, 'tx_result')
    expect(results.every((e) => !e.error_code)).toBe(true)
    const endpointOf = new Map<string, Set<string>>()
    for (const e of results) endpointOf.set(e.from, (endpointOf.get(e.from) ?? new Set()).add(e.endpoint))
    expect([...endpointOf.values()].every((s) => s.size === 1)).toBe(true)
    const used = new Map<string, number>()
    for (const e of results) used.set(e.endpoint, (used.get(e.endpoint) ?? 0) + 1)
    expect([...used.keys()].sort()).toEqual([redactUrl(fastUrl()), redactUrl(slow.url)].sort())
    expect([...used.values()]).toEqual([LINES / 2, LINES / 2])
    // the slow proxy saw the sends of its two signers, the fast one the others (and every read)
    expect(slow.stats.delay).toBeGreaterThanOrEqual(LINES / 2)
  })

  test('behavior: the report compares the endpoints side by side: the 20 ms longer path shows in its send latency, at --in-flight 1', async () => {
    const r = await mergeReports([{ name: log, open: () => createReadStream(log) }])
    const rows = new Map(r.endpoints!.map((e) => [e.endpoint, e]))
    const f = rows.get(redactUrl(fastUrl()))!
    const s = rows.get(redactUrl(slow.url))!
    expect([f.sent, s.sent, f.included, s.included]).toEqual([LINES / 2, LINES / 2, LINES / 2, LINES / 2])
    expect(s.send_latency_ms.p50).toBeGreaterThanOrEqual(20)
    expect(s.send_latency_ms.p50 - f.send_latency_ms.p50).toBeGreaterThanOrEqual(15)
    const cli = spawnSync(process.execPath, [BIN, 'report', log], { encoding: 'utf8' })
    expect(cli.status, cli.stderr).toBe(0)
    expect(cli.stdout).toContain('by endpoint')
    expect(cli.stdout).toContain(redactUrl(slow.url))
  })
})

describe('--rpc-url given twice, several sends in flight', () => {
  test('behavior: the sends are split over the endpoints, each signer on one; the report gives each its own latency, the 20 ms longer path at least 20 ms and above the other, at the default --in-flight', async () => {
    // several sends per signer in flight: a send's latency is the path's plus its wait in the
    // node's queue, which the two paths share; what the longer path adds stays in its own
    const fast2 = await startChaosProxy({ target: anvil.url, seed: 5, faults: {} })
    const slow2 = await startChaosProxy({ target: anvil.url, seed: 6, faults: { delay: 1 }, delayMs: [20, 20], methods: (m) => m === 'eth_sendRawTransaction' })
    try {
      const specs = Array.from({ length: LINES }, (_, i) => ({ to: SINK, value: `${i + 1} wei` }))
      const r = await runCli(['send', '--rpc-url', fast2.url, '--rpc-url', slow2.url, '--pool-size', '4', '--batch-size', '1', '--log-level', 'warn'], {
        stdin: jsonl(specs),
        env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: 'e2e-endpoints-default' },
      })
      expect(r.code, r.stderr).toBe(0)
      assertAccounted(r.events, LINES)
      assertReceiptInvariant(r.events)
      const results = ofType(r.events, 'tx_result')
      expect(results.filter((e) => e.error_code)).toEqual([])
      const endpointOf = new Map<string, Set<string>>()
      for (const e of results) endpointOf.set(e.from, (endpointOf.get(e.from) ?? new Set()).add(e.endpoint))
      expect([...endpointOf.values()].every((s) => s.size === 1)).toBe(true)
      expect(slow2.stats.delay).toBeGreaterThanOrEqual(LINES / 2)
      const file = join(mkdtempSync(join(tmpdir(), 'floodgate-endpoints-')), 'run.jsonl')
      writeFileSync(file, r.stdout)
      const report = await mergeReports([{ name: file, open: () => createReadStream(file) }])
      const rows = new Map(report.endpoints!.map((e) => [e.endpoint, e]))
      const f = rows.get(redactUrl(fast2.url))!
      const s = rows.get(redactUrl(slow2.url))!
      expect([f.sent, s.sent, f.included, s.included]).toEqual([LINES / 2, LINES / 2, LINES / 2, LINES / 2])
      expect(s.send_latency_ms.p50).toBeGreaterThanOrEqual(20)
      expect(s.send_latency_ms.p50, `p50: slow ${s.send_latency_ms.p50} ms, fast ${f.send_latency_ms.p50} ms`).toBeGreaterThan(f.send_latency_ms.p50)
    } finally {
      await fast2.close()
      await slow2.close()
    }
  })
})
