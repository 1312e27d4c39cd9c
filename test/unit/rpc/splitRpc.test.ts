import { describe, expect, test } from 'vitest'
import type { BatchCall, Rpc } from '../../../src/rpc/rpc.js'
import { createSplitRpc } from '../../../src/rpc/splitRpc.js'

/** An Rpc that answers every call with its own name and the method, and records what it got. */
function node(name: string, withBatch: boolean): Rpc & { got: string[] } {
  const got: string[] = []
  const rpc: Rpc & { got: string[] } = {
    displayUrl: name,
    got,
    request: async <T>(method: string) => {
      got.push(method)
      return `${name}:${method}` as T
    },
  }
  if (withBatch) rpc.batch = async (calls: readonly BatchCall[]) => calls.map((c) => (got.push(c.method), { ok: true as const, result: `${name}:${c.method}` }))
  return rpc
}

describe('createSplitRpc', () => {
  test('behavior: sends go to the send node, everything else to the read node; a mixed batch keeps its order', async () => {
    for (const withBatch of [true, false]) {
      const read = node('read', withBatch)
      const send = node('send', withBatch)
      const rpc = createSplitRpc(read, send)
      expect(await rpc.request('eth_sendRawTransaction', ['0x'])).toBe('send:eth_sendRawTransaction')
      expect(await rpc.request('eth_getTransactionCount', [])).toBe('read:eth_getTransactionCount')
      const calls = ['eth_sendRawTransaction', 'eth_blockNumber', 'eth_sendRawTransaction', 'eth_chainId'].map((method) => ({ method, params: [] }))
      expect((await rpc.batch!(calls)).map((i) => (i.ok ? i.result : 'error'))).toEqual(['send:eth_sendRawTransaction', 'read:eth_blockNumber', 'send:eth_sendRawTransaction', 'read:eth_chainId'])
      expect(send.got.every((m) => m === 'eth_sendRawTransaction')).toBe(true)
      expect(read.got.includes('eth_sendRawTransaction')).toBe(false)
    }
  })
})
