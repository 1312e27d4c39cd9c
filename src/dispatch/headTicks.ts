/** New blocks for per-block pacing (`--tpb`, per-block stages): eth_blockNumber polled on its own, a callback per new head. */
import { sleep } from '../base/sleep.js'
import type { Rpc } from '../rpc/rpc.js'
import type { HeadSource } from './pacer.js'

/**
 * Polls `eth_blockNumber` every `periodMs` (the receipt tracker's head period: a tenth of the
 * block time, 25-100 ms) and calls `onHead` once per poll that found a higher block. The
 * first answer only sets the starting point; a failed poll is retried at the next period.
 */
export function pollHeads(rpc: Rpc, periodMs: number): HeadSource {
  return (onHead, stop) => {
    void (async () => {
      let known: number | undefined
      while (!stop.aborted) {
        try {
          const head = Number(BigInt(await rpc.request<string>('eth_blockNumber')))
          if (known !== undefined && head > known && !stop.aborted) onHead()
          known = Math.max(known ?? head, head)
        } catch {
          // the receipt tracker and the workers report a failing node; ask again next period
        }
        await sleep(periodMs, stop)
      }
    })()
  }
}
