import { afterEach, describe, expect, test } from 'vitest'
import { headPollMsFor, pollMsFor, ReceiptTracker, type ReceiptTrackerOptions } from '../../../src/chain/receiptTracker.js'
import { createLogger } from '../../../src/log.js'
import { RpcError, TransportError, type RequestOptions } from '../../../src/rpc/rpc.js'
import { eventSink, FakeChain, hashOf, sentOf, txResult } from '../../helpers/fakeChain.js'

const log = createLogger({ level: 'silent' })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const running: ReceiptTracker[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop()))
})

/** A started tracker on `chain`, polling every 10 ms (head every 5 ms), its events in a sink. */
async function track(chain: FakeChain, over: Partial<ReceiptTrackerOptions> & { batch?: boolean } = {}) {
  const sink = eventSink()
  const { batch, ...opts } = over
  const tracker = new ReceiptTracker({ rpc: chain.rpc({ batch: batch ?? true }), emit: sink.emit, log, timeoutMs: 5_000, pollMs: 10, headPollMs: 5, ...opts })
  running.push(tracker)
  await tracker.start()
  return { tracker, ...sink, receiptOf: (i: number) => sink.receipts().find((e) => e.idx === i) }
}

describe('ReceiptTracker: receipts', () => {
  test.each([
    { how: 'by block', source: 'block' as const },
    { how: 'by tx, batched', source: 'tx' as const },
    { how: 'by tx, one call each (an Rpc without batches)', source: 'tx' as const, batch: false },
    { how: 'auto on anvil (by tx)', source: 'auto' as const, client: 'anvil/v1.2.0' },
    { how: 'auto elsewhere (by block)', source: 'auto' as const },
    { how: 'by block on a node without eth_getBlockReceipts (falls back to by tx)', source: 'block' as const, noBlockReceipts: true },
  ])('behavior: $how: one tx_receipt per tx of ours, with its status, gas, price, block and timestamp', async ({ source, batch, client, noBlockReceipts }) => {
    const chain = new FakeChain()
    if (client) chain.clientVersion = client
    if (noBlockReceipts) chain.blockReceipts = false
    const t = await track(chain, { source, ...(batch === false ? { batch } : {}) })
    const start = Date.now() - 1_000
    // the node spells the first hash in capitals; the tx_result in lowercase
    t.tracker.sent(sentOf(txResult(0, hashOf(0), { id: 'a', kind: 'transfer', start_timestamp_ms: start })))
    t.tracker.sent(sentOf(txResult(1, hashOf(1), { start_timestamp_ms: start })))
    t.tracker.sent(sentOf(txResult(2, hashOf(2), { kind: 'blob', start_timestamp_ms: start })))
    const b1 = chain.mine({ hash: `0x${hashOf(0).slice(2).toUpperCase()}` }, { hash: hashOf(1), status: 'reverted', gasUsed: 30_000, effectiveGasPrice: 7n })
    const b2 = chain.mine({ hash: hashOf(99) }, { hash: hashOf(2), gasUsed: 50_000, blobGasUsed: 131_072, blobGasPrice: 3n })
    await t.until(() => t.receipts().length === 3)
    const sorted = t.receipts().sort((a, b) => a.idx - b.idx)
    const ms = expect.any(Number) as unknown as number
    expect(sorted).toStrictEqual([
      { type: 'tx_receipt', idx: 0, line: 1, id: 'a', kind: 'transfer', tx_hash: hashOf(0), block_number: b1.number, block_timestamp: b1.timestamp, status: 'success', gas_used: 21_000, effective_gas_price: '1000000007', inclusion_ms: ms, tx_index: 0, block_tx_count: 2, outcome_from: 'receipt' },
      { type: 'tx_receipt', idx: 1, line: 2, tx_hash: hashOf(1), block_number: b1.number, block_timestamp: b1.timestamp, status: 'reverted', gas_used: 30_000, effective_gas_price: '7', inclusion_ms: ms, tx_index: 1, block_tx_count: 2, outcome_from: 'receipt' },
      { type: 'tx_receipt', idx: 2, line: 3, kind: 'blob', tx_hash: hashOf(2), block_number: b2.number, block_timestamp: b2.timestamp, status: 'success', gas_used: 50_000, effective_gas_price: '1000000007', blob_gas_used: 131_072, blob_gas_price: '3', inclusion_ms: ms, tx_index: 1, block_tx_count: 2, outcome_from: 'receipt' },
    ])
    await sleep(30)
    expect(t.events).toHaveLength(3) // nothing for the tx that is not ours, no timeouts
    expect(t.tracker.pendingCount).toBe(0)
  })

  test('behavior: inclusion_ms is measured to when the head watcher first saw the block, not to when the reader got to it', async () => {
    const chain = new FakeChain()
    // the reader polls every 600 ms; the head watcher every 5 ms
    const t = await track(chain, { pollMs: 600, headPollMs: 5 })
    const start = Date.now()
    t.tracker.sent(sentOf(txResult(0, hashOf(0), { start_timestamp_ms: start })))
    await sleep(30)
    const b = chain.mine({ hash: hashOf(0) })
    await t.until(() => t.receipts().length === 1)
    const readAt = Date.now()
    const seenAt = start + t.receipts()[0]!.inclusion_ms
    expect(readAt - b.minedAt, 'the reader got to the block late').toBeGreaterThan(450)
    expect(seenAt).toBeGreaterThanOrEqual(b.minedAt)
    expect(seenAt - b.minedAt).toBeLessThan(200)
  })

  test('behavior: a tx_result observed after its block was read still gets its receipt, long before its deadline', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 5_000 })
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    const b = chain.mine({ hash: hashOf(0) }, { hash: hashOf(1), status: 'reverted' })
    await t.until(() => t.receipts().length === 1) // block b was read: hashOf(1) was not ours then
    t.tracker.sent(sentOf(txResult(1, hashOf(1))))
    await t.until(() => t.receipts().length === 2, 1_000)
    expect(t.receiptOf(1)).toMatchObject({ tx_hash: hashOf(1), block_number: b.number, block_timestamp: b.timestamp, status: 'reverted' })
    expect(t.timeouts()).toEqual([])
  })

  test.each([
    { source: 'block' as const, read: 'eth_getBlockReceipts' },
    { source: 'tx' as const, read: 'eth_getTransactionReceipt' },
  ])('behavior: ($source) a tx_result observed while its block\'s receipts are being read gets its receipt before its deadline', async ({ source, read }) => {
    const chain = new FakeChain()
    const t = await track(chain, { source, timeoutMs: 5_000 })
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    const gate = chain.hold(read)
    const b = chain.mine({ hash: hashOf(0) }, { hash: hashOf(1) })
    await gate.reached // the reader is reading block b's receipts, for hashOf(0) only
    t.tracker.sent(sentOf(txResult(1, hashOf(1))))
    gate.release()
    await t.until(() => t.receipts().length === 2, 1_500, 'receipt for the tx observed during the read')
    expect(t.receiptOf(1)).toMatchObject({ tx_hash: hashOf(1), block_number: b.number })
    expect(t.timeouts()).toEqual([])
  })

  test('behavior: --receipts-by tx and auto on anvil never need eth_getBlockReceipts; block reads it (until the look-up at the deadline)', async () => {
    const early = async (source: 'tx' | 'auto' | 'block', client?: string) => {
      const chain = new FakeChain()
      if (client) chain.clientVersion = client
      chain.failCalls('eth_getBlockReceipts')
      const t = await track(chain, { source, timeoutMs: 800 })
      t.tracker.sent(sentOf(txResult(0, hashOf(0))))
      chain.mine({ hash: hashOf(0) })
      await sleep(200)
      const got = t.receipts().length
      await t.until(() => t.events.length === 1) // in every case a receipt in the end
      expect(t.receipts()).toHaveLength(1)
      return got
    }
    expect(await early('tx')).toBe(1)
    expect(await early('auto', 'anvil/v1.2.0')).toBe(1)
    expect(await early('block')).toBe(0)
  })
})

