import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { createHttpRpc, RpcError, type Rpc } from '../../src/rpc/rpc.js'
import { poolKeysFromSeed } from '../../src/accounts/poolKeys.js'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { LatencyHistogram } from '../../src/metrics/latencyHistogram.js'
import { assertAccounted, jsonl, ofType, runCli, type Event } from '../helpers/cli.js'
import { runSend } from '../helpers/inProcess.js'
import { assertReceiptInvariant } from '../helpers/receipts.js'

const SINK = '0x000000000000000000000000000000000000dEaD'
/** Runtime code PUSH1 0 PUSH1 0 REVERT: every call to it reverts. */
const REVERTER = '0x00000000000000000000000000000000000Fa11e'
const REVERT_CODE = '0x60006000fd'

let anvil: AnvilInstance
beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n })
  await createHttpRpc(anvil.url).request('anvil_setCode', [REVERTER, REVERT_CODE])
})
afterAll(async () => {
  await anvil?.stop()
})

const env = (seed: string) => ({ FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: seed })
const hex = (n: number) => `0x${n.toString(16)}`

interface ChainTx {
  block: number
  status: 'success' | 'reverted'
  gasUsed: number
  timestamp: number
}

/** Every tx in blocks from..to, read from the node block by block. */
async function scanChain(url: string, from: number, to: number): Promise<Map<string, ChainTx>> {
  const rpc = createHttpRpc(url)
  const out = new Map<string, ChainTx>()
  for (let n = from; n <= to; n++) {
    const block = await rpc.request<{ timestamp: string; transactions: string[] }>('eth_getBlockByNumber', [hex(n), false])
    if (block.transactions.length === 0) continue
    const receipts = await rpc.request<{ transactionHash: string; status: string; gasUsed: string }[]>('eth_getBlockReceipts', [hex(n)])
    for (const r of receipts) {
      out.set(r.transactionHash.toLowerCase(), {
        block: n,
        status: BigInt(r.status) === 1n ? 'success' : 'reverted',
        gasUsed: Number(BigInt(r.gasUsed)),
        timestamp: Number(BigInt(block.timestamp)),
      })
    }
  }
  return out
}

async function head(url: string): Promise<number> {
  return Number(BigInt(await createHttpRpc(url).request<string>('eth_blockNumber')))
}

function recompute(values: number[]) {
  const h = new LatencyHistogram()
  for (const v of values) h.recordMs(v)
  return h.summary()
}

/**
 * Wraps the real node's Rpc, counting calls per method, inside JSON-RPC batches too (and
 * `(batch)` per batch), letting a test refuse a method or slow it down.
 */
/**
 * A pool funded beforehand, outside the counted calls: funding waits for its top-ups' receipts
 * (one eth_getTransactionReceipt each on anvil), which are not the spam's receipt tracking.
 * The options that make the measured run use it.
 */
async function funded(tag: string, poolSize: number): Promise<{ seed: string; poolSize: number; skipFunding: true }> {
  const seed = `receipts-${tag}-${Date.now()}`
  await runSend(anvil.url, [], { seed, poolSize })
  return { seed, poolSize, skipFunding: true }
}

function countingRpc(url: string, refuse?: (method: string) => Error | undefined, delayMs?: (method: string) => number) {
  const real = createHttpRpc(url)
  const calls = new Map<string, number>()
  const count = (method: string, params?: readonly unknown[]) => {
    // the tracker reads blocks by number; the fee oracle reads 'latest' — count them apart
    const key = method === 'eth_getBlockByNumber' && params?.[0] !== 'latest' ? 'eth_getBlockByNumber(n)' : method
    calls.set(key, (calls.get(key) ?? 0) + 1)
  }
  const pause = async (method: string) => {
    const ms = delayMs?.(method) ?? 0
    if (ms > 0) await new Promise((r) => setTimeout(r, ms))
  }
  const rpc: Rpc = {
    displayUrl: real.displayUrl,
    async request<T>(method: string, params?: readonly unknown[], opts?: object): Promise<T> {
      count(method, params)
      const err = refuse?.(method)
      if (err) throw err
      await pause(method)
      return real.request<T>(method, params, opts)
    },
    async batch(batchCalls, opts) {
      calls.set('(batch)', (calls.get('(batch)') ?? 0) + 1)
      for (const c of batchCalls) count(c.method, c.params)
      await pause(batchCalls[0]!.method)
      return real.batch!(batchCalls, opts)
    },
  }
  return { rpc, calls, count: (m: string) => calls.get(m) ?? 0 }
}

