import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { recoverTransactionAddress, type Hex, type TransactionSerialized } from 'viem'
import { poolKeysFromSeed } from '../../src/accounts/poolKeys.js'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { rpc, rpcNumber } from '../helpers/anvil.js'
import { assertAccounted, jsonl, ofType, runCli } from '../helpers/cli.js'
import { recordFigures } from '../helpers/figures.js'
import { runSend } from '../helpers/inProcess.js'
import { assertNothingLost } from '../helpers/invariants.js'
import { watchRss } from '../helpers/rss.js'
import { watched } from '../helpers/watchedRpc.js'

/**
 * Issue 4: faults of the node itself, on a real anvil: a tx dropped from its pool, another
 * process sending from a pool key, a restart mid-run (pool lost, chain kept), an outage
 * longer than --rpc-timeout. 2,000 specs over 16 signers each.
 */
const SINK = '0x000000000000000000000000000000000000dEaD'
const SPECS = 2_000
const POOL = 16
const specs = (n = SPECS) => Array.from({ length: n }, (_, i) => ({ to: SINK, value: `${i + 1} wei`, id: `n${i}` }))

describe('a node that loses txs, shares a key, restarts (real anvil, 1 s blocks)', () => {
  let anvil: AnvilInstance
  beforeAll(async () => {
    anvil = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n, logger: null, silent: true })
  })
  afterAll(async () => {
    await anvil?.stop()
  })

  test('behavior: txs dropped from the pool are rebroadcast (same bytes); one the node keeps losing is re-signed from its spec (tx_replaced, reason dropped) and lands, never filled; the signer goes on', async () => {
    const seed = `drop-${Date.now()}`
    const dropped: { hash: Hex; raw: Hex }[] = []
    const swallow = new Set<string>()
    let accepted = 0
    let busy = false
    const senders = new Set<string>()
    const at = [200, 500, 800]
    const rpcSeam = watched(anvil.url, {
      swallow,
      onAccepted: async (raw, hash) => {
        accepted++
        // three txs of three signers, evicted right after the node took them (before the worker hears of it)
        if (busy || dropped.length >= at.length || accepted < at[dropped.length]!) return
        busy = true
        try {
          const from = await recoverTransactionAddress({ serializedTransaction: raw as TransactionSerialized })
          if (senders.has(from)) return
          const gone = await rpc<string | null>(anvil.url, 'anvil_dropTransaction', [hash])
          if (!gone) return // mined already: the next one
          senders.add(from)
          dropped.push({ hash, raw })
          if (dropped.length === at.length) swallow.add(raw) // the last one: every rebroadcast of it is lost again
        } finally {
          busy = false
        }
      },
    })
    const started = performance.now()
    const { events } = await runSend(anvil.url, specs(), { rpc: rpcSeam, seed, poolSize: POOL, gapCheckMs: 1_000, receiptTimeoutMs: 8_000 })
    const ms = performance.now() - started
    expect(dropped).toHaveLength(3)
    const o = await assertNothingLost(anvil.url, events, SPECS)
    expect(o.failed).toBe(0)
    // the first two came back with their own bytes: mined, receipts reported
    const receipts = new Map(ofType(events, 'tx_receipt').map((r) => [r.tx_hash, r]))
    for (const d of dropped.slice(0, 2)) expect(receipts.get(d.hash), `rebroadcast ${d.hash}`).toBeDefined()
    // the third: its same bytes never get through, so its spec is re-signed (new bytes, same nonce) and lands
    expect(ofType(events, 'nonce_gap_filled')).toHaveLength(0)
    const lost = ofType(events, 'tx_result').find((r) => r.tx_hash === dropped[2]!.hash)!
    const replaced = ofType(events, 'tx_replaced').filter((e) => e.idx === lost.idx)
    expect(replaced.length).toBeGreaterThanOrEqual(1)
    expect(replaced[0]).toMatchObject({ old_tx_hash: dropped[2]!.hash, nonce: lost.nonce, reason: 'dropped', line: lost.line })
    const newest = replaced.at(-1)!.tx_hash
    expect(receipts.get(newest), 'the re-signed tx has the spec\'s receipt').toMatchObject({ idx: lost.idx, status: 'success' })
    const onChain = await rpc<{ from: string; to: string; nonce: string; blockNumber: string | null }>(anvil.url, 'eth_getTransactionByHash', [newest])
    expect(onChain).toMatchObject({ from: lost.from.toLowerCase(), nonce: `0x${lost.nonce!.toString(16)}` })
    expect(onChain.blockNumber).not.toBeNull()
    expect(await rpc(anvil.url, 'eth_getTransactionByHash', [dropped[2]!.hash])).toBeNull()
    expect(ofType(events, 'tx_timeout')).toHaveLength(0)
    // and the signer went on: it had specs after the lost one, and they all landed (assertNothingLost)
    const after = ofType(events, 'tx_result').filter((r) => r.from === lost.from && r.idx > lost.idx)
    expect(after.length).toBeGreaterThan(20)
    recordFigures({ fault: 'tx dropped from the pool (3 drops, 1 kept lost)', runs: 1, specs: SPECS, faults: 3, lost: o.missing, failed: o.failed, gaps: o.gaps, filled: 0, ms: Math.round(ms) })
  })

  test('behavior: another process sends from a pool key mid-run: "nonce too low", the worker resyncs, no spec lost', async () => {
    const seed = `shared-key-${Date.now()}`
    const keys = new Map(poolKeysFromSeed(seed, 'executors', POOL).map((k) => [privateKeyToAccount(k).address, k]))
    let victim: ReturnType<typeof privateKeyToAccount> | undefined
    let accepted = 0
    const external: Hex[] = []
    const rpcSeam = watched(anvil.url, {
      onAccepted: async (raw) => {
        if (++accepted !== 500) return
        // the victim: the signer of this very tx, whose worker waits for this answer, so its
        // next send takes a nonce the other process has just used
        victim = privateKeyToAccount(keys.get(await recoverTransactionAddress({ serializedTransaction: raw as TransactionSerialized }))!)
        // the other process: 5 txs at the pending nonce on, mined at once, at a fee below floodgate's
        // (2 × base fee + tip), so that neither replaces one of floodgate's txs in the pool (a
        // higher-paying process replacing txs floodgate was told were accepted is beyond its reach)
        const block = await rpc<{ baseFeePerGas: string }>(anvil.url, 'eth_getBlockByNumber', ['latest', false])
        const base = (BigInt(block.baseFeePerGas) * 3n) / 4n
        const next = await rpcNumber(anvil.url, 'eth_getTransactionCount', [victim.address, 'pending'])
        for (let k = 0; k < 5; k++) {
          const raw = await victim.signTransaction({ chainId: 31337, nonce: next + k, to: SINK, value: 7n, gas: 21_000n, maxFeePerGas: base * 2n, maxPriorityFeePerGas: 0n, type: 'eip1559' })
          const r = await fetch(anvil.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: [raw] }) })
          const body = (await r.json()) as { result?: Hex }
          if (body.result) external.push(body.result)
        }
        await rpc(anvil.url, 'evm_mine')
      },
    })
    // one send at a time, so the victim's next send surely meets the nonces just taken (with several
    // in flight they may be past them already: test/helpers/nodeContract.ts and the sender's unit tests)
    const { events } = await runSend(anvil.url, specs(), { rpc: rpcSeam, seed, poolSize: POOL, receiptTimeoutMs: 15_000, inFlight: 1 })
    expect(external.length, 'the other process got txs in').toBeGreaterThan(0)
    const who = victim
    if (!who) throw new Error('unreachable: external txs without a victim')
    // the other process's txs that made it on chain count in the victim's nonce
    const minedExternal = (await Promise.all(external.map((h) => rpc<{ status: string } | null>(anvil.url, 'eth_getTransactionReceipt', [h])))).filter(Boolean).length
    const results = ofType(events, 'tx_result')
    expect(results.filter((r) => r.error_code).map((r) => `${r.idx} ${r.error_code}`)).toEqual([])
    // every accepted tx on chain once; every signer's nonce = its accepted count, plus, for the
    // victim, the other process's txs that were mined
    const o = await assertNothingLost(anvil.url, events, SPECS, new Map([[who.address, minedExternal]]))
    expect(o.summary.sent).toBe(SPECS)
    // the victim's worker met "nonce too low" and resynced: one of its specs took a second attempt
    const mine = results.filter((r) => r.from === who.address)
    expect(mine.some((r) => r.attempts > 1)).toBe(true)
    recordFigures({ fault: 'another process sends from a pool key', runs: 1, specs: SPECS, faults: minedExternal, lost: o.missing, failed: o.failed, gaps: o.gaps })
  })
})

