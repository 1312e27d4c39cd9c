/** `--send-rpc-url`: one Rpc whose eth_sendRawTransaction calls go to one node (a sequencer, a builder) and every other call to another. */
import type { BatchCall, BatchItem, RequestOptions, Rpc, RpcError, TransportError } from './rpc.js'

const SEND = 'eth_sendRawTransaction'

/**
 * Sends through `send`, reads (blocks, receipts, nonces, fees, everything else) through
 * `read`. A batch of sends goes to `send` as one batch; a mixed batch is split in two and its
 * answers put back in order.
 */
export function createSplitRpc(read: Rpc, send: Rpc): Rpc {
  const batchOf = (rpc: Rpc, calls: readonly BatchCall[], opts?: RequestOptions): Promise<BatchItem[]> =>
    rpc.batch
      ? rpc.batch(calls, opts)
      : Promise.all(
          calls.map((c) =>
            rpc.request(c.method, c.params, opts).then(
              (result): BatchItem => ({ ok: true, result }),
              (error: unknown): BatchItem => ({ ok: false, error: error as RpcError | TransportError }),
            ),
          ),
        )
  return {
    displayUrl: read.displayUrl,
    request: <T>(method: string, params?: readonly unknown[], opts?: RequestOptions) => (method === SEND ? send : read).request<T>(method, params, opts),
    async batch(calls, opts) {
      const sends = calls.filter((c) => c.method === SEND)
      if (sends.length === calls.length) return batchOf(send, calls, opts)
      if (sends.length === 0) return batchOf(read, calls, opts)
      const [s, r] = await Promise.all([batchOf(send, sends, opts), batchOf(read, calls.filter((c) => c.method !== SEND), opts)])
      let i = 0
      let j = 0
      return calls.map((c) => (c.method === SEND ? s[i++]! : r[j++]!))
    },
    async close() {
      await Promise.all([read.close?.(), send.close?.()])
    },
  }
}