describe('ReceiptTracker: failing reads', () => {
  test('behavior: eth_getBlockReceipts that times out (a node still building a big block\'s receipts): asked once, then every receipt is read per tx', async () => {
    const chain = new FakeChain()
    chain.failCalls('eth_getBlockReceipts', { error: () => new TransportError('timeout', 'eth_getBlockReceipts: no answer from fake within 10000 ms') })
    const t = await track(chain, { source: 'block', timeoutMs: 10_000 })
    for (let i = 0; i < 3; i++) t.tracker.sent(sentOf(txResult(i, hashOf(i))))
    chain.mine({ hash: hashOf(0) }, { hash: hashOf(1) })
    chain.mine({ hash: hashOf(2) })
    await t.until(() => t.receipts().length === 3)
    expect(chain.calls.get('eth_getBlockReceipts')).toBe(1)
    expect(chain.calls.get('eth_getTransactionReceipt')).toBe(3)
    expect(t.timeouts()).toEqual([])
  })

  test('behavior: a block read that fails partway reports what it read at once, and the retry asks only for the rest', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { source: 'tx', timeoutMs: 10_000 })
    for (let i = 0; i < 250; i++) t.tracker.sent(sentOf(txResult(i, hashOf(i))))
    // 3 batches of receipts (100, 100, 50): every batch from the 3rd on is lost
    chain.failBatches((k) => k >= 3)
    chain.mine(...Array.from({ length: 250 }, (_, i) => ({ hash: hashOf(i) })))
    await t.until(() => t.receipts().length === 200)
    await sleep(100) // several retries, all failing
    expect(t.receipts()).toHaveLength(200)
    expect(new Set(t.receipts().map((e) => e.idx))).toEqual(new Set(Array.from({ length: 200 }, (_, i) => i)))
    chain.heal()
    await t.until(() => t.receipts().length === 250)
    await sleep(30)
    expect(t.receipts()).toHaveLength(250)
    expect(new Set(t.receipts().map((e) => e.idx)).size).toBe(250)
    expect(t.timeouts()).toEqual([])
  })

  test('behavior: with every 3rd batch lost, a block of 3 batches still gets through (before: only at the deadline)', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { source: 'tx', timeoutMs: 10_000 })
    for (let i = 0; i < 250; i++) t.tracker.sent(sentOf(txResult(i, hashOf(i))))
    chain.failBatches((k) => k % 3 === 0)
    chain.mine(...Array.from({ length: 250 }, (_, i) => ({ hash: hashOf(i) })))
    await t.until(() => t.receipts().length === 250)
    expect(new Set(t.receipts().map((e) => e.idx)).size).toBe(250)
  })

  test('behavior: one call at a time (no batches): the receipts read before a failure are reported', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { source: 'tx', batch: false, timeoutMs: 10_000 })
    for (let i = 0; i < 5; i++) t.tracker.sent(sentOf(txResult(i, hashOf(i))))
    chain.failCalls('eth_getTransactionReceipt', { after: 3 })
    chain.mine(...Array.from({ length: 5 }, (_, i) => ({ hash: hashOf(i) })))
    await t.until(() => t.receipts().length === 3)
    await sleep(60)
    expect(t.receipts().map((e) => e.idx)).toEqual([0, 1, 2])
    chain.heal()
    await t.until(() => t.receipts().length === 5)
    expect(t.receipts().map((e) => e.idx)).toEqual([0, 1, 2, 3, 4])
  })

  test('behavior: an RPC that fails for a while: the blocks are read once it answers again', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { source: 'block', timeoutMs: 10_000 })
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    t.tracker.sent(sentOf(txResult(1, hashOf(1))))
    chain.failCalls('eth_getBlockReceipts', { times: 3 })
    chain.failCalls('eth_blockNumber', { times: 5 })
    const b1 = chain.mine({ hash: hashOf(0) })
    const b2 = chain.mine({ hash: hashOf(1) })
    await t.until(() => t.receipts().length === 2)
    expect(t.receiptOf(0)?.block_number).toBe(b1.number)
    expect(t.receiptOf(1)?.block_number).toBe(b2.number)
  })
})

