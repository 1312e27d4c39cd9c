import type { ChildProcess } from 'node:child_process'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { poolKeysFromSeed } from '../../src/accounts/poolKeys.js'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { rpcNumber } from '../helpers/anvil.js'
import { startChaosProxy } from '../helpers/chaosProxy.js'
import { afterResults, jsonl, ofType, runCli } from '../helpers/cli.js'
import { recordFigures } from '../helpers/figures.js'
import { assertNothingLost } from '../helpers/invariants.js'
import { watchRss } from '../helpers/rss.js'

/**
 * Issue 4: stopping under pressure, through the real CLI: a signal while funding, a second
 * signal, SIGTERM, and a consumer that reads stdout slowly (memory stays bounded: the peak
 * RSS of the floodgate process is measured). `| head` closing stdout early is in send.test.ts.
 */
const SINK = '0x000000000000000000000000000000000000dEaD'
const transfers = (n: number) => jsonl(Array.from({ length: n }, (_, i) => ({ to: SINK, value: `${i + 1} wei` })))

let anvil: AnvilInstance
beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n, logger: null, silent: true })
})
afterAll(async () => {
  await anvil?.stop()
})

const env = (seed: string) => ({ FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: seed })
const base = () => ['send', '--rpc-url', anvil.url]

/** Calls `act` once, when a stream line matches. */
function onLine(stream: 'stdout' | 'stderr', pattern: RegExp, act: (child: ChildProcess) => void) {
  return (child: ChildProcess) => {
    let fired = false
    let buf = ''
    child[stream]!.on('data', (c: Buffer) => {
      buf = (buf + c.toString()).slice(-4096)
      if (!fired && pattern.test(buf)) {
        fired = true
        act(child)
      }
    })
  }
}

describe('signals', () => {
  test('behavior: SIGINT while funding the pool: nothing is sent, the summary says signal, exit 130', async () => {
    const seed = `sigint-funding-${Date.now()}`
    const size = 48
    const run = await runCli([...base(), '--pool-size', String(size), '--log-level', 'info'], {
      stdin: transfers(200),
      env: env(seed),
      onSpawn: onLine('stderr', /funding pool accounts/, (child) => child.kill('SIGINT')),
    })
    expect(run.code, run.stderr).toBe(130)
    expect(run.stderr).toMatch(/stopped while funding the pool/)
    expect(run.stderr).not.toMatch(/unexpected error|at .*\.js:\d+/)
    expect(run.events).toHaveLength(1)
    expect(run.events[0]).toMatchObject({ type: 'summary', sent: 0, failed: 0, reason: 'signal' })
    // no pool account sent anything
    const pool = poolKeysFromSeed(seed, 'executors', size).map((k) => privateKeyToAccount(k).address)
    const nonces = await Promise.all(pool.map((a) => rpcNumber(anvil.url, 'eth_getTransactionCount', [a, 'pending'])))
    expect(nonces.every((n) => n === 0)).toBe(true)
  })

  test('behavior: SIGTERM mid-run: in-flight sends finish (on chain, at their nonces, no gap), queued specs end not sent, failed 0, summary, exit 143', async () => {
    // the node answers every send 300-500 ms late (a proxy holds them): when the signal comes, sends are in flight
    const proxy = await startChaosProxy({ target: anvil.url, seed: 11, faults: { delay: 1 }, methods: (m) => m === 'eth_sendRawTransaction', delayMs: [300, 500] })
    try {
      const run = await runCli(['send', '--rpc-url', proxy.url, '--pool-size', '4', '--tps', '100', '--log-level', 'warn'], {
        stdin: transfers(600),
        env: env(`sigterm-${Date.now()}`),
        onSpawn: afterResults(20, (child) => child.kill('SIGTERM')),
      })
      expect(run.code, run.stderr).toBe(143)
      const results = ofType(run.events, 'tx_result')
      const notSent = results.filter((r) => r.status === 'not_sent')
      expect(notSent.length).toBeGreaterThan(0)
      expect(results.filter((r) => r.error_code)).toEqual([])
      expect(run.events.at(-1)).toMatchObject({ type: 'summary', reason: 'signal', failed: 0, errors: {}, not_sent: notSent.length })
      expect(run.events.at(-1)!.errors).toEqual({})
      // every spec read has its one result (idx 0..n-1); on the node itself, once its pool drained:
      // each accepted tx mined at the nonce it was reported with, each signer's nonce its accepted count
      const o = await assertNothingLost(anvil.url, run.events, results.length)
      expect(o.accepted).toBeGreaterThanOrEqual(20)
      // the sends in flight at the signal were answered after it, and reported accepted
      const sends = proxy.methods.get('eth_sendRawTransaction') ?? 0
      expect(o.accepted, `${sends} sends reached the node`).toBeGreaterThan(20)
    } finally {
      await proxy.close()
    }
  })

  test('behavior: a second SIGINT exits at once, while the first still waits for sends the node is slow to answer', async () => {
    // the node answers through a proxy that, once switched on, holds every request for 60 s
    const proxy = await startChaosProxy({ target: anvil.url, seed: 7, faults: { delay: 1 }, delayMs: [60_000, 60_000] })
    proxy.setEnabled(false)
    let firstAt = 0
    let secondAt = 0
    try {
      const run = await runCli(['send', '--rpc-url', proxy.url, '--pool-size', '16', '--tps', '100', '--rpc-timeout', '90s', '--log-level', 'warn'], {
        stdin: transfers(2_000),
        env: env(`sigint-twice-${Date.now()}`),
        onSpawn: afterResults(20, (child) => {
          proxy.setEnabled(true)
          setTimeout(() => {
            firstAt = performance.now()
            child.kill('SIGINT')
            setTimeout(() => {
              secondAt = performance.now()
              child.kill('SIGINT')
            }, 1_000)
          }, 500)
        }),
      })
      const exitedAt = performance.now()
      expect(run.code, run.stderr).toBe(130)
      expect(secondAt).toBeGreaterThan(firstAt)
      expect(run.stderr).toMatch(/second signal: exiting now/)
      // the first signal alone would have waited for the held sends (60 s): the second did not
      expect(exitedAt - firstAt).toBeLessThan(30_000)
      // what was written is whole, valid lines (parseEvents checked each), and no summary
      expect(ofType(run.events, 'summary')).toHaveLength(0)
    } finally {
      await proxy.close()
    }
  })
})

