/** Waiting for a tx sent while a devnet starts (geth's dev account paying the funder) to be mined. */

/** geth's answer to eth_getTransactionReceipt while its tx indexer has not caught up (the first moments of a fresh node): not yet, not a failure. */
const INDEXING = /transaction indexing is in progress/i

/** One JSON-RPC call (nodeProcess.jsonRpc bound to the node): its result, or it throws the node's error. */
export type NodeCall = (method: string, params: unknown[]) => Promise<unknown>

/**
 * Polls eth_getTransactionReceipt for `hash` every `pollMs` until there is one (resolves true),
 * or until `timeoutMs` have passed (false). An answer "transaction indexing is in progress" is
 * asked again; any other error is thrown.
 */
export async function untilReceipt(call: NodeCall, hash: string, timeoutMs: number, pollMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if (await call('eth_getTransactionReceipt', [hash])) return true
    } catch (err) {
      if (!INDEXING.test(err instanceof Error ? err.message : String(err))) throw err
    }
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, pollMs))
  }
}
