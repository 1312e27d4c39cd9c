/** A real connection to a node whose sends a test can watch or swallow. */
import { keccak256, type Hex } from 'viem'
import { createHttpRpc, type BatchCall, type BatchItem, type RequestOptions, type Rpc } from '../../src/rpc/rpc.js'

/**
 * A real connection to `url` whose sends the test can watch (`onAccepted` runs, awaited,
 * after the node accepted a tx and before the worker hears of it) and whose sends of given
 * raw txs it can swallow (answered with the hash, never forwarded: a node that keeps losing it).
 */
export function watched(url: string, o: { onAccepted?: (raw: Hex, hash: Hex) => Promise<void> | void; swallow?: Set<string>; timeoutMs?: number }): Rpc {
  const real = createHttpRpc(url, { timeoutMs: o.timeoutMs ?? 5_000 })
  const swallowed = (raw: unknown) => typeof raw === 'string' && o.swallow?.has(raw)
  return {
    displayUrl: real.displayUrl,
    async request<T>(method: string, params?: readonly unknown[], ro?: RequestOptions): Promise<T> {
      if (method === 'eth_sendRawTransaction' && swallowed(params![0])) return keccak256(params![0] as Hex) as T
      const r = await real.request<T>(method, params, ro)
      if (method === 'eth_sendRawTransaction') await o.onAccepted?.(params![0] as Hex, r as Hex)
      return r
    },
    async batch(calls: readonly BatchCall[], ro?: RequestOptions): Promise<BatchItem[]> {
      const lost = calls.map((c) => c.method === 'eth_sendRawTransaction' && swallowed(c.params![0]))
      const forwarded = calls.filter((_, i) => !lost[i])
      const answers = forwarded.length > 0 ? await real.batch!(forwarded, ro) : []
      let k = 0
      const items: BatchItem[] = calls.map((c, i) => (lost[i] ? { ok: true, result: keccak256(c.params![0] as Hex) } : answers[k++]!))
      for (let i = 0; i < calls.length; i++) {
        if (lost[i]) continue
        const item = items[i]!
        if (calls[i]!.method === 'eth_sendRawTransaction' && item.ok) await o.onAccepted?.(calls[i]!.params![0] as Hex, item.result as Hex)
      }
      return items
    },
    close: () => real.close!(),
  }
}