describe('the node restarts mid-run (real anvil, state dumped and loaded, pool lost)', () => {
  test('behavior: killed after ~800 sends, back on the same port 1.5 s later: floodgate waits, rebroadcasts what the node lost, finishes; every spec ends once, no gap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floodgate-restart-'))
    const state = join(dir, 'state.json')
    let anvil = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n, logger: null, silent: true, dumpState: state })
    const port = anvil.port
    try {
      const seed = `restart-${Date.now()}`
      await runSend(anvil.url, [], { seed, poolSize: POOL }) // funded before the run under test
      let accepted = 0
      let restart: Promise<void> | undefined
      let downAt = 0
      let upAt = 0
      const rpcSeam = watched(anvil.url, {
        timeoutMs: 10_000,
        onAccepted: () => {
          if (++accepted !== 800) return
          restart = (async () => {
            downAt = performance.now()
            await anvil.stop() // SIGTERM: anvil dumps its state
            await new Promise((r) => setTimeout(r, 1_500))
            anvil = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n, logger: null, silent: true, port, loadState: state, dumpState: state })
            upAt = performance.now()
          })()
        },
      })
      const started = performance.now()
      const { events, stderr } = await runSend(anvil.url, specs(), { rpc: rpcSeam, seed, poolSize: POOL, skipFunding: true, tps: 400, rpcTimeoutMs: 10_000, gapCheckMs: 1_000, receiptTimeoutMs: 20_000 })
      const ms = performance.now() - started
      await restart
      expect(upAt).toBeGreaterThan(downAt)
      const o = await assertNothingLost(anvil.url, events, SPECS)
      expect(o.summary.reason).toBe('eof')
      // the outage cost no spec: every one was sent (the in-flight ones resent once the node was back)
      expect(ofType(events, 'tx_result').filter((r) => r.error_code).map((r) => `${r.idx} ${r.error_code}: ${r.error}`)).toEqual([])
      expect(stderr).toMatch(/rebroadcasting the same signed bytes/)
      recordFigures({ fault: 'node restarted mid-run (state kept, pool lost)', runs: 1, specs: SPECS, faults: 1, lost: o.missing, failed: o.failed, gaps: o.gaps, outage_ms: Math.round(upAt - downAt), ms: Math.round(ms) })
    } finally {
      await anvil.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('error: the node stays down longer than --rpc-timeout: summary, every remaining spec RPC_UNAVAILABLE, exit 1', async () => {
    const anvil = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n, logger: null, silent: true })
    try {
      const started = performance.now()
      const rss = { peak: 0 }
      let killedAt = 0
      const run = await runCli(['send', '--rpc-url', anvil.url, '--pool-size', String(POOL), '--tps', '200', '--rpc-timeout', '2s', '--log-level', 'warn'], {
        stdin: jsonl(specs()),
        env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: `down-${Date.now()}` },
        onSpawn: (child) => {
          watchRss(child, rss)
          let seen = 0
          child.stdout!.on('data', (c: Buffer) => {
            seen += c.toString().split('\n').filter((l) => l.includes('"tx_result"')).length
            if (seen >= 300 && killedAt === 0) {
              killedAt = performance.now()
              void anvil.stop()
            }
          })
        },
      })
      const ms = performance.now() - started
      expect(killedAt).toBeGreaterThan(0)
      expect(run.code, run.stderr).toBe(1)
      const summary = assertAccounted(run.events, SPECS)
      expect(summary.reason).toBe('rpc_unavailable')
      const results = ofType(run.events, 'tx_result')
      const failed = results.filter((r) => r.error_code)
      expect(failed.length).toBeGreaterThan(1_000)
      expect(new Set(failed.map((r) => r.error_code))).toEqual(new Set(['RPC_UNAVAILABLE']))
      expect(run.stderr).toMatch(/unreachable longer than --rpc-timeout/)
      recordFigures({ fault: 'node down longer than --rpc-timeout (2 s)', runs: 1, specs: SPECS, faults: 1, lost: 0, failed: failed.length, gaps: 0, peak_rss_mib: Math.round(rss.peak), ms: Math.round(ms) })
    } finally {
      await anvil.stop()
    }
  })
})
