import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createReadStream } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { LatencyHistogram } from '../../src/metrics/latencyHistogram.js'
import { mergeReports } from '../../src/report/merge.js'
import { rpcNumber } from '../helpers/anvil.js'
import { BIN, jsonl, ofType, runCli, type CliRun, type Event } from '../helpers/cli.js'
import { assertReceiptInvariant } from '../helpers/receipts.js'
import { privateKeyToAddress } from 'viem/accounts'
import { spawnSync } from 'node:child_process'

const SINK = '0x000000000000000000000000000000000000dEaD'
const LINES = 3_000
const BAD = new Set([10, 11, 12]) // one per shard: lines 10, 11, 12 are taken by shards 0, 1, 2
const N = 3

let anvil: AnvilInstance
let dir: string
let runs: CliRun[]
let files: string[]
let funderNonceBefore: number

beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n })
  dir = mkdtempSync(join(tmpdir(), 'floodgate-shards-'))
  const specs = Array.from({ length: LINES }, (_, i) => (BAD.has(i + 1) ? `{"to": "nope ${i}"}` : { to: SINK, value: `${i + 1} wei`, kind: i % 2 ? 'a' : 'b' }))
  const input = join(dir, 'specs.jsonl')
  writeFileSync(input, jsonl(specs))
  const funder = privateKeyToAddress(DEVNET_FUNDER_KEY)
  funderNonceBefore = await rpcNumber(anvil.url, 'eth_getTransactionCount', [funder, 'latest'])
  // the same input, the same seed, one funder: three processes at once
  runs = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      runCli(['send', '--shard', `${i}/${N}`, '--rpc-url', anvil.url, '--from', input, '--pool-size', '4', '--log-level', 'warn'], {
        env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: 'e2e-shards' },
      }),
    ),
  )
  files = runs.map((r, i) => {
    const f = join(dir, `shard-${i}.jsonl`)
    writeFileSync(f, r.stdout)
    return f
  })
}, 100_000)
afterAll(async () => {
  await anvil?.stop()
})

describe('send --shard i/n: three processes over one input', () => {
  test('behavior: every line has exactly one terminal event across the shards; each shard takes its lines only, numbers them 0…, tags every event', () => {
    for (const r of runs) expect(r.code, r.stderr).toBe(0)
    const byLine = new Map<number, number>()
    for (const [i, r] of runs.entries()) {
      expect(r.events.every((e) => e.shard === `${i}/${N}`)).toBe(true)
      const terminal = [...ofType(r.events, 'tx_result'), ...ofType(r.events, 'invalid_spec')]
      for (const e of terminal) {
        expect((e.line - 1) % N, `line ${e.line} belongs to shard ${i}`).toBe(i)
        byLine.set(e.line, (byLine.get(e.line) ?? 0) + 1)
      }
      const idx = ofType(r.events, 'tx_result').map((e) => e.idx).sort((a, b) => a - b)
      expect(idx).toEqual(Array.from({ length: idx.length }, (_, k) => k))
      expect(ofType(r.events, 'invalid_spec').map((e) => e.line)).toEqual([10 + i])
      assertReceiptInvariant(r.events)
    }
    expect(byLine.size).toBe(LINES)
    expect([...byLine.values()].every((n) => n === 1)).toBe(true)
  })

  test('behavior: the shards\' signers are disjoint, and each signer\'s nonces are contiguous on chain; the one funder never collided', async () => {
    const signersOf = runs.map((r) => new Set(ofType(r.events, 'tx_result').map((e) => e.from as string)))
    const all = signersOf.flatMap((s) => [...s])
    expect(new Set(all).size).toBe(all.length)
    expect(all.length).toBe(N * 4)
    const results = runs.flatMap((r) => ofType(r.events, 'tx_result'))
    expect(results.filter((e) => e.error_code)).toEqual([])
    for (const signer of all) {
      const nonces = results.filter((e) => e.from === signer).map((e) => e.nonce as number).sort((a, b) => a - b)
      expect(nonces).toEqual(Array.from({ length: nonces.length }, (_, k) => k))
      expect(await rpcNumber(anvil.url, 'eth_getTransactionCount', [signer, 'latest'])).toBe(nonces.length)
    }
    // twelve top-ups, each mined once: the funder's nonce moved by exactly that
    const funder = privateKeyToAddress(DEVNET_FUNDER_KEY)
    expect(await rpcNumber(anvil.url, 'eth_getTransactionCount', [funder, 'latest'])).toBe(funderNonceBefore + N * 4)
  })

  test('behavior: floodgate report over the three logs equals the figures recomputed from their union', async () => {
    const events: Event[] = runs.flatMap((r) => r.events)
    const results = ofType(events, 'tx_result')
    const receipts = ofType(events, 'tx_receipt')
    const send = new LatencyHistogram()
    for (const e of results) if (!e.error_code) send.recordMs(e.send_ms)
    const incl = new LatencyHistogram()
    for (const e of receipts) incl.recordMs(e.inclusion_ms)
    const r = await mergeReports(files.map((f) => ({ name: f, open: () => createReadStream(f) })))
    expect(r.figures).toMatchObject({ sent: results.length, failed: 0, invalid: BAD.size, included: receipts.length })
    expect(r.figures.send_latency_ms).toEqual(send.summary())
    expect(r.figures.inclusion_latency_ms).toEqual(incl.summary())
    const start = Math.min(...results.map((e) => e.start_timestamp_ms))
    const end = Math.max(...results.map((e) => e.start_timestamp_ms + e.send_ms), ...receipts.map((e) => results.find((x) => x.shard === e.shard && x.idx === e.idx)!.start_timestamp_ms + e.inclusion_ms))
    expect(r.figures.duration_ms).toBe(Math.round(end - start))
    expect(r.parts?.map((p) => [p.shard, p.figures.sent])).toEqual(runs.map((run, i) => [`${i}/${N}`, run.events.at(-1)!.sent]))
    // the command prints the same, with its per-shard table
    const cli = spawnSync(process.execPath, [BIN, 'report', ...files], { encoding: 'utf8' })
    expect(cli.status, cli.stderr).toBe(0)
    expect(cli.stdout).toContain(`(${N} shards merged)`)
    expect(cli.stdout).toMatch(new RegExp(`\\n {2}sent +${results.length.toLocaleString('en-US')} `))
    for (let i = 0; i < N; i++) expect(cli.stdout).toContain(`${i}/${N} ${files[i]}`)
  })
})
