/** New blocks for per-block pacing (`--tpb`, per-block stages) when no receipt tracker polls the head: a HeadPoller of its own. */
import { HeadPoller } from '../chain/headPoller.js'
import type { Rpc } from '../rpc/rpc.js'
import type { HeadSource } from './pacer.js'

/**
 * A HeadSource that polls `eth_blockNumber` every `periodMs` on its own (a tenth of the block
 * time, 25-100 ms) and calls `onHead` once per poll that found a higher block; the first answer
 * only sets the starting point. With receipts on, the tracker's `followHeads` gives the same
 * ticks from the polls it makes anyway: use that instead.
 */
export function pollHeads(rpc: Rpc, periodMs: number): HeadSource {
  return (onHead, stop) => {
    const poller = new HeadPoller(async () => Number(BigInt(await rpc.request<string>('eth_blockNumber'))), periodMs)
    poller.follow(onHead, stop)
    void poller.run(stop)
  }
}