describe('ReceiptTracker: timeouts', () => {
  test('behavior: a tx never mined gets tx_timeout at its deadline: pending true if the node holds it, false if not', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 300 })
    const start = Date.now()
    chain.toPool(hashOf(0))
    t.tracker.sent(sentOf(txResult(0, hashOf(0), { id: 'held', start_timestamp_ms: start })))
    t.tracker.sent(sentOf(txResult(1, hashOf(1), { kind: 'transfer', start_timestamp_ms: start })))
    await sleep(60)
    expect(t.events).toEqual([])
    chain.mine({ hash: hashOf(7) })
    await t.until(() => t.timeouts().length === 2)
    const ms = expect.any(Number) as unknown as number
    expect(t.timeouts().sort((a, b) => a.idx - b.idx)).toStrictEqual([
      { type: 'tx_timeout', idx: 0, line: 1, id: 'held', tx_hash: hashOf(0), pending: true, waited_ms: ms, reason: 'timeout' },
      { type: 'tx_timeout', idx: 1, line: 2, kind: 'transfer', tx_hash: hashOf(1), pending: false, waited_ms: ms, reason: 'timeout' },
    ])
    for (const e of t.timeouts()) expect(e.waited_ms).toBeGreaterThanOrEqual(300)
    expect(t.receipts()).toEqual([])
    expect(t.tracker.pendingCount).toBe(0)
  })

  test('behavior: a tx the node shows unmined at a nonce its sender has used on chain (another tx took it) times out pending false; one at the next nonce stays pending true', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 100 })
    const from = '0x000000000000000000000000000000000000f00d'
    chain.toPoolFrom(hashOf(0), from, 11)
    chain.toPoolFrom(hashOf(1), from, 13)
    chain.minedCount.set(from, 13) // nonces 11 and 12 are mined, by txs that are not these
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    t.tracker.sent(sentOf(txResult(1, hashOf(1))))
    await t.until(() => t.timeouts().length === 2)
    const byIdx = t.timeouts().sort((a, b) => a.idx - b.idx)
    expect(byIdx.map((e) => [e.idx, e.pending])).toEqual([
      [0, false],
      [1, true],
    ])
  })

  test('behavior: when the look-up itself fails, tx_timeout says pending false and why', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 100 })
    chain.toPool(hashOf(0))
    chain.failCalls('eth_getTransactionByHash')
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    await t.until(() => t.timeouts().length === 1)
    expect(t.timeouts()[0]).toMatchObject({ tx_hash: hashOf(0), pending: false, reason: 'timeout', lookup_error: 'eth_getTransactionByHash: cannot reach fake (injected)' })
  })

  test('behavior: a tx mined in a block the tracker no longer remembers: the look-up at its deadline reports its receipt', async () => {
    const chain = new FakeChain()
    // only the last block read is remembered
    const t = await track(chain, { timeoutMs: 200, recentHashCap: 0 })
    const old = chain.mine({ hash: hashOf(0), gasUsed: 42_000 })
    t.tracker.sent(sentOf(txResult(1, hashOf(1))))
    chain.mine({ hash: hashOf(1) })
    await t.until(() => t.receipts().length === 1) // the later block was read: the old one is forgotten
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    await t.until(() => t.receipts().length === 2)
    expect(t.receiptOf(0)).toMatchObject({ tx_hash: hashOf(0), block_number: old.number, block_timestamp: old.timestamp, gas_used: 42_000 })
    expect(t.timeouts()).toEqual([])
  })
})

