import { describe, expect, test } from 'vitest'
import { NodeHealth } from '../../../src/rpc/nodeHealth.js'
import { RpcError, TransportError } from '../../../src/rpc/rpc.js'
import { ChainReads } from '../../../src/sender/chainReads.js'
import { dropAnswer, FakeNode, refuse, reject } from '../../helpers/fakeNode.js'
import { SINK } from './harness.js'

/** Reads of a fake node with `retries` retries and an outage budget of `budgetMs`. */
function reads(node: FakeNode, o: { retries?: number; budgetMs?: number } = {}) {
  return new ChainReads({ rpc: node, health: new NodeHealth(o.budgetMs ?? 2_000), retries: o.retries ?? 1, cancel: new AbortController().signal })
}

/** The node, counting the requests it is asked. */
function counting(node: FakeNode) {
  let n = 0
  return { rpc: { displayUrl: node.displayUrl, request: <T>(m: string, p?: readonly unknown[]) => (n++, node.request<T>(m, p)) }, calls: () => n }
}

/**
 * A read is retried through transient failures within the outage budget, not only `retries`
 * times: the chaos matrix (5 % of requests faulted, other requests answered between them, so the
 * node never counts as down) ended a `run erc20` with exit 1 when one balance read of the
 * scenario's funding met four faults in a row: "[RPC_ERROR] injected internal error … refused
 * eth_getBalance".
 */
describe('ChainReads.read', () => {
  test('behavior: a server-side error answer (-32603) four times in a row: retried past --retries, within the outage budget', async () => {
    const node = new FakeNode()
    node.script('eth_getBalance', ...Array.from({ length: 4 }, () => reject('internal error', -32603)))
    expect(await reads(node).balanceOf(SINK)).toBe(node.balance(SINK))
  })

  test('behavior: transport failures of one read while the node answers others: retried past --retries, within the outage budget', async () => {
    const node = new FakeNode()
    node.script('eth_getTransactionCount', refuse(), dropAnswer('malformed'), refuse(), dropAnswer('http'))
    const r = reads(node)
    const health = r.ctx.health
    // another sender's read succeeds between each failure: the node is never "down"
    const other = setInterval(() => health.ok(), 5)
    try {
      expect(await r.nonceAt(SINK, 'pending')).toBe(0)
    } finally {
      clearInterval(other)
    }
  })

  test('behavior: past the outage budget the read throws the last failure', async () => {
    const node = new FakeNode()
    node.script('eth_getBalance', ...Array.from({ length: 100 }, () => reject('internal error', -32603)))
    const { rpc: counted, calls } = counting(node)
    const r = new ChainReads({ rpc: counted, health: new NodeHealth(300), retries: 1, cancel: new AbortController().signal })
    await expect(r.balanceOf(SINK)).rejects.toBeInstanceOf(RpcError)
    // more than 1 + --retries attempts (backoff from 50 ms: about five fit in 300 ms), and fewer than the script holds
    expect(calls()).toBeGreaterThan(2)
    expect(calls()).toBeLessThan(100)
  })

  test('behavior: another error answer (a revert of an estimate) is retried --retries times, not for the outage budget', async () => {
    const node = new FakeNode()
    node.script('eth_estimateGas', ...Array.from({ length: 100 }, () => reject('execution reverted', 3)))
    const { rpc: counted, calls } = counting(node)
    const r = new ChainReads({ rpc: counted, health: new NodeHealth(60_000), retries: 1, cancel: new AbortController().signal })
    await expect(r.read('eth_estimateGas', [{ to: SINK }])).rejects.toBeInstanceOf(RpcError)
    expect(calls()).toBe(2)
  })

  test('behavior: a permanent error (invalid params) throws at once, never retried', async () => {
    const node = new FakeNode()
    node.script('eth_getBalance', reject('invalid params', -32602))
    await expect(reads(node).balanceOf(SINK)).rejects.toBeInstanceOf(RpcError)
    expect(await reads(node).balanceOf(SINK)).toBe(node.balance(SINK)) // the script was used up by that one call
  })

  test('behavior: a node down past the budget: the read throws the transport failure', async () => {
    const node = new FakeNode()
    node.down()
    await expect(reads(node, { budgetMs: 200 }).nonceAt(SINK, 'latest')).rejects.toBeInstanceOf(TransportError)
  })
})
