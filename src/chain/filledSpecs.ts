/** Specs whose nonce went to a filler: their fillers by hash, the code each ends with, and the `tx_timeout` that ends it. */
import type { Hex } from 'viem'
import type { ErrorCode } from '../base/errors.js'
import { keyOf, type Key } from '../base/key.js'
import type { EventBody } from '../events/types.js'
import type { FillReason } from '../sender/txFates.js'
import type { Fill, Pending } from './pendingTxs.js'

/**
 * The code a spec filled over ends with: `NEVER_INCLUDED` (the node held it, blocks had room, it
 * was never mined); with `replacement_refused` the node's verdict on the re-signed tx (e.g.
 * `INSUFFICIENT_FUNDS`; `REPLACEMENT_REFUSED` when none was told); else `TX_DROPPED` (the node
 * lost it and it could not be sent again).
 */
export function fillCode(reason: FillReason, refusal?: ErrorCode): ErrorCode {
  if (reason === 'never_included') return 'NEVER_INCLUDED'
  if (reason === 'replacement_refused') return refusal ?? 'REPLACEMENT_REFUSED'
  return 'TX_DROPPED'
}

/** The `tx_timeout` of a spec whose nonce went to a filler (`pending`: the node still has the spec's tx). */
export function filledTimeout(p: Pending & { fill: Fill }, pending: boolean, lookupError?: string): EventBody {
  return {
    type: 'tx_timeout',
    ...p.ref,
    tx_hash: p.hash,
    pending,
    waited_ms: Math.max(0, Date.now() - p.startMs),
    reason: p.fill.reason,
    error_code: p.fill.code,
    filler_tx_hash: p.fill.fillerHash,
    ...(lookupError !== undefined ? { lookup_error: lookupError } : {}),
  }
}

/**
 * The pending txs whose nonce went to a filler, by the filler's hash. A filler races the tx it
 * stands in for: whichever a block holds first decides. One entry per fill, dropped when its
 * filler is seen (the fills of a run are few).
 */
export class FilledSpecs {
  private readonly byFiller = new Map<Key, Pending>()

  get size(): number {
    return this.byFiller.size
  }

  /** `p`'s nonce went to the filler `fillerHash`. */
  add(p: Pending, reason: FillReason, fillerHash: Hex, refusal?: ErrorCode): void {
    const fill: Fill = { reason, fillerHash: keyOf(fillerHash), code: fillCode(reason, refusal) }
    p.fill = fill
    this.byFiller.set(fill.fillerHash, p)
  }

  /** The tx whose filler has this hash (removed), if any. */
  take(hash: Key): (Pending & { fill: Fill }) | undefined {
    const p = this.byFiller.get(hash)
    if (!p) return undefined
    this.byFiller.delete(hash)
    return p as Pending & { fill: Fill }
  }

  /** `p` ended another way (its own tx was mined): its filler is no longer looked for. */
  forget(p: Pending): void {
    if (p.fill) this.byFiller.delete(p.fill.fillerHash)
  }
}