describe('ReceiptTracker: sent, settle, start, stop', () => {
  test('behavior: only txs the node took are tracked: a send that ended without one (failed, or a dry run\'s) is not', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 50 })
    t.tracker.sent({ ref: { idx: 0, line: 1 }, startMs: Date.now() })
    t.tracker.sent({ ref: { idx: 1, line: 2, kind: 'transfer' }, startMs: Date.now(), scheduledMs: Date.now() })
    expect(t.tracker.pendingCount).toBe(0)
    await sleep(150)
    expect(t.events).toEqual([])
  })

  test('behavior: settle resolves at once when nothing is pending, or when its signal is already aborted', async () => {
    const chain = new FakeChain()
    const t = await track(chain)
    await t.tracker.settle()
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    await t.tracker.settle(AbortSignal.abort())
    expect(t.tracker.pendingCount).toBe(1)
  })

  test('behavior: settle resolves once every tx has its receipt or its timeout', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 500 })
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    t.tracker.sent(sentOf(txResult(1, hashOf(1))))
    let settled = false
    const done = t.tracker.settle().then(() => (settled = true))
    chain.mine({ hash: hashOf(0) })
    await t.until(() => t.receipts().length === 1)
    await sleep(20)
    expect(settled, 'one tx still waits for its timeout').toBe(false)
    await done
    expect(t.receipts()).toHaveLength(1)
    expect(t.timeouts()).toHaveLength(1)
    expect(t.tracker.pendingCount).toBe(0)
  })

  test('behavior: settle resolves when its signal aborts, txs still pending', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 10_000 })
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 30)
    await t.tracker.settle(ac.signal)
    expect(t.tracker.pendingCount).toBe(1)
    expect(t.events).toEqual([])
  })

  test('behavior: start retries a failing block-number read; a node that cannot answer it is RPC_UNAVAILABLE', async () => {
    const blip = new FakeChain()
    blip.failCalls('eth_blockNumber', { times: 2 })
    const t = await track(blip)
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    blip.mine({ hash: hashOf(0) })
    await t.until(() => t.receipts().length === 1)

    const dead = new FakeChain()
    dead.failCalls('eth_blockNumber', { error: () => new RpcError(-32601, 'the method eth_blockNumber does not exist') })
    const tracker = new ReceiptTracker({ rpc: dead.rpc(), emit: () => {}, log, timeoutMs: 1_000, pollMs: 10 })
    await expect(tracker.start()).rejects.toMatchObject({ name: 'FatalError', code: 'RPC_UNAVAILABLE', message: expect.stringMatching(/cannot read the block number/) })
  })

  test('behavior: stop: txs still pending get tx_timeout run_stopped, pending saying whether the node holds them; later tx_results are ignored', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 10_000 })
    chain.toPool(hashOf(0))
    t.tracker.sent(sentOf(txResult(0, hashOf(0), { id: 'held' })))
    t.tracker.sent(sentOf(txResult(1, hashOf(1))))
    await t.tracker.stop()
    const ms = expect.any(Number) as unknown as number
    expect(t.timeouts().sort((a, b) => a.idx - b.idx)).toStrictEqual([
      { type: 'tx_timeout', idx: 0, line: 1, id: 'held', tx_hash: hashOf(0), pending: true, waited_ms: ms, reason: 'run_stopped' },
      { type: 'tx_timeout', idx: 1, line: 2, tx_hash: hashOf(1), pending: false, waited_ms: ms, reason: 'run_stopped' },
    ])
    t.tracker.sent(sentOf(txResult(2, hashOf(2))))
    expect(t.tracker.pendingCount).toBe(0)
    await t.tracker.settle()
    expect(t.events).toHaveLength(2)
  })

  test('behavior: stop reads the blocks already out once more: a tx mined there gets its receipt, even where look-ups fail', async () => {
    const chain = new FakeChain()
    // the reader sleeps between polls for longer than the test
    const t = await track(chain, { pollMs: 10_000, timeoutMs: 10_000 })
    await sleep(30) // its first poll is over
    chain.failCalls('eth_getTransactionByHash')
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    const b = chain.mine({ hash: hashOf(0) })
    await t.tracker.stop()
    expect(t.events).toHaveLength(1)
    expect(t.receiptOf(0)).toMatchObject({ block_number: b.number })
  })

  test('behavior: stop with a dead node: still one tx_timeout run_stopped per pending tx, with the look-up error', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 10_000 })
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    for (const m of ['eth_blockNumber', 'eth_getTransactionByHash']) chain.failCalls(m)
    await t.tracker.stop()
    expect(t.events).toStrictEqual([
      { type: 'tx_timeout', idx: 0, line: 1, tx_hash: hashOf(0), pending: false, waited_ms: expect.any(Number), reason: 'run_stopped', lookup_error: 'eth_getTransactionByHash: cannot reach fake (injected)' },
    ])
  })
})