/** Block number → when this test's own 25 ms poll of eth_blockNumber first showed it (wall ms). */
function watchBlocks(url: string) {
  const rpc = createHttpRpc(url)
  const seen = new Map<number, number>()
  let on = true
  const loop = (async () => {
    while (on) {
      const n = Number(BigInt(await rpc.request<string>('eth_blockNumber')))
      if (!seen.has(n)) seen.set(n, Date.now())
      await new Promise((r) => setTimeout(r, 25))
    }
  })()
  return {
    seen,
    stop: async () => {
      on = false
      await loop
    },
  }
}

/** Largest number of accepted txs waiting for their receipt at any point of the stream. */
function maxPending(events: Event[]): number {
  let open = 0
  let max = 0
  for (const e of events) {
    if (e.type === 'tx_result' && !e.error_code) max = Math.max(max, ++open)
    if (e.type === 'tx_receipt' || e.type === 'tx_timeout') open--
  }
  return max
}

describe('receipts and inclusion (real anvil, 1 s blocks)', () => {
  test('behavior: truth against the chain: included = our txs in the blocks, statuses, gas, percentiles recomputed from the events; transfers told by their blocks, reverts read from their receipts', async () => {
    const from = await head(anvil.url)
    const specs = [
      ...Array.from({ length: 400 }, (_, i) => ({ to: SINK, value: `${i + 1} wei`, kind: 'transfer', id: `t${i}` })),
      ...Array.from({ length: 20 }, (_, i) => ({ to: REVERTER, gas_limit: 60_000, kind: 'revert', id: `r${i}` })),
      ...Array.from({ length: 5 }, (_, i) => ({ to: SINK, value: '1000000000 eth', kind: 'rich', id: `x${i}` })),
    ]
    const run = await runCli(['send', '--rpc-url', anvil.url, '--log-level', 'warn', '--pool-size', '4', '--report-interval', '250ms'], {
      stdin: jsonl(specs),
      env: env('receipts-truth'),
    })
    expect(run.code, run.stderr).toBe(0)
    const summary = assertAccounted(run.events, specs.length)
    const resolved = assertReceiptInvariant(run.events)
    expect(summary).toMatchObject({ sent: 420, failed: 5, included: 420, reverted: 20, timed_out: 0 })
    expect(summary.errors).toEqual({ INSUFFICIENT_FUNDS: 5 })

    // the chain, block by block: our accepted hashes that are in a block = included
    const chain = await scanChain(anvil.url, from + 1, await head(anvil.url))
    const accepted = ofType(run.events, 'tx_result').filter((r) => !r.error_code)
    const onChain = accepted.filter((r) => chain.has(r.tx_hash))
    expect(onChain).toHaveLength(summary.included)
    let gas = 0n
    for (const r of accepted) {
      const receipt = resolved.get(r.idx)!
      const c = chain.get(r.tx_hash)!
      expect(receipt.type).toBe('tx_receipt')
      expect(receipt).toMatchObject({ block_number: c.block, status: c.status, gas_used: c.gasUsed, block_timestamp: c.timestamp, kind: r.kind, id: r.id, line: r.line })
      expect(receipt.status).toBe(r.kind === 'revert' ? 'reverted' : 'success')
      expect(BigInt(receipt.effective_gas_price)).toBeGreaterThan(0n)
      // inclusion is never negative, and the block was seen after it was made, not long after
      expect(receipt.inclusion_ms).toBeGreaterThanOrEqual(0)
      const seenAt = r.start_timestamp_ms + receipt.inclusion_ms
      expect(seenAt).toBeGreaterThanOrEqual(c.timestamp * 1000 - 1_000)
      expect(seenAt - c.timestamp * 1000).toBeLessThan(10_000)
      gas += BigInt(c.gasUsed)
    }
    expect(summary.gas_used).toBe(gas.toString())

    // summary percentiles = an HDR histogram of the per-tx events
    const receipts = ofType(run.events, 'tx_receipt')
    // the default: the transfers' outcomes from their blocks (all but the first checks), the reverts' from their receipts
    expect(receipts.filter((e) => e.kind === 'transfer' && e.outcome_from === 'block').length).toBeGreaterThanOrEqual(400 - 16)
    expect(receipts.filter((e) => e.kind === 'revert').every((e) => e.outcome_from === 'receipt')).toBe(true)
    expect(summary.inclusion_latency_ms).toEqual(recompute(receipts.map((e) => e.inclusion_ms)))
    expect(summary.send_latency_ms).toEqual(recompute(accepted.map((e) => e.send_ms)))
    expect(summary.inclusion_latency_ms.p50).toBeGreaterThan(0)
    expect(summary.included_tps).toBeGreaterThan(0)
    for (const kind of ['transfer', 'revert']) {
      const mine = receipts.filter((e) => e.kind === kind)
      expect(summary.by_kind[kind].inclusion_latency_ms).toEqual(recompute(mine.map((e) => e.inclusion_ms)))
      expect(summary.by_kind[kind].gas_used).toBe(mine.reduce((s, e) => s + BigInt(e.gas_used), 0n).toString())
    }
    expect(summary.by_kind.transfer).toMatchObject({ sent: 400, failed: 0, included: 400, reverted: 0, timed_out: 0 })
    expect(summary.by_kind.revert).toMatchObject({ sent: 20, included: 20, reverted: 20 })
    expect(summary.by_kind.rich).toMatchObject({ sent: 0, failed: 5, included: 0 })

    // progress events: totals never go down and never pass the summary's; pending = sent - resolved
    const progress = ofType(run.events, 'progress')
    expect(progress.length).toBeGreaterThanOrEqual(1)
    let prev = { sent: 0, included: 0 }
    for (const p of progress) {
      expect(p.sent).toBeGreaterThanOrEqual(prev.sent)
      expect(p.included).toBeGreaterThanOrEqual(prev.included)
      expect(p.sent).toBeLessThanOrEqual(summary.sent)
      expect(p.pending).toBe(p.sent - p.included)
      expect(p.send_latency_ms.p99).toBeGreaterThanOrEqual(p.send_latency_ms.p50)
      prev = { sent: p.sent, included: p.included }
    }
    // each progress event counts exactly the events before it in the stream
    const at = run.events.indexOf(progress.at(-1)!)
    const before = run.events.slice(0, at)
    expect(progress.at(-1)!.sent).toBe(before.filter((e) => e.type === 'tx_result' && !e.error_code).length)
    expect(progress.at(-1)!.included).toBe(before.filter((e) => e.type === 'tx_receipt').length)
  })

  test('behavior: RPC calls per block do not grow with the pending set (contender #422), with --full-receipts --receipts-by block', async () => {
    const from = await head(anvil.url)
    const c = countingRpc(anvil.url)
    const specs = Array.from({ length: 800 }, (_, i) => ({ to: SINK, value: `${i + 1} wei` }))
    const { events } = await runSend(anvil.url, specs, { rpc: c.rpc, tps: 400, receiptSource: 'block', fullReceipts: true, ...(await funded('calls-per-block', 4)) })
    assertAccounted(events, 800)
    const resolved = assertReceiptInvariant(events)
    expect([...resolved.values()].every((e) => e.type === 'tx_receipt')).toBe(true)
    const blocks = (await head(anvil.url)) - from
    const withOurs = new Set(ofType(events, 'tx_receipt').map((e) => e.block_number)).size
    expect(maxPending(events), 'hundreds of txs were waiting at once').toBeGreaterThanOrEqual(100)
    // per block: one read of its hashes, one eth_getBlockReceipts if ours are in it; never per tx
    expect(c.count('eth_getTransactionReceipt')).toBe(0)
    expect(c.count('eth_getTransactionByHash')).toBe(0)
    expect(c.count('eth_getBlockByNumber(n)')).toBeLessThanOrEqual(blocks + 2)
    expect(c.count('eth_getBlockReceipts')).toBeGreaterThanOrEqual(withOurs)
    expect(c.count('eth_getBlockReceipts')).toBeLessThanOrEqual(2 * withOurs)
    const perBlock = (c.count('eth_getBlockByNumber(n)') + c.count('eth_getBlockReceipts')) / blocks
    expect(perBlock).toBeLessThanOrEqual(3)
  })

  test('behavior: a node without eth_getBlockReceipts: detected once, then one receipt per tx of ours (--full-receipts --receipts-by block)', async () => {
    const c = countingRpc(anvil.url, (m) => (m === 'eth_getBlockReceipts' ? new RpcError(-32601, 'the method eth_getBlockReceipts does not exist/is not available') : undefined))
    const specs = Array.from({ length: 150 }, (_, i) => ({ to: SINK, value: `${i + 1} wei`, kind: 'fallback' }))
    const { events } = await runSend(anvil.url, specs, { rpc: c.rpc, receiptSource: 'block', fullReceipts: true, ...(await funded('no-block-receipts', 3)) })
    const summary = assertAccounted(events, 150)
    assertReceiptInvariant(events)
    expect(summary).toMatchObject({ sent: 150, included: 150, timed_out: 0 })
    expect(c.count('eth_getBlockReceipts')).toBe(1)
    expect(c.count('eth_getTransactionReceipt')).toBe(150)
  })

  test('behavior: by default, transfers to an address without code: 16 receipts read (the checks), the rest told by their blocks, one eth_getCode per block of ours', async () => {
    const c = countingRpc(anvil.url)
    const specs = Array.from({ length: 600 }, (_, i) => ({ to: SINK, value: `${i + 1} wei` }))
    const { events } = await runSend(anvil.url, specs, { rpc: c.rpc, ...(await funded('told-by-blocks', 8)) })
    assertAccounted(events, 600)
    assertReceiptInvariant(events)
    const receipts = ofType(events, 'tx_receipt')
    expect(receipts).toHaveLength(600)
    expect(receipts.filter((e) => e.outcome_from === 'block')).toHaveLength(600 - 16)
    expect(c.count('eth_getTransactionReceipt')).toBe(16)
    expect(c.count('eth_getBlockReceipts')).toBe(0)
    expect(c.count('eth_getCode')).toBeLessThanOrEqual(new Set(receipts.map((r) => r.block_number)).size)
  })

  test('behavior: on anvil (auto), receipts of ours are read per tx in batches of at most 100, never per block (--full-receipts)', async () => {
    const c = countingRpc(anvil.url)
    const specs = Array.from({ length: 600 }, (_, i) => ({ to: SINK, value: `${i + 1} wei` }))
    const { events } = await runSend(anvil.url, specs, { rpc: c.rpc, fullReceipts: true, ...(await funded('auto-by-tx', 8)) })
    assertAccounted(events, 600)
    assertReceiptInvariant(events)
    const receipts = ofType(events, 'tx_receipt')
    expect(receipts).toHaveLength(600)
    expect(c.count('eth_getBlockReceipts')).toBe(0)
    expect(c.count('eth_getTransactionReceipt')).toBe(600)
    // one batch per 100 of ours in a block, at the fewest
    const perBlock = new Map<number, number>()
    for (const r of receipts) perBlock.set(r.block_number, (perBlock.get(r.block_number) ?? 0) + 1)
    const fewest = [...perBlock.values()].reduce((s, n) => s + Math.ceil(n / 100), 0)
    expect(c.count('(batch)')).toBeGreaterThanOrEqual(fewest)
  })

  test('behavior: a reader that is behind does not make inclusion look later: inclusion_ms is measured to when the head first showed the block (--full-receipts)', async () => {
    // every receipt read takes 1.5 s: the reader falls seconds behind the chain
    const c = countingRpc(anvil.url, undefined, (m) => (m === 'eth_getTransactionReceipt' || m === 'eth_getBlockReceipts' ? 1_500 : 0))
    const watch = watchBlocks(anvil.url)
    const specs = Array.from({ length: 300 }, (_, i) => ({ to: SINK, value: `${i + 1} wei` }))
    const { events } = await runSend(anvil.url, specs, { rpc: c.rpc, tps: 100, fullReceipts: true, ...(await funded('reader-behind', 4)) })
    await watch.stop()
    assertAccounted(events, 300)
    assertReceiptInvariant(events)
    const starts = new Map(ofType(events, 'tx_result').map((r) => [r.idx, r.start_timestamp_ms]))
    const receipts = ofType(events, 'tx_receipt')
    expect(receipts).toHaveLength(300)
    expect(new Set(receipts.map((r) => r.block_number)).size).toBeGreaterThanOrEqual(3)
    for (const r of receipts) {
      const seenAt = starts.get(r.idx)! + r.inclusion_ms
      const ours = watch.seen.get(r.block_number)
      expect(ours, `block ${r.block_number} seen by the test`).toBeDefined()
      // floodgate's head watcher polls every 100 ms at 1 s blocks; the test's every 25 ms
      expect(Math.abs(seenAt - ours!), `block ${r.block_number}`).toBeLessThan(400)
    }
  })

  test('behavior: --no-receipts: no tx_receipt / tx_timeout, no inclusion figures', async () => {
    const run = await runCli(['send', '--rpc-url', anvil.url, '--log-level', 'warn', '--pool-size', '2', '--no-receipts'], {
      stdin: jsonl(Array.from({ length: 20 }, () => ({ to: SINK, value: '1 wei' }))),
      env: env('receipts-off'),
    })
    expect(run.code, run.stderr).toBe(0)
    const summary = assertAccounted(run.events, 20)
    expect(ofType(run.events, 'tx_receipt')).toHaveLength(0)
    expect(ofType(run.events, 'tx_timeout')).toHaveLength(0)
    expect(summary).toMatchObject({ sent: 20, included: 0, timed_out: 0, gas_used: '0' })
  })

  test('error: --receipt-timeout must be a duration above 0', async () => {
    for (const t of ['0', 'soon']) {
      const run = await runCli(['send', '--rpc-url', anvil.url, '--receipt-timeout', t])
      expect(run.code, run.stderr).toBe(2)
      expect(run.stderr).toContain('--receipt-timeout')
    }
  })
})

