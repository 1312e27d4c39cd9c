/** The observer's cost in the report: the run's JSON-RPC calls per method and per 1,000 txs sent, from its summary; checked entry by entry (a log can be tampered with). */
import type { SummaryEvent } from '../events/types.js'
import { per1kTxs, SEND_METHOD } from '../metrics/rpcCost.js'

/** Methods shown at most; the rest are summed under "(other methods)". */
const MAX_METHODS = 40

export interface RpcCallRow {
  method: string
  calls: number
  /** Per 1,000 txs sent; absent when none was sent. */
  per1k?: number
}

export interface RpcCost {
  /** The calls but the sends: what watching the chain (and preparing the load) cost the node. */
  watch: number
  watchPer1k?: number
  /** Every call, the sends too. */
  total: number
  totalPer1k?: number
  httpRequests?: number
  /** Most calls first. */
  methods: RpcCallRow[]
}

const count = (x: unknown): number | undefined => (Number.isSafeInteger(x) && (x as number) >= 0 ? (x as number) : undefined)

/** The run's RPC cost from its summary's `rpc_calls` (entries that are not counts left out), or undefined when it has none. */
export function rpcCostOf(summary: Pick<SummaryEvent, 'rpc_calls' | 'rpc_http_requests' | 'sent'>): RpcCost | undefined {
  const x = summary.rpc_calls as unknown
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return undefined
  const sent = count(summary.sent) ?? 0
  const entries = Object.entries(x as Record<string, unknown>).flatMap(([method, n]) => (count(n) !== undefined ? [[method, n as number] as const] : []))
  if (entries.length === 0) return undefined
  entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  const shown = entries.slice(0, MAX_METHODS)
  const rest = entries.slice(MAX_METHODS).reduce((s, [, n]) => s + n, 0)
  if (entries.length > MAX_METHODS) shown.push(['(other methods)', rest])
  const row = (method: string, calls: number): RpcCallRow => {
    const per1k = per1kTxs(calls, sent)
    return { method, calls, ...(per1k !== undefined ? { per1k } : {}) }
  }
  const total = entries.reduce((s, [, n]) => s + n, 0)
  const watch = entries.reduce((s, [m, n]) => (m === SEND_METHOD ? s : s + n), 0)
  const [watchPer1k, totalPer1k] = [per1kTxs(watch, sent), per1kTxs(total, sent)]
  const http = count(summary.rpc_http_requests)
  return { watch, ...(watchPer1k !== undefined ? { watchPer1k } : {}), total, ...(totalPer1k !== undefined ? { totalPer1k } : {}), ...(http !== undefined ? { httpRequests: http } : {}), methods: shown.map(([m, n]) => row(m, n)) }
}