describe('ReceiptTracker: the head', () => {
  test('behavior: followHeads ticks once per new block, from the polls that time inclusion (per-block pacing makes no eth_blockNumber calls of its own), and stops with its signal', async () => {
    const chain = new FakeChain()
    const rpc = chain.rpc({ batch: true })
    let headReads = 0
    const counted = { ...rpc, request: <T>(m: string, p?: readonly unknown[], o?: RequestOptions) => ((headReads += m === 'eth_blockNumber' ? 1 : 0), rpc.request<T>(m, p, o)) }
    // the reader polls rarely: the head reads are the head poller's
    const tracker = new ReceiptTracker({ rpc: counted, emit: () => {}, log, timeoutMs: 5_000, pollMs: 10_000, headPollMs: 10 })
    running.push(tracker)
    await tracker.start()
    await sleep(100)
    const alone = headReads
    let ticks = 0
    const pacing = new AbortController()
    tracker.followHeads(() => ticks++, pacing.signal)
    headReads = 0
    chain.mine()
    await sleep(50)
    chain.mine()
    await sleep(50)
    expect(ticks).toBe(2)
    expect(Math.abs(headReads - alone)).toBeLessThanOrEqual(3) // as many reads per 100 ms as before it followed
    pacing.abort()
    chain.mine()
    await sleep(50)
    expect(ticks).toBe(2)
  })
})

