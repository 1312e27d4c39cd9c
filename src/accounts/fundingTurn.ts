/** Shards that share one funder key take turns: shard i tops up its pool once the pools of shards 0 … i-1 are funded. */
import type { Address } from 'viem'
import { sleep } from '../base/sleep.js'
import type { Logger } from '../log.js'
import type { ChainReads } from '../sender/chainReads.js'

export interface TurnOptions {
  reads: ChainReads
  /** The accounts of each earlier shard (shards 0 … i-1), derived from the seed every shard shares. */
  earlier: readonly (readonly Address[])[]
  minBalance: bigint
  log: Logger
  /** Past this the shard funds anyway (an earlier shard may have failed or been given --skip-funding). */
  timeoutMs?: number
  pollMs?: number
  cancel: AbortSignal
}

/**
 * Resolves once every account of every earlier shard is funded: it holds at least
 * `minBalance`, or it has sent a tx already (its shard funded it and started sending, which
 * spends below the minimum at once). So the funder's txs of shard i never race those of an
 * earlier shard for a nonce; what still could (a timeout, a pool refunded mid-run) is caught
 * by the sender units, which resync the funder's nonce on "nonce too low" and retry. Returns
 * whether the turn came before the timeout.
 */
export async function waitFundingTurn(o: TurnOptions): Promise<boolean> {
  const deadline = performance.now() + (o.timeoutMs ?? 120_000)
  let waiting = o.earlier.flat()
  let logged = false
  for (;;) {
    const done = await Promise.all(waiting.map(async (a) => (await o.reads.balanceOf(a)) >= o.minBalance || (await o.reads.nonceAt(a, 'latest')) > 0))
    waiting = waiting.filter((_, k) => !done[k])
    if (waiting.length === 0) return true
    if (o.cancel.aborted) return false
    if (performance.now() > deadline) {
      o.log.warn({ unfunded: waiting.length }, 'the earlier shards did not fund their pools in time: funding anyway (a collision on the funder nonce is resynced)')
      return false
    }
    if (!logged) o.log.info({ accounts: waiting.length }, 'waiting for the earlier shards to fund their pools (one funder, one at a time)')
    logged = true
    await sleep(o.pollMs ?? 250, o.cancel)
  }
}
