/** The observer's cost: the run's JSON-RPC calls as summary fields, and per 1,000 txs sent. */
import type { SummaryEvent } from '../events/types.js'
import type { RpcCallCounts } from '../rpc/countingRpc.js'

/** The one method that is the load itself; every other call watches the chain (or prepares the load). */
export const SEND_METHOD = 'eth_sendRawTransaction'

/** `n` calls per 1,000 txs sent, to 2 decimals; undefined when none was sent. */
export const per1kTxs = (n: number, sent: number): number | undefined => (sent > 0 ? Math.round((n * 100_000) / sent) / 100 : undefined)

/** The calls of `calls` but the sends. */
export function watchCalls(calls: Record<string, number>): number {
  let n = 0
  for (const [method, k] of Object.entries(calls)) if (method !== SEND_METHOD) n += k
  return n
}

type RpcFields = Pick<SummaryEvent, 'rpc_calls' | 'rpc_http_requests' | 'watch_calls_per_1k_txs'>

/** The summary's `rpc_calls`, `rpc_http_requests` and `watch_calls_per_1k_txs` from the run's counts and its sent txs. */
export function rpcCostFields(counts: RpcCallCounts, sent: number): RpcFields {
  const perK = per1kTxs(watchCalls(counts.calls), sent)
  return { rpc_calls: counts.calls, rpc_http_requests: counts.httpRequests, ...(perK !== undefined ? { watch_calls_per_1k_txs: perK } : {}) }
}