describe('ReceiptTracker: the receipts\' pace', () => {
  const many = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ hash: hashOf(from + i) }))

  test('behavior: a tx seen in a block is included at once: the block event\'s backlog leaves it out, it waits for its receipt past its deadline without timing out', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { source: 'tx', timeoutMs: 150, blockEvents: true })
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    t.tracker.sent(sentOf(txResult(1, hashOf(1))))
    const gate = chain.hold('eth_getTransactionReceipt')
    chain.mine({ hash: hashOf(0) })
    await gate.reached
    await t.until(() => t.events.some((e) => e.type === 'block'))
    expect(t.events.find((e) => e.type === 'block')).toMatchObject({ ours: 1, backlog: 1 })
    expect(t.tracker.pendingCount).toBe(2)
    await t.until(() => t.timeouts().length === 1, 2_000, 'the timeout of the tx never mined')
    gate.release()
    await t.until(() => t.receipts().length === 1)
    expect(t.timeouts().map((e) => e.idx)).toEqual([1])
    expect(t.receiptOf(0)).toMatchObject({ tx_hash: hashOf(0), status: 'success' })
    expect(t.tracker.pendingCount).toBe(0)
  })

  test('behavior: a tx whose receipt the node no longer has (a reorg took it out of its block) is pending again, and its receipt comes from the block it lands in next', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { source: 'tx' })
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    const gate = chain.hold('eth_getTransactionReceipt')
    chain.mine({ hash: hashOf(0) })
    await gate.reached
    chain.unmine(hashOf(0))
    gate.release()
    await sleep(50)
    expect(t.events).toEqual([])
    expect(t.tracker.pendingCount).toBe(1)
    const again = chain.mine({ hash: hashOf(1) }, { hash: hashOf(0) })
    await t.until(() => t.receipts().length === 1)
    expect(t.receiptOf(0)).toMatchObject({ tx_hash: hashOf(0), block_number: again.number, block_tx_count: 2 })
    await sleep(30)
    expect(t.events).toHaveLength(1)
  })

  test('behavior: while sends go on, a read takes one batch and the next waits; once they stop, the rest is read at full speed', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { source: 'tx', pace: { minDuty: 1e-6, fullAgeMs: 1e9, busyMs: 1_500 } })
    for (let i = 0; i < 350; i++) t.tracker.sent(sentOf(txResult(i, hashOf(i))))
    chain.mine(...many(350))
    await t.until(() => t.receipts().length >= 100)
    await sleep(50)
    expect(t.receipts()).toHaveLength(100) // one batch, then a pause (sends went on 0 ms ago)
    await t.until(() => t.receipts().length === 350, 5_000, 'the rest, once no tx_result came for busyMs')
    expect(t.timeouts()).toEqual([])
  })

  test.each([
    { how: 'on time: all read at full speed', lateMs: 0, read: 350 },
    { how: 'late: one batch, then a pause', lateMs: 500, read: 100 },
  ])('behavior: paced sends press on the node only once they start late ($how)', async ({ lateMs, read }) => {
    const chain = new FakeChain()
    const t = await track(chain, { source: 'tx', pace: { minDuty: 1e-6, fullAgeMs: 1e9, busyMs: 60_000 } })
    const now = Date.now()
    for (let i = 0; i < 350; i++) t.tracker.sent(sentOf(txResult(i, hashOf(i), { start_timestamp_ms: now, scheduled_timestamp_ms: now - lateMs })))
    chain.mine(...many(350))
    await t.until(() => t.receipts().length >= 100)
    await sleep(50)
    if (read === 350) await t.until(() => t.receipts().length === 350)
    expect(t.receipts()).toHaveLength(read)
  })

  test('behavior: with no sends going on, receipts are read at full speed from the start', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { source: 'tx', pace: { minDuty: 1e-6, busyMs: 0 } })
    for (let i = 0; i < 350; i++) t.tracker.sent(sentOf(txResult(i, hashOf(i))))
    chain.mine(...many(350))
    await t.until(() => t.receipts().length === 350)
  })

  test('behavior: stop reads the receipts still queued at full speed, one tx_receipt each', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { source: 'tx', pace: { minDuty: 1e-6, fullAgeMs: 1e9, busyMs: 60_000 } })
    for (let i = 0; i < 350; i++) t.tracker.sent(sentOf(txResult(i, hashOf(i))))
    chain.mine(...many(250))
    chain.mine(...many(100, 250))
    await t.until(() => t.receipts().length >= 100)
    await t.tracker.stop()
    expect(new Set(t.receipts().map((e) => e.idx)).size).toBe(350)
    expect(t.events).toHaveLength(350)
  })
})

