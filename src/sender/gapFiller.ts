/** Takes a signer's nonce that no spec can have with a zero-value transfer to itself, and reports it. */
import type { Hex } from 'viem'
import type { ErrorCode } from '../base/errors.js'
import type { FeeOracle } from '../chain/feeOracle.js'
import type { NonceGapFilledEvent } from '../events/types.js'
import type { EventSink } from '../events/eventSink.js'
import type { Logger } from '../log.js'
import { fillerFees } from './bump.js'
import type { Unmined } from './nonceLedger.js'
import type { NonceWindow } from './nonceWindow.js'
import type { FillReason, TxFates } from './txFates.js'
import type { TxPost } from './txPost.js'

const FILLER_GAS = 21_000n

export interface GapFillerOptions {
  /** The worker's index, for logs and events. */
  worker: number
  chainId: number
  fees: FeeOracle
  post: TxPost
  window: NonceWindow
  events: EventSink
  fates: TxFates
  log: Logger
}

/**
 * A filler takes a nonce whose spec cannot be sent (or has none), so that the signer's later
 * txs can be mined: `nonce_gap_filled` with the reason. Its bid is above any a lost copy had.
 */
export class GapFiller {
  /** The nonce whose filler the node refused last (logged once). */
  private refusedNonce: number | undefined

  constructor(private readonly opts: GapFillerOptions) {}

  /**
   * The input ended (or a blob or set-code tx must not wait) while gaps lay below accepted
   * txs: each is filled (reason `refused`). A filler the node does not take is tried again at
   * each check (the nonce is then `untracked`).
   */
  readonly fillGaps = async (): Promise<void> => {
    for (const n of this.opts.window.kept.takeGaps()) await this.fill(n, undefined, 'refused')
  }

  /**
   * Takes nonce `gap` (the kept tx `lost`'s, if any; `refusal`: the node's verdict on its refused
   * replacement); true once the node has the filler. The spec of `lost` is told (the fate port).
   */
  async fill(gap: number, lost: Unmined | undefined, reason: FillReason, refusal?: ErrorCode): Promise<boolean> {
    const { post, window, log, worker } = this.opts
    const from = post.address
    const fees = fillerFees(this.opts.fees.current)
    const { result, hash, raw } = await post.sendAt({ chainId: this.opts.chainId, nonce: gap, to: from, value: 0n, gas: FILLER_GAS }, fees)
    if (result !== 'ok') {
      if (this.refusedNonce !== gap) log.warn({ worker, signer: from, nonce: gap, result }, 'nonce gap: the filler was not accepted; trying again at each check')
      this.refusedNonce = gap
      return false
    }
    window.kept.filled(gap, hash, raw, FILLER_GAS * (fees.type === 'eip1559' ? fees.maxFeePerGas : fees.gasPrice))
    if (lost && lost.idx >= 0) this.opts.fates.filled(lost.hash, reason, hash, refusal)
    log.warn({ worker, signer: from, nonce: gap, tx_hash: hash, reason, ...(lost ? { lost_tx_hash: lost.hash, idx: lost.idx } : {}) }, 'nonce gap filled with a zero-value self-transfer')
    this.opts.events.emit(gapFilledEvent(worker, from, gap, hash, lost, reason))
    return true
  }
}

function gapFilledEvent(worker: number, signer: Hex, nonce: number, hash: Hex, lost: Unmined | undefined, reason: FillReason): Omit<NonceGapFilledEvent, 'version'> {
  const event: Omit<NonceGapFilledEvent, 'version'> = { type: 'nonce_gap_filled', worker, signer, nonce, tx_hash: hash, reason }
  if (lost && lost.idx >= 0) {
    event.lost_tx_hash = lost.hash
    event.idx = lost.idx
    if (lost.id !== undefined) event.id = lost.id
  }
  return event
}
