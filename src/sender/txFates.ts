/** The fate port: what a signer's lane learns of its txs' fates, told in types to whoever follows the txs (the receipt tracker, the chain's load). */
import type { Hex, TransactionSerializable } from 'viem'
import type { ErrorCode } from '../base/errors.js'
import type { FillReason, TxResultEvent } from '../events/types.js'

export type { FillReason }

/** Which spec a tx came from, as its events name it. */
export type TxRef = Pick<TxResultEvent, 'idx' | 'line' | 'id' | 'kind' | 'stage'>

/** A spec's send that ended (its `tx_result` is written beside). */
export interface SendEnd {
  ref: TxRef
  /** Set when the node took the tx; not for a failed send, nor for a dry run's signed bytes. */
  hash?: Hex
  /** The tx's gas limit, with `hash` (the room a block must have for it). */
  gas?: bigint
  /** Wei the tx moves away from its signer (its value, when not 0 and not sent to the signer itself), with `hash`. */
  value?: bigint
  /** The tx as signed, with `hash` (what its block can tell of its outcome: `PlainTx`). */
  tx?: TransactionSerializable
  /** tx_result.start_timestamp_ms (wall clock). */
  startMs: number
  /** tx_result.scheduled_timestamp_ms (wall clock), in a paced run. */
  scheduledMs?: number
}

/**
 * One typed port from the sender units (workers, keepers, fillers) to the units that follow
 * txs to their end. Nobody learns a fate by reading the output events.
 */
export interface TxFates {
  /** A spec's send ended: the node took its tx (`hash`), or not. */
  sent(end: SendEnd): void
  /** The tx `oldHash` was re-signed as `hash` (either may be the one mined). */
  replaced(oldHash: Hex, hash: Hex): void
  /** `--max-fee` keeps the tx from the replacement it needs: if it is never mined, its spec ends FEE_CAP_REACHED. */
  capped(hash: Hex): void
  /**
   * The tx's nonce went to the filler `fillerHash` (`reason`; `refusal`: the node's verdict on the
   * refused replacement, with `replacement_refused`): once the filler is mined, the tx never will be.
   */
  filled(hash: Hex, reason: FillReason, fillerHash: Hex, refusal?: ErrorCode): void
}

/** The port for several followers: each hears every fate, in order (a follower alone on a fate is called directly: `sent` is once per tx). */
export function fatesTo(followers: readonly Partial<TxFates>[]): TxFates {
  return { sent: fanOut(followers, 'sent'), replaced: fanOut(followers, 'replaced'), capped: fanOut(followers, 'capped'), filled: fanOut(followers, 'filled') }
}

function fanOut<K extends keyof TxFates>(followers: readonly Partial<TxFates>[], fate: K): TxFates[K] {
  const to = followers.flatMap((f) => (f[fate] ? [(f[fate] as (...a: unknown[]) => void).bind(f)] : []))
  if (to.length === 1) return to[0] as TxFates[K]
  return ((...args: unknown[]) => {
    for (const f of to) f(...args)
  }) as TxFates[K]
}

/** Funding and setup follow their own txs (each caller waits for its receipt): their fates go nowhere. */
export const NO_FATES: TxFates = { sent: () => {}, replaced: () => {}, capped: () => {}, filled: () => {} }
