/** The set-code wait's poll of a signer's mined nonce (a tx's receipt is waited for through a receipt tracker instead). */
import { sleep } from '../base/sleep.js'

/**
 * Not a second way to wait for a tx: the one way is the receipt tracker (`ReceiptTracker.track`,
 * what a SendSession's `receipt` and funding use). Its one user is the set-code wait in
 * `NonceWindow` (`awaitSetCodeMined`), which waits for a nonce, not a tx (every tx below it
 * mined), from inside a signer's lane, where no tracker is reachable: the lane knows only the
 * fate port (`TxFates`), and the run's tracker is built beside the workers, not in them.
 *
 * Polls an account's mined nonce (`readLatest`: its `eth_getTransactionCount(…, 'latest')`)
 * until it reaches `target`, `timeoutMs` passes or `signal` aborts. Resolves with the last
 * count read: `target` or more, or less when it gave up (the caller decides what that means).
 */
export async function untilMined(
  readLatest: () => Promise<number>,
  target: number,
  opts: { timeoutMs: number; pollMs: number; signal?: AbortSignal | undefined },
): Promise<number> {
  const deadline = performance.now() + opts.timeoutMs
  for (;;) {
    const mined = await readLatest()
    if (mined >= target || opts.signal?.aborted || performance.now() >= deadline) return mined
    await sleep(opts.pollMs, opts.signal)
  }
}