describe('a slow stdout consumer', () => {
  // ids and kinds at their longest (256 chars) make each tx's two lines ~1.6 KB: 12,000 specs
  // write ~19 MB. Unbounded buffering of what the slow reader has not read yet would grow the
  // process by more than BOUND_MIB; waiting for the reader keeps it at the fast run's peak.
  const SPECS = 12_000
  const BOUND_MIB = 10
  const SLOW_MS = 20_000
  const MiB = 1024 * 1024
  const longSpecs = () =>
    jsonl(Array.from({ length: SPECS }, (_, i) => ({ to: SINK, value: `${i + 1} wei`, id: `${i}-`.padEnd(256, 'x'), kind: 'k'.repeat(256) })))

  test(`behavior: stdout read at ~300 KB/s for ${SLOW_MS / 1000} s, then at full speed: the workers wait for it, nothing is lost, peak RSS stays within ${BOUND_MIB} MiB of a fast reader's run`, { timeout: 180_000 }, async () => {
    // the same run with a reader that keeps up: the baseline peak (funding, workers, receipts)
    const fast = { peak: 0 }
    const baseline = await runCli([...base(), '--pool-size', '32', '--log-level', 'warn'], {
      stdin: longSpecs(),
      env: env(`fast-consumer-${Date.now()}`),
      onSpawn: (child) => watchRss(child, fast),
    })
    expect(baseline.code, baseline.stderr).toBe(0)
    expect(fast.peak).toBeGreaterThan(0)

    const slow = { peak: 0 }
    let slowPhaseBytes = 0
    const started = performance.now()
    const run = await runCli([...base(), '--pool-size', '32', '--log-level', 'warn'], {
      stdin: longSpecs(),
      env: env(`slow-consumer-${Date.now()}`),
      onSpawn: (child) => {
        watchRss(child, slow)
        // for SLOW_MS: read one chunk (≤ 64 KB), then nothing for 200 ms: the pipe stays full
        const until = performance.now() + SLOW_MS
        child.stdout!.on('data', (c: Buffer) => {
          if (performance.now() >= until) return
          slowPhaseBytes += c.length
          child.stdout!.pause()
          setTimeout(() => child.stdout!.resume(), 200)
        })
      },
    })
    const slowMs = performance.now() - started
    expect(run.code, run.stderr).toBe(0)
    const { summary } = await assertNothingLost(anvil.url, run.events, SPECS)
    expect(summary.sent).toBe(SPECS)
    // a spec without its receipt: what ended it (a timeout, a fill) and what happened to its tx
    const odd = run.events.filter((e) => ['tx_timeout', 'nonce_gap_filled', 'tx_replaced', 'worker_panic'].includes(e.type)).slice(0, 5)
    expect(summary.included, `${JSON.stringify(odd)}\n${run.stderr.slice(-3_000)}`).toBe(SPECS)
    // the run is big enough for the bound to mean something: what the slow phase left unread
    // (had floodgate not waited, it would have sat in its memory) is well over the bound
    const outBytes = Buffer.byteLength(run.stdout)
    expect(slowMs, 'the slow phase was the slow part of the run').toBeGreaterThan(SLOW_MS)
    expect((outBytes - slowPhaseBytes) / MiB, `output ${(outBytes / MiB).toFixed(1)} MiB, read in the slow phase ${(slowPhaseBytes / MiB).toFixed(1)} MiB`).toBeGreaterThan(1.2 * BOUND_MIB)
    // bounded: the output waits in the pipe and the bounded queues, not in floodgate's memory
    expect(slow.peak, `slow reader's peak ${slow.peak.toFixed(1)} MiB, fast reader's ${fast.peak.toFixed(1)} MiB`).toBeLessThan(fast.peak + BOUND_MIB)
    recordFigures({ fault: 'slow stdout consumer (~300 KB/s for 20 s)', runs: 1, specs: SPECS, faults: 0, lost: 0, failed: summary.failed, gaps: 0, peak_rss_mib: Math.round(slow.peak), baseline_rss_mib: Math.round(fast.peak), ms: Math.round(slowMs) })
  })
})
