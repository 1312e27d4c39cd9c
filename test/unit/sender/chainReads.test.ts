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

/**
 * Estimates go through the same reads as every other read (the workers' per-spec estimates used
 * the bare connection, so one lost answer failed every spec waiting on it), but an error answer
 * other than an internal error is the call's own and ends the estimate at once.
 */
describe('ChainReads.estimateGas', () => {
  /** A node whose eth_estimateGas answers, in turn, each of `steps` (an error thrown, a result returned). */
  function scripted(steps: (Error | string)[]) {
    let calls = 0
    const rpc = {
      displayUrl: 'scripted',
      async request<T>(method: string): Promise<T> {
        if (method !== 'eth_estimateGas') throw new Error(`unexpected ${method}`)
        const step = steps[Math.min(calls++, steps.length - 1)]!
        if (step instanceof Error) throw step
        return step as T
      },
    }
    return { reads: new ChainReads({ rpc, health: new NodeHealth(60_000), retries: 2, cancel: new AbortController().signal }), calls: () => calls }
  }

  test('behavior: a lost answer and an internal error are retried: the estimate comes', async () => {
    const { reads, calls } = scripted([new TransportError('network', 'closed'), new RpcError(-32603, 'internal error'), '0x5208'])
    expect(await reads.estimateGas({ to: SINK })).toBe(21_000n)
    expect(calls()).toBe(3)
  })

  test('behavior: internal errors only --retries times, not for the outage budget (anvil answers an EVM failure with one)', async () => {
    const err = new RpcError(-32603, 'EVM error PrecompileError')
    const { reads, calls } = scripted([err])
    await expect(reads.estimateGas({ to: SINK })).rejects.toBe(err)
    expect(calls()).toBe(3)
  })

  test('behavior: a revert is the call\'s answer: thrown at once, after one request', async () => {
    for (const err of [new RpcError(3, 'execution reverted'), new RpcError(-32000, 'execution reverted'), new RpcError(-32000, 'insufficient funds for gas * price + value')]) {
      const { reads, calls } = scripted([err, '0x5208'])
      await expect(reads.estimateGas({ to: SINK })).rejects.toBe(err)
      expect(calls()).toBe(1)
    }
  })
})