describe('timeouts (real anvil that mines only on request, 2 transfers per block)', () => {
  let manual: AnvilInstance
  beforeAll(async () => {
    manual = await startAnvil({ noMining: true, gasLimit: 50_000n })
  })
  afterAll(async () => {
    await manual?.stop()
  })

  /** A funded pool for a seed, without mining (anvil_setBalance), so --skip-funding works. */
  async function fundedPool(seed: string, size: number): Promise<string[]> {
    const rpc = createHttpRpc(manual.url)
    const addresses = poolKeysFromSeed(seed, 'executors', size).map((k) => privateKeyToAccount(k).address)
    for (const a of addresses) await rpc.request('anvil_setBalance', [a, hex(10 ** 18)])
    return addresses
  }

  const cli = (extra: string[]) => ['send', '--rpc-url', manual.url, '--log-level', 'warn', '--skip-funding', '--pool-size', '1', ...extra]

  /** Calls `act` once `n` accepted tx_results were printed; resolves with their hashes by idx. */
  function afterResults(n: number, act: (hashes: Map<number, string>) => Promise<void>) {
    return (child: import('node:child_process').ChildProcess) => {
      let buf = ''
      const hashes = new Map<number, string>()
      let fired = false
      child.stdout!.on('data', (chunk: Buffer) => {
        buf += chunk.toString()
        const lines = buf.split('\n')
        buf = lines.pop()!
        for (const l of lines) {
          const e = JSON.parse(l)
          if (e.type === 'tx_result' && !e.error_code) hashes.set(e.idx, e.tx_hash)
        }
        if (!fired && hashes.size >= n) {
          fired = true
          void act(hashes)
        }
      })
    }
  }

  test('behavior: after --receipt-timeout: tx_timeout says pending: true for what the node holds, false for what it dropped', async () => {
    const seed = `timeouts-${Date.now()}`
    await fundedPool(seed, 1)
    const rpc = createHttpRpc(manual.url)
    const t = Date.now()
    // --gap-check 0: the worker must not rebroadcast the dropped tx (test/e2e/nodeFaults.test.ts covers that)
    const run = await runCli(cli(['--receipt-timeout', '4s', '--gap-check', '0']), {
      env: { FLOODGATE_SEED: seed },
      stdin: jsonl(Array.from({ length: 5 }, (_, i) => ({ to: SINK, value: '1 wei', gas_limit: 21_000, id: `s${i}` }))),
      onSpawn: afterResults(5, async (hashes) => {
        await rpc.request('anvil_dropTransaction', [hashes.get(4)]) // the node forgets the last one
        await rpc.request('evm_mine') // room for two: nonces 0 and 1
      }),
    })
    expect(run.code, run.stderr).toBe(0)
    const summary = assertAccounted(run.events, 5)
    const resolved = assertReceiptInvariant(run.events)
    expect(summary).toMatchObject({ sent: 5, included: 2, timed_out: 3, reason: 'eof' })
    expect(resolved.get(0)).toMatchObject({ type: 'tx_receipt', status: 'success' })
    expect(resolved.get(1)).toMatchObject({ type: 'tx_receipt', status: 'success' })
    for (const i of [2, 3]) expect(resolved.get(i)).toMatchObject({ type: 'tx_timeout', pending: true, reason: 'timeout', id: `s${i}` })
    expect(resolved.get(4)).toMatchObject({ type: 'tx_timeout', pending: false, reason: 'timeout' })
    for (const i of [2, 3, 4]) expect(resolved.get(i)!.waited_ms).toBeGreaterThanOrEqual(4_000)
    // the wait at EOF ended with the timeouts, well before anything like the default 60 s
    expect(Date.now() - t).toBeLessThan(45_000)
  })

  test('behavior: SIGINT while waiting for receipts: no wait, tx_timeout run_stopped for each pending tx (pending_at_stop, not timed_out), exit 130', async () => {
    const seed = `stop-${Date.now()}`
    await fundedPool(seed, 1)
    const t = Date.now()
    const run = await runCli(cli(['--receipt-timeout', '60s']), {
      env: { FLOODGATE_SEED: seed },
      stdin: jsonl(Array.from({ length: 4 }, () => ({ to: SINK, value: '1 wei', gas_limit: 21_000 }))),
      onSpawn: (child) => afterResults(4, async () => void child.kill('SIGINT'))(child),
    })
    expect(run.code, run.stderr).toBe(130)
    const summary = assertAccounted(run.events, 4)
    const resolved = assertReceiptInvariant(run.events)
    expect(summary).toMatchObject({ sent: 4, included: 0, timed_out: 0, pending_at_stop: 4, failed: 0, not_sent: 0, reason: 'signal' })
    for (const e of resolved.values()) expect(e).toMatchObject({ type: 'tx_timeout', reason: 'run_stopped', pending: true })
    expect(Date.now() - t, 'the 60 s receipt wait was skipped').toBeLessThan(40_000)
  })

  test('behavior: --duration reached while waiting for receipts: tx_timeout run_stopped (pending_at_stop, not timed_out), summary reason duration', async () => {
    const seed = `duration-${Date.now()}`
    await fundedPool(seed, 1)
    const run = await runCli(cli(['--receipt-timeout', '60s', '--duration', '3s']), {
      env: { FLOODGATE_SEED: seed },
      stdin: jsonl(Array.from({ length: 3 }, () => ({ to: SINK, value: '1 wei', gas_limit: 21_000 }))),
    })
    expect(run.code, run.stderr).toBe(0)
    const summary = assertAccounted(run.events, 3)
    const resolved = assertReceiptInvariant(run.events)
    expect(summary).toMatchObject({ sent: 3, timed_out: 0, pending_at_stop: 3, failed: 0, reason: 'duration' })
    for (const e of resolved.values()) expect(e).toMatchObject({ type: 'tx_timeout', reason: 'run_stopped' })
  })
})
