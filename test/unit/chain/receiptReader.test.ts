import { describe, expect, test } from 'vitest'
import { TrackerReads } from '../../../src/chain/trackerReads.js'
import { ReceiptReader, type ReceiptSource } from '../../../src/chain/receiptReader.js'
import { createLogger } from '../../../src/log.js'
import { RpcError, TransportError } from '../../../src/rpc/rpc.js'
import { keyOf } from '../../../src/base/key.js'
import { FakeChain, hashOf } from '../../helpers/fakeChain.js'

const log = createLogger({ level: 'silent' })
const key = (i: number) => keyOf(hashOf(i))

async function reader(chain: FakeChain, source: ReceiptSource, batch = true) {
  const r = new ReceiptReader(new TrackerReads(chain.rpc({ batch }), () => false), log)
  await r.choose(source)
  return r
}
const hashes = (n: number) => Array.from({ length: n }, (_, i) => key(i))
const idxOf = (receipts: Map<string, unknown>) => [...receipts.keys()].map((h) => hashes(300).map(String).indexOf(h)).sort((a, b) => a - b)

describe('ReceiptReader', () => {
  test('behavior: by block: the receipts of ours only, by lowercase hash', async () => {
    const chain = new FakeChain()
    const b = chain.mine({ hash: `0x${key(0).slice(2).toUpperCase()}` }, { hash: key(1) }, { hash: key(2) })
    const read = await (await reader(chain, 'block')).read(b.number, [key(0), key(2)])
    expect(read.failure).toBeUndefined()
    expect([...read.receipts.keys()].sort()).toEqual([key(0), key(2)])
  })

  test.each([true, false])('behavior: by tx (batches: %s): a read that fails partway returns what it got, with the failure', async (batch) => {
    const chain = new FakeChain()
    const b = chain.mine(...hashes(250).map((hash) => ({ hash })))
    if (batch) chain.failBatches((k) => k === 3)
    else chain.failCalls('eth_getTransactionReceipt', { after: 120, times: 1 })
    const r = await reader(chain, 'tx', batch)
    const first = await r.read(b.number, hashes(250))
    expect(first.failure).toBeInstanceOf(TransportError)
    // chunks of 100, two in flight; after a failure no new chunk starts. Batches: the third
    // is lost. One call at a time: calls alternate between the lanes, the 121st (the first
    // lane's 61st) fails, the other lane ends its chunk: 60 + 100
    expect(first.receipts.size).toBe(batch ? 200 : 160)
    const rest = hashes(250).filter((h) => !first.receipts.has(h))
    const second = await r.read(b.number, rest)
    expect(second.failure).toBeUndefined()
    expect(idxOf(new Map([...first.receipts, ...second.receipts]))).toEqual(hashes(250).map((_, i) => i))
  })

  test('behavior: one failing call in a batch: the rest of that batch is kept', async () => {
    const chain = new FakeChain()
    const b = chain.mine(...hashes(5).map((hash) => ({ hash })))
    chain.failCalls('eth_getTransactionReceipt', { after: 2, times: 1 })
    const read = await (await reader(chain, 'tx')).read(b.number, hashes(5))
    expect(read.failure).toBeInstanceOf(TransportError)
    expect(idxOf(read.receipts)).toEqual([0, 1, 3, 4])
  })

  test('behavior: a node without eth_getBlockReceipts: by tx from then on; a node that had it and then fails it: a failure', async () => {
    const missing = new FakeChain()
    missing.blockReceipts = false
    const b = missing.mine({ hash: key(0) })
    const fallback = await (await reader(missing, 'block')).read(b.number, [key(0)])
    expect(fallback.failure).toBeUndefined()
    expect(fallback.receipts.has(key(0))).toBe(true)

    const chain = new FakeChain()
    const b1 = chain.mine({ hash: key(0) })
    const b2 = chain.mine({ hash: key(1) })
    const r = await reader(chain, 'auto')
    expect((await r.read(b1.number, [key(0)])).failure).toBeUndefined()
    chain.blockReceipts = false
    const later = await r.read(b2.number, [key(1)])
    expect(later.failure).toBeInstanceOf(RpcError)
    expect(later.receipts.size).toBe(0)
  })

  test('behavior: by block, a block the node has no receipts for yet is a failure (retried), not an empty read', async () => {
    const chain = new FakeChain()
    const read = await (await reader(chain, 'block')).read(chain.head + 1, [key(0)])
    expect(String(read.failure)).toMatch(/no receipts for block 101 yet/)
  })

  test.each([
    { source: 'tx' as const, client: 'Geth/v1.14.0', byTx: true },
    { source: 'auto' as const, client: 'anvil/v1.2.0', byTx: true },
    { source: 'auto' as const, client: 'Geth/v1.14.0', byTx: false },
    { source: 'block' as const, client: 'anvil/v1.2.0', byTx: false },
  ])('behavior: $source on $client reads by tx: $byTx (a node whose eth_getBlockReceipts fails tells)', async ({ source, client, byTx }) => {
    const chain = new FakeChain()
    chain.clientVersion = client
    const b = chain.mine({ hash: key(0) })
    chain.failCalls('eth_getBlockReceipts')
    const read = await (await reader(chain, source)).read(b.number, [key(0)])
    expect(read.failure === undefined).toBe(byTx)
    expect(read.receipts.size).toBe(byTx ? 1 : 0)
  })
})