describe('ReceiptTracker: track (a tx its sender waits for: funding, setup)', () => {
  const deployed = '0x00000000000000000000000000000000c0ffee01' as const

  test.each([
    { how: 'by block', source: 'block' as const },
    { how: 'by tx', source: 'tx' as const },
  ])('behavior: $how: resolves with the node\'s receipt (status, block, contractAddress) once read from its block; no event is written', async ({ source }) => {
    const chain = new FakeChain()
    const t = await track(chain, { source })
    const create = t.tracker.track(hashOf(0))
    const call = t.tracker.track(hashOf(1))
    await sleep(30)
    const b = chain.mine({ hash: hashOf(0), contractAddress: deployed, gasUsed: 500_000 }, { hash: hashOf(1), status: 'reverted' })
    const [r0, r1] = await Promise.all([create, call])
    expect(r0).toMatchObject({ transactionHash: hashOf(0), blockNumber: `0x${b.number.toString(16)}`, status: '0x1', gasUsed: '0x7a120', contractAddress: deployed })
    expect(r1).toMatchObject({ transactionHash: hashOf(1), status: '0x0', contractAddress: null })
    await sleep(30)
    expect(t.events).toEqual([])
    expect(t.tracker.pendingCount).toBe(0)
  })

  test('behavior: beside a spec\'s tx in the same block: the spec gets its tx_receipt, the waited-for tx only its receipt', async () => {
    const chain = new FakeChain()
    const t = await track(chain)
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    const waited = t.tracker.track(hashOf(1))
    chain.mine({ hash: hashOf(0) }, { hash: hashOf(1) })
    expect(await waited).toMatchObject({ transactionHash: hashOf(1) })
    await t.until(() => t.receipts().length === 1)
    expect(t.receipts().map((e) => e.tx_hash)).toEqual([hashOf(0)])
  })

  test('behavior: a tx asked for after its block was read, and a second wait for the same tx, both get the receipt', async () => {
    const chain = new FakeChain()
    const t = await track(chain)
    const first = t.tracker.track(hashOf(0))
    chain.mine({ hash: hashOf(0), contractAddress: deployed })
    expect(await first).toMatchObject({ contractAddress: deployed })
    // the block was read: matched against the recent blocks
    expect(await t.tracker.track(hashOf(0))).toMatchObject({ contractAddress: deployed })
    const a = t.tracker.track(hashOf(2))
    const b = t.tracker.track(hashOf(2))
    chain.mine({ hash: hashOf(2) })
    expect((await Promise.all([a, b])).map((r) => r?.transactionHash)).toEqual([hashOf(2), hashOf(2)])
  })

  test('behavior: null at its timeout when never mined (no tx_timeout written); a tx mined where the tracker did not look is found by the look-up', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 150, recentHashCap: 0 })
    chain.toPool(hashOf(0))
    const t0 = performance.now()
    const lost = t.tracker.track(hashOf(0))
    expect(await lost).toBeNull()
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140)
    // mined before it is asked for, in a block the tracker no longer remembers
    chain.mine({ hash: hashOf(1), contractAddress: deployed })
    chain.mine({ hash: hashOf(2) })
    await sleep(40)
    expect(await t.tracker.track(hashOf(1))).toMatchObject({ transactionHash: hashOf(1), contractAddress: deployed })
    expect(t.events).toEqual([])
  })

  test('behavior: null when the tracker stops (no look-up), when its signal aborts, and at once after stop or with an aborted signal', async () => {
    const chain = new FakeChain()
    const inner = chain.rpc()
    const lookups: string[] = []
    const rpc = { ...inner, request: <T,>(method: string, params?: readonly unknown[], o?: RequestOptions) => {
      if (method === 'eth_getTransactionByHash') lookups.push(String(params?.[0]))
      return inner.request<T>(method, params, o)
    } }
    const t = await track(chain, { rpc })
    chain.toPool(hashOf(0), hashOf(1))
    const cancel = new AbortController()
    const cancelled = t.tracker.track(hashOf(1), cancel.signal)
    await sleep(20)
    cancel.abort()
    expect(await cancelled).toBeNull()
    expect(await t.tracker.track(hashOf(3), cancel.signal)).toBeNull()
    const waiting = t.tracker.track(hashOf(0))
    let settled = false
    void waiting.then(() => (settled = true))
    await sleep(30)
    expect(settled).toBe(false)
    await t.tracker.stop()
    expect(await waiting).toBeNull()
    expect(await t.tracker.track(hashOf(4))).toBeNull()
    expect(lookups).toEqual([])
    expect(t.events).toEqual([])
  })
})

