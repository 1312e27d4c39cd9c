/** The one retry policy of idempotent reads (never sends): which failures are retried, for how long, and each request's timeout. */
import { backoffMs } from '../base/backoff.js'
import { sleep } from '../base/sleep.js'
import type { NodeHealth } from './nodeHealth.js'
import { isInternalRpcError, isPermanentRpcError, RpcError, TransportError, type RequestOptions } from './rpc.js'

/** Per-request timeout of the reads made once the run is stopping, so a dead node cannot hold the end up. */
export const STOPPING_TIMEOUT_MS = 3_000

/** A request of a read never waits less than this, even at the very end of a window. */
const MIN_WINDOW_REQUEST_MS = 250

/**
 * How long a read is retried:
 * - `once`: one request, no retry (a loop that asks again at its next period: the receipt tracker);
 * - `windowMs`: through transient failures until this long after the first request (start-up
 *   reads: chain id, first fees, first head); with `fit`, each request's timeout is what is left
 *   of the window (250 ms at least), so the read as a whole fits it (connect: the window is
 *   `--rpc-timeout`), else it is the connection's own;
 * - `retries`: through transient failures `retries` times at least (`--retries`), and on while
 *   they are the node's (it is down, or answers "internal error" while it answers other
 *   requests) for as long as `health`'s outage budget (a run's reads).
 */
export type ReadBudget = { once: true } | { windowMs: number; fit?: boolean } | { retries: number }

export interface ReadRetryOptions {
  /** Shared reachability of the node: told of every answer and failure; once it is dead, retrying ends. */
  health?: NodeHealth
  /** Aborted when the run is cancelled: retrying ends (a backoff is cut short). */
  cancel?: AbortSignal
  /**
   * The read is a spec's call (`eth_estimateGas`): an error answer is the call's own, thrown at
   * once, bar an internal error, which is retried `retries` times but never for the outage budget
   * (anvil answers an EVM failure, e.g. of a precompile, with one).
   */
  call?: boolean
  /** Called after each transport failure (a signer notes that the node may have lost its txs). */
  onTransport?: () => void
  /** True once the run is stopping: each request then gets STOPPING_TIMEOUT_MS at most. */
  stopping?: () => boolean
}

/**
 * Runs `read` (one request, given its options: a timeout or none) under the budget. A failure is
 * transient when it is a TransportError (no answer, HTTP 5xx/429, a garbled body) or an
 * RpcError other than a permanent one (method not found, invalid params); a 401/403, an answer over
 * MAX_ANSWER_BYTES and anything else is
 * thrown at once. Between attempts: `backoffMs` (100 ms doubling to 2 s, jittered). When the
 * budget is spent, the last failure is thrown.
 */
export async function readRetry<T>(read: (opts: RequestOptions) => Promise<T>, budget: ReadBudget, o: ReadRetryOptions = {}): Promise<T> {
  const deadline = 'windowMs' in budget ? performance.now() + budget.windowMs : Infinity
  let firstFailure: number | undefined
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await read(requestOptions(budget, deadline, o))
      o.health?.ok()
      return r
    } catch (err) {
      firstFailure ??= performance.now()
      if (!retryable(err, attempt, firstFailure, deadline, budget, o) || o.cancel?.aborted) throw err
      // a window's last wait ends at the window's end: one more request is made then
      await sleep(Math.min(backoffMs(attempt), deadline - performance.now()), o.cancel)
    }
  }
}

/** One request's options: what is left of a window it must fit; the short timeout once stopping; else none. */
function requestOptions(budget: ReadBudget, deadline: number, o: ReadRetryOptions): RequestOptions {
  const stopping = o.stopping?.() === true
  if (!('fit' in budget && budget.fit === true)) return stopping ? { timeoutMs: STOPPING_TIMEOUT_MS } : {}
  const left = Math.max(MIN_WINDOW_REQUEST_MS, Math.round(deadline - performance.now()))
  return { timeoutMs: stopping ? Math.min(left, STOPPING_TIMEOUT_MS) : left }
}

/** Is attempt `attempt`, which failed with `err`, worth another within the budget? (Tells `health` and `onTransport` first.) */
function retryable(err: unknown, attempt: number, firstFailure: number, deadline: number, budget: ReadBudget, o: ReadRetryOptions): boolean {
  if (err instanceof RpcError) {
    // an answer: the node is up. An error answer to a read is the server's trouble unless the
    // method or its params are wrong (or it is a call's own answer)
    o.health?.ok()
    const internal = isInternalRpcError(err)
    if (isPermanentRpcError(err) || (o.call === true && !internal)) return false
    if ('once' in budget) return false
    if ('windowMs' in budget) return performance.now() < deadline
    // past --retries: an internal error, as long as an outage (a count alone ended a run's
    // funding when four came in a row); any other, or a call's, no more
    if (attempt <= budget.retries) return true
    return !o.call && internal && o.health !== undefined && performance.now() - firstFailure <= o.health.budgetMs
  }
  // a 401/403: no retry brings the credentials; an answer over the size bound comes again; a
  // server that is not a JSON-RPC endpoint stays one
  if (!(err instanceof TransportError) || err.failure === 'unauthorized' || err.failure === 'too_large' || err.failure === 'not_rpc') return false
  o.health?.failed()
  o.onTransport?.()
  if (o.health?.dead === true || 'once' in budget) return false
  if ('windowMs' in budget) return performance.now() < deadline
  // past --retries: on while the node is down (no answer to anyone since a failure), until it is dead
  return attempt <= budget.retries || o.health?.down === true
}
