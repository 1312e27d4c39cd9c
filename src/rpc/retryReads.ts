/** Retrying idempotent reads through transient node failures, within a time window. */
import { sleep } from '../base/sleep.js'
import { isPermanentRpcError, RpcError, TransportError } from './rpc.js'


/**
 * Retries an idempotent read (chain id, fees) through transient failures — no answer,
 * HTTP 5xx/429, a garbled body, a server-side JSON-RPC error — until `windowMs` has
 * passed, with backoff; then throws the last error. Never for sends.
 */
export async function retryReads<T>(read: (timeoutMs: number) => Promise<T>, windowMs: number): Promise<T> {
  const deadline = performance.now() + windowMs
  for (let attempt = 0; ; attempt++) {
    const left = deadline - performance.now()
    try {
      return await read(Math.max(250, Math.round(left)))
    } catch (err) {
      const transient = err instanceof TransportError || (err instanceof RpcError && !isPermanentRpcError(err))
      const wait = Math.min(1_000, 100 * 2 ** attempt)
      if (!transient || performance.now() + wait >= deadline) throw err
      await sleep(wait)
    }
  }
}
