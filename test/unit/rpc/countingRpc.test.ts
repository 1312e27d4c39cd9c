import { describe, expect, test } from 'vitest'
import { createBatchingRpc } from '../../../src/rpc/batchingRpc.js'
import { countingRpc, RpcCallTally } from '../../../src/rpc/countingRpc.js'
import { TransportError, type BatchCall, type Rpc } from '../../../src/rpc/rpc.js'
import { createSplitRpc } from '../../../src/rpc/splitRpc.js'
import { rpcCostFields } from '../../../src/metrics/rpcCost.js'

/** A fake node: answers every call with its method's name; records what reached it, per HTTP request. */
function fakeNode(o: { batch?: boolean; fail?: boolean } = {}) {
  const requests: string[][] = []
  const rpc: Rpc = {
    displayUrl: 'http://fake',
    request: async <T>(method: string) => {
      requests.push([method])
      if (o.fail) throw new TransportError('network', 'down')
      return method as T
    },
    ...(o.batch === false
      ? {}
      : {
          batch: async (calls: readonly BatchCall[]) => {
            if (calls.length === 0) return [] // as the HTTP client: nothing to send
            requests.push(calls.map((c) => c.method))
            return calls.map((c) => ({ ok: true as const, result: c.method }))
          },
        }),
  }
  return { rpc, requests }
}

/** What the fake node saw, counted as the tally should have: calls per method, and HTTP requests. */
const seen = (requests: string[][]) => {
  const calls: Record<string, number> = {}
  for (const m of requests.flat().sort()) calls[m] = (calls[m] ?? 0) + 1
  return { calls, httpRequests: requests.length }
}

describe('countingRpc', () => {
  test('behavior: a request is one call and one HTTP request; a batch one HTTP request and each of its calls under its method', async () => {
    const node = fakeNode()
    const tally = new RpcCallTally()
    const rpc = countingRpc(node.rpc, tally)
    await rpc.request('eth_chainId')
    await rpc.batch!([{ method: 'eth_sendRawTransaction', params: ['0x01'] }, { method: 'eth_sendRawTransaction', params: ['0x02'] }, { method: 'eth_getTransactionReceipt' }])
    await rpc.batch!([]) // nothing is sent
    expect(tally.counts()).toEqual({ calls: { eth_chainId: 1, eth_getTransactionReceipt: 1, eth_sendRawTransaction: 2 }, httpRequests: 2 })
    expect(tally.counts()).toEqual(seen(node.requests))
    expect(Object.keys(tally.counts().calls)).toEqual(['eth_chainId', 'eth_getTransactionReceipt', 'eth_sendRawTransaction'])
  })

  test('behavior: a call that fails counts too (the node may have done the work)', async () => {
    const tally = new RpcCallTally()
    const rpc = countingRpc(fakeNode({ fail: true }).rpc, tally)
    await expect(rpc.request('eth_blockNumber')).rejects.toThrow(TransportError)
    expect(tally.counts()).toEqual({ calls: { eth_blockNumber: 1 }, httpRequests: 1 })
  })

  test('behavior: an Rpc without batch stays without: the layers above send its calls one by one, each counted', async () => {
    const node = fakeNode({ batch: false })
    const tally = new RpcCallTally()
    const counted = countingRpc(node.rpc, tally)
    expect(counted.batch).toBeUndefined()
    const split = createSplitRpc(counted, counted)
    await split.batch!([{ method: 'eth_getBlockByNumber' }, { method: 'eth_getBlockByNumber' }])
    expect(tally.counts()).toEqual({ calls: { eth_getBlockByNumber: 2 }, httpRequests: 2 })
  })

  test('behavior: under batching and a read/send split, every call the nodes saw is counted once', async () => {
    const reads = fakeNode()
    const sends = fakeNode()
    const tally = new RpcCallTally()
    const rpc = createBatchingRpc(createSplitRpc(countingRpc(reads.rpc, tally), countingRpc(sends.rpc, tally)), { maxSize: 4, waitMs: 0 })
    const raw = (i: number) => rpc.request('eth_sendRawTransaction', [`0x0${i}`])
    await Promise.all([raw(1), raw(2), raw(3), raw(4), raw(5), rpc.request('eth_getTransactionCount', ['0xabc', 'pending'])])
    await rpc.batch!([{ method: 'eth_sendRawTransaction' }, { method: 'eth_getTransactionReceipt' }, { method: 'eth_getTransactionReceipt' }])
    expect(tally.counts()).toEqual(seen([...reads.requests, ...sends.requests]))
    expect(tally.counts().calls).toEqual({ eth_getTransactionCount: 1, eth_getTransactionReceipt: 2, eth_sendRawTransaction: 6 })
    // 5 sends: a batch of 4 and one alone; the count read; the mixed batch split in two
    expect(tally.counts().httpRequests).toBe(5)
  })
})

describe('rpcCostFields', () => {
  test('behavior: every call but the sends, per 1,000 txs sent, to 2 decimals', () => {
    const f = rpcCostFields({ calls: { eth_sendRawTransaction: 310, eth_getBlockByNumber: 40, eth_getTransactionReceipt: 300 }, httpRequests: 90 }, 300)
    expect(f).toEqual({ rpc_calls: { eth_sendRawTransaction: 310, eth_getBlockByNumber: 40, eth_getTransactionReceipt: 300 }, rpc_http_requests: 90, watch_calls_per_1k_txs: 1133.33 })
  })

  test('behavior: nothing sent: no per-1,000 figure', () => {
    expect(rpcCostFields({ calls: { eth_chainId: 1 }, httpRequests: 1 }, 0)).toEqual({ rpc_calls: { eth_chainId: 1 }, rpc_http_requests: 1 })
  })
})
