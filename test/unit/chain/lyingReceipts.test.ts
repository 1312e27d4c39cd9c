import { describe, expect, test } from 'vitest'
import { keyOf } from '../../../src/base/key.js'
import { ChainIdWatch } from '../../../src/chain/chainIdWatch.js'
import { ReceiptReader } from '../../../src/chain/receiptReader.js'
import { parseReceipt, type RpcReceipt } from '../../../src/chain/receipts.js'
import { TrackerReads } from '../../../src/chain/trackerReads.js'
import { createLogger } from '../../../src/log.js'
import { TransportError, type Rpc } from '../../../src/rpc/rpc.js'

/** Issue 23, a lying node: receipts of the wrong shape, and a chain id that changes mid-run (injected fakes; the e2e on anvil is test/e2e/lyingNode.test.ts). */
const log = createLogger({ level: 'silent' })
const H = (i: number) => keyOf(`0x${i.toString(16).padStart(64, '0')}`)
const good = (i: number): RpcReceipt => ({ transactionHash: H(i), blockNumber: '0x5', gasUsed: '0x5208', status: '0x1', effectiveGasPrice: '0x3b9aca00' })

/** An Rpc whose every answer `answer` gives. */
const rpcOf = (answer: (method: string) => unknown): Rpc => ({ displayUrl: 'lying-node', request: async <T>(m: string) => answer(m) as T })

describe('receipts of the wrong shape', () => {
  test.each([
    ['blockNumber null', { blockNumber: null }],
    ['gasUsed a number', { gasUsed: 21000 }],
    ['status "banana"', { status: 'banana' }],
    ['effectiveGasPrice an object', { effectiveGasPrice: {} }],
  ])('error: parseReceipt of a receipt with %s throws a classified TransportError, never a TypeError or SyntaxError', (_what, bad) => {
    const err = (() => {
      try {
        parseReceipt({ ...good(1), ...bad } as unknown as RpcReceipt)
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(TransportError)
    expect(err).toMatchObject({ failure: 'malformed', code: 'RPC_UNAVAILABLE' })
  })

  test('behavior: a block read holding a bad receipt of ours fails that read (the good ones before it are kept), so it is retried', async () => {
    const reader = new ReceiptReader(new TrackerReads(rpcOf(() => [good(1), { ...good(2), blockNumber: null }, good(3)]), () => false), log)
    await reader.choose('block')
    const read = await reader.read(5, [H(1), H(2), H(3)])
    expect(read.failure).toBeInstanceOf(TransportError)
    expect([...read.receipts.keys()]).toEqual([H(1)])
  })

  test('behavior: a bad receipt of a tx not ours in the block does not fail the read', async () => {
    const reader = new ReceiptReader(new TrackerReads(rpcOf(() => [good(1), { ...good(9), gasUsed: null }]), () => false), log)
    await reader.choose('block')
    const read = await reader.read(5, [H(1)])
    expect(read.failure).toBeUndefined()
    expect(read.receipts.size).toBe(1)
  })

  test('behavior: by tx, one call at a time: a bad receipt fails the read', async () => {
    const reader = new ReceiptReader(new TrackerReads(rpcOf(() => ({ ...good(1), blockNumber: null })), () => false), log)
    await reader.choose('tx')
    expect((await reader.read(5, [H(1)])).failure).toBeInstanceOf(TransportError)
  })
})

describe('ChainIdWatch', () => {
  test('behavior: the chain id is read every everyMs; another id calls onChange once, and the watch ends (a short everyMs: the default is 30 s)', async () => {
    let id = '0x7a69'
    let reads = 0
    const changes: number[] = []
    const watch = new ChainIdWatch({ rpc: rpcOf(() => (reads++, id)), chainId: 31337, everyMs: 20, timeoutMs: 100, onChange: (n) => changes.push(n) })
    const end = new AbortController()
    const done = watch.run(end.signal)
    await new Promise((r) => setTimeout(r, 120))
    expect(reads).toBeGreaterThanOrEqual(2)
    expect(changes).toEqual([])
    id = '0x7a6a'
    await done
    expect(changes).toEqual([31338])
    end.abort()
  })

  test('behavior: a poke (the connection came back after an outage) reads at once, not after everyMs; no answer or garbage is skipped', async () => {
    let answer: () => unknown = () => {
      throw new TransportError('network', 'down')
    }
    const changes: number[] = []
    const watch = new ChainIdWatch({ rpc: rpcOf(() => answer()), chainId: 1, everyMs: 60_000, timeoutMs: 100, onChange: (n) => changes.push(n) })
    const end = new AbortController()
    const done = watch.run(end.signal)
    watch.poke()
    await new Promise((r) => setTimeout(r, 20))
    expect(changes).toEqual([])
    answer = () => '0x5'
    const t0 = performance.now()
    watch.poke()
    await done
    expect(changes).toEqual([5])
    expect(performance.now() - t0).toBeLessThan(1_000)
  })

  test('behavior: ending the run ends the watch at once', async () => {
    const watch = new ChainIdWatch({ rpc: rpcOf(() => '0x1'), chainId: 1, everyMs: 60_000, timeoutMs: 100, onChange: () => {} })
    const end = new AbortController()
    const done = watch.run(end.signal)
    end.abort()
    await done
  })
})
