import { sleep } from '../base/sleep.js'

/**
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
