/** Counting every JSON-RPC call floodgate makes to the node, per method, and the HTTP requests that carried them. */
import type { BatchCall, BatchItem, RequestOptions, Rpc } from './rpc.js'

/** What a run asked its node(s) so far: calls per method (a batch's calls each under its own), and HTTP requests. */
export interface RpcCallCounts {
  calls: Record<string, number>
  httpRequests: number
}

/** The run's tally, shared by every counted Rpc of the run; a Map increment per call. */
export class RpcCallTally {
  private readonly calls = new Map<string, number>()
  private http = 0

  /** One HTTP request, carrying `method` (a single call). */
  request(method: string): void {
    this.http++
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1)
  }

  /** One HTTP request, carrying a batch of `calls`. */
  batch(calls: readonly BatchCall[]): void {
    this.http++
    for (const c of calls) this.calls.set(c.method, (this.calls.get(c.method) ?? 0) + 1)
  }

  /** The counts now, methods by name. */
  counts(): RpcCallCounts {
    const calls: Record<string, number> = {}
    for (const m of [...this.calls.keys()].sort()) calls[m] = this.calls.get(m)!
    return { calls, httpRequests: this.http }
  }
}

/**
 * `inner` with each call counted into `tally` as it is made (answered or not). Wrap the Rpc that
 * speaks HTTP to one node, below any batching or read/send split, so each call is counted once
 * and each `request` or `batch` is one HTTP request. An empty batch sends nothing.
 */
export function countingRpc(inner: Rpc, tally: RpcCallTally): Rpc {
  return {
    displayUrl: inner.displayUrl,
    request: <T>(method: string, params?: readonly unknown[], opts?: RequestOptions): Promise<T> => {
      tally.request(method)
      return inner.request<T>(method, params, opts)
    },
    ...(inner.batch
      ? {
          batch: (calls: readonly BatchCall[], opts?: RequestOptions): Promise<BatchItem[]> => {
            if (calls.length > 0) tally.batch(calls)
            return inner.batch!(calls, opts)
          },
        }
      : {}),
    ...(inner.close ? { close: () => inner.close!() } : {}),
  }
}