describe('ReceiptTracker: a spec whose nonce went to a filler', () => {
  const FILLER = (i: number) => hashOf(900 + i)

  test.each([
    { reason: 'never_included' as const, code: 'NEVER_INCLUDED' },
    { reason: 'replacement_refused' as const, refusal: 'INSUFFICIENT_FUNDS' as const, code: 'INSUFFICIENT_FUNDS' },
    { reason: 'replacement_refused' as const, code: 'REPLACEMENT_REFUSED' },
    { reason: 'not_resignable' as const, code: 'TX_DROPPED' },
    { reason: 'untracked' as const, code: 'TX_DROPPED' },
    { reason: 'refused' as const, code: 'TX_DROPPED' },
  ])('behavior: $reason $refusal: the spec ends in the block that holds its filler (long before its receipt timeout), one tx_timeout with the fill\'s reason, code $code and the filler\'s hash', async ({ reason, refusal, code }) => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 60_000 })
    t.tracker.sent(sentOf(txResult(0, hashOf(0), { id: 'filled' })))
    t.tracker.sent(sentOf(txResult(1, hashOf(1))))
    t.tracker.filled(hashOf(0), reason, FILLER(0), refusal)
    await sleep(40)
    expect(t.events, 'not before the filler is mined').toEqual([])
    chain.mine({ hash: FILLER(0) }, { hash: hashOf(1) })
    await t.until(() => t.events.length === 2)
    expect(t.timeouts()).toStrictEqual([
      { type: 'tx_timeout', idx: 0, line: 1, id: 'filled', tx_hash: hashOf(0), pending: false, waited_ms: expect.any(Number), reason, error_code: code, filler_tx_hash: FILLER(0) },
    ])
    expect(t.receiptOf(1)).toMatchObject({ tx_hash: hashOf(1) })
    expect(t.tracker.pendingCount).toBe(0)
    await t.tracker.settle() // nothing left to wait for
  })

  test('behavior: the filler loses the race (a block holds the spec\'s own tx first): the spec ends with its receipt, and the filler mined later ends nothing more', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 60_000 })
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    t.tracker.filled(hashOf(0), 'never_included', FILLER(0))
    chain.mine({ hash: hashOf(0) })
    await t.until(() => t.receipts().length === 1)
    chain.mine({ hash: FILLER(0) }) // a real node would refuse it (nonce used); whatever a block holds, the spec has ended
    await sleep(60)
    expect(t.events).toHaveLength(1)
    expect(t.timeouts()).toEqual([])
  })

  test('behavior: told after its own tx was seen in a block: nothing happens, its receipt ends it', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 60_000, pollMs: 600 })
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    chain.mine({ hash: hashOf(0) }, { hash: FILLER(0) })
    await t.until(() => t.receipts().length === 1, 3_000)
    t.tracker.filled(hashOf(0), 'replacement_refused', FILLER(0), 'INSUFFICIENT_FUNDS')
    await sleep(60)
    expect(t.events).toHaveLength(1)
  })

  test('behavior: a filler already in a block read before the tracker was told: the spec ends at once', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 60_000 })
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    chain.mine({ hash: FILLER(0) })
    await sleep(60) // the block was read: the filler was no tx of ours then
    t.tracker.filled(hashOf(0), 'not_resignable', FILLER(0))
    expect(t.timeouts()).toMatchObject([{ idx: 0, reason: 'not_resignable', error_code: 'TX_DROPPED', filler_tx_hash: FILLER(0) }])
  })

  test('behavior: a replaced spec, filled under its newest hash: the filler ends it', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 60_000 })
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    t.tracker.replaced(hashOf(0), hashOf(10))
    t.tracker.filled(hashOf(10), 'replacement_refused', FILLER(0), 'INSUFFICIENT_FUNDS')
    chain.mine({ hash: FILLER(0) })
    await t.until(() => t.timeouts().length === 1)
    expect(t.timeouts()[0]).toMatchObject({ idx: 0, tx_hash: hashOf(10), reason: 'replacement_refused', filler_tx_hash: FILLER(0) })
  })

  test('behavior: a filler never mined: at the deadline the look-up decides (the spec\'s tx mined after all → its receipt; else tx_timeout with the fill\'s reason); the run stopping likewise', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { timeoutMs: 200, recentHashCap: 0 })
    const old = chain.mine({ hash: hashOf(1) })
    chain.mine() // the tracker no longer remembers the block holding hashOf(1)
    await sleep(60)
    t.tracker.sent(sentOf(txResult(0, hashOf(0))))
    t.tracker.sent(sentOf(txResult(1, hashOf(1))))
    t.tracker.filled(hashOf(0), 'never_included', FILLER(0))
    t.tracker.filled(hashOf(1), 'never_included', FILLER(1))
    await t.until(() => t.events.length === 2)
    expect(t.receiptOf(1)).toMatchObject({ block_number: old.number })
    expect(t.timeouts()).toMatchObject([{ idx: 0, pending: false, reason: 'never_included', error_code: 'NEVER_INCLUDED', filler_tx_hash: FILLER(0) }])

    t.tracker.sent(sentOf(txResult(2, hashOf(2))))
    t.tracker.filled(hashOf(2), 'untracked', FILLER(2))
    await t.tracker.stop()
    expect(t.timeouts().at(-1)).toMatchObject({ idx: 2, reason: 'untracked', error_code: 'TX_DROPPED', filler_tx_hash: FILLER(2) })
    expect(t.events).toHaveLength(3)
  })
})

describe('poll periods', () => {
  test('behavior: head watcher a tenth of the block time within 25..100 ms; reader a quarter within 50..250 ms', () => {
    expect([undefined, 100, 500, 2_000].map(headPollMsFor)).toEqual([100, 25, 50, 100])
    expect([undefined, 100, 500, 2_000].map(pollMsFor)).toEqual([250, 50, 125, 250])
  })
})
