/** The retry state machine of one tx's send: after each answer, done, the same bytes again, a rebuild, or a nonce read. */
import type { Hex } from 'viem'
import { backoffMs } from '../base/backoff.js'
import { sleep } from '../base/sleep.js'
import type { FeeOracle } from '../chain/feeOracle.js'
import type { SendOutcome } from '../rpc/classifySendError.js'
import { outageMessage } from '../rpc/nodeHealth.js'
import { RpcError, TransportError } from '../rpc/rpc.js'
import { buildTx, pinsFee, type TxFields } from '../tx/buildTx.js'
import type { ChainReads, Seen } from './chainReads.js'
import type { NonceWindow } from './nonceWindow.js'
import { maxCost, type Purse } from './purse.js'
import { SendFailure, type SendProgress } from './txRequest.js'
import type { PostOutcome } from './txPost.js'

/** Rebuild-and-retry bounds for fee and nonce problems. */
const MAX_FEE_RETRIES = 3
const MAX_NONCE_RETRIES = 3
/** Top-ups after the node refused a tx for funds (it counts the account's money otherwise than the purse). */
const MAX_FUNDS_RETRIES = 2

/** What the send does next. */
export type NextStep = 'accepted' | 'resend' | 'rebuild' | 'resync'

/** What the retry rules of a signer's sends need (the lane's units; shared by its attempts). */
export interface RetryContext {
  reads: ChainReads
  fees: FeeOracle
  window: NonceWindow
  /** `--retries`: resends of the same signed bytes after a transport failure. */
  retries: number
  /** `--max-fee`: a fee refusal at a bid it holds down ends FEE_CAP_REACHED. */
  maxFee: bigint | undefined
  /** The signer's purse: a refusal for funds is topped up from the funder and tried again. */
  purse: Purse | undefined
}

/**
 * The retry state of one tx, made at its first answer other than "accepted" (the hot path
 * makes none). Throws SendFailure when the tx cannot be sent.
 */
export class SendAttempt {
  private feeRetries = 0
  private nonceRetries = 0
  private fundsRetries = 0
  private resends = 0
  /** Resends while the node answered nothing, within the outage budget (not counted against --retries). */
  private outageResends = 0
  /** When this tx's fate first became unknown (no definite answer, the node not asked yet). */
  private unknownSince: number | undefined
  /** When fresh fees and a resync first failed to cure an "underpriced" refusal (a full pool, see waitForRoom). */
  private fullSince: number | undefined
  private fullWaits = 0
  /** A send of this tx got no definite answer: it may be in the node. */
  private ambiguous = false

  constructor(private readonly lane: RetryContext) {}

  /** Every resend so far, of either kind (the backoff and the message count them all). */
  private get allResends(): number {
    return this.resends + this.outageResends
  }

  /** After the node's answer to a send of `fields` (signed as `p.hash`): what next. */
  async after(outcome: PostOutcome, fields: TxFields, progress: SendProgress): Promise<NextStep> {
    if (this.ambiguous && outcome.kind !== 'unknown' && outcome.kind !== 'accepted') {
      if (await this.knownAfterAmbiguous(progress.hash!, outcome.message)) return 'accepted'
      this.ambiguous = false
    }
    const { window, fees } = this.lane
    switch (outcome.kind) {
      case 'accepted':
        return 'accepted'
      case 'rejected': {
        const { purse } = this.lane
        if (outcome.code !== 'INSUFFICIENT_FUNDS' || !purse?.funded || this.fundsRetries >= MAX_FUNDS_RETRIES) throw new SendFailure(outcome.code, outcome.message)
        this.fundsRetries++
        await purse.topUp(maxCost(buildTx(fields, fees.current)))
        return 'rebuild'
      }
      case 'fees':
        if (this.feeRetries >= MAX_FEE_RETRIES && outcome.code === 'UNDERPRICED' && this.nonceRetries === 0) {
          // fresh fees did not cure it: another tx may hold this nonce at a higher price (ganache
          // words a refused replacement "transaction underpriced"): read the nonce again, once
          this.nonceRetries++
          window.forget()
          return 'resync'
        }
        if (this.feeRetries >= MAX_FEE_RETRIES && outcome.code === 'UNDERPRICED' && !pinsFee(fields) && !fees.pinned && (await this.waitForRoom())) return 'rebuild'
        if (pinsFee(fields, outcome.code) || fees.pinned || this.feeRetries >= MAX_FEE_RETRIES) throw this.feeFailure(fields, outcome)
        this.feeRetries++
        try {
          await fees.refreshNow()
        } catch (err) {
          // no fresh fees now: the next try is built with the last ones (and counted)
          if (!(err instanceof TransportError || err instanceof RpcError)) throw err
        }
        return 'rebuild'
      case 'nonce':
        window.forget()
        if (this.nonceRetries >= MAX_NONCE_RETRIES) throw new SendFailure(outcome.code, `${outcome.message} (after ${this.nonceRetries} nonce resyncs)`)
        this.nonceRetries++
        return 'resync'
      case 'unknown':
        this.ambiguous = true
        return (await this.resendUnknown(outcome, progress)) ? 'accepted' : 'resend'
    }
  }

  /**
   * "Underpriced" still, after fresh fees and a resync: a full pool. geth refuses a tx no
   * dearer than the cheapest in its full pool with a bare "transaction underpriced"
   * (legacypool.go: ErrUnderpriced, before "txpool is full"), and a run's txs all bid alike:
   * only room made by the next blocks cures it. As for a pool limit: fewer in flight, and the
   * tx again (at the fees then) after a wait, for up to --max-outage since the first such
   * answer. False once that is spent: the refusal stands.
   */
  private async waitForRoom(): Promise<boolean> {
    const { health, cancel } = this.lane.reads.ctx
    this.fullSince ??= performance.now()
    if (performance.now() - this.fullSince >= health.budgetMs) return false
    this.lane.window.shrink()
    await sleep(backoffMs(++this.fullWaits), cancel)
    return true
  }

  /**
   * A fee refusal that fresh fees did not cure. At a bid `--max-fee` holds down (the spec does
   * not pin its own), the chain needs more than the user allows: FEE_CAP_REACHED, as for a base
   * fee above it at send time; else the node's own reason.
   */
  private feeFailure(fields: TxFields, outcome: Extract<SendOutcome, { kind: 'fees' }>): SendFailure {
    const { maxFee, fees } = this.lane
    const f = fees.current
    const bid = f.type === 'eip1559' ? f.maxFeePerGas : f.gasPrice
    if (maxFee !== undefined && !pinsFee(fields) && bid >= maxFee) return new SendFailure('FEE_CAP_REACHED', `${outcome.message} (the bid is at --max-fee, ${maxFee} wei)`)
    return new SendFailure(outcome.code, outcome.message)
  }

  /**
   * After a send without a definite answer, a definite refusal of a later copy ("nonce too
   * low": the first copy may have been mined) does not mean the node lacks the tx. Only the
   * node saying so lets the sender fail or rebuild the tx; else it would land unreported,
   * under a failed spec or beside a rebuilt one (a nonce used twice over).
   */
  private async knownAfterAmbiguous(hash: Hex, why: string): Promise<boolean> {
    const seen = await this.lane.reads.probeUntilSure(hash)
    if (seen === 'known') return true
    if (seen === 'unreachable') {
      this.lane.window.forget()
      throw new SendFailure('RPC_UNAVAILABLE', `${why}; the node could not say whether it has the earlier copy of this tx`)
    }
    return false
  }

  /**
   * No definite answer: ask the node. Resend the same bytes while the node is down (up to the
   * outage budget), or the tx's fate is unknown (up to the same budget), or within --retries.
   * Resolves true when the node turns out to have the tx.
   */
  private async resendUnknown(outcome: Extract<SendOutcome, { kind: 'unknown' }>, progress: SendProgress): Promise<boolean> {
    const { reads, window } = this.lane
    const { health, cancel } = reads.ctx
    const seen: Seen = await reads.probe(progress.hash!)
    if (seen === 'known') return true
    if (seen === 'absent' && !outcome.resend) throw new SendFailure(outcome.code, outcome.message)
    if (health.dead) {
      // it may still land later: read the nonce from the node before the next send
      window.forget()
      throw new SendFailure('RPC_UNAVAILABLE', `${outcome.message}; ${outageMessage(health.budgetMs)}`)
    }
    // the fate of the tx decides, not a count alone: while the node has not said it lacks the
    // tx, giving up would leave a tx that may land under a failed spec, and a nonce unknown
    if (outcome.crowded) {
      // the node's per-account pool limit: fewer in flight, and this tx again once earlier ones are mined
      window.shrink()
      this.unknownSince ??= performance.now()
    } else if (seen === 'absent') this.unknownSince = undefined
    else this.unknownSince ??= performance.now()
    const unresolved = this.unknownSince !== undefined && performance.now() - this.unknownSince < health.budgetMs
    if (this.resends >= this.lane.retries && !health.down && !unresolved) {
      window.forget()
      throw new SendFailure(outcome.code, `${outcome.message} (after ${this.allResends} resends)`)
    }
    // while the node answers nothing (an outage: the probe failed too), within the outage budget
    // of this tx's unknown fate, resends do not count against --retries: else a send could give up
    // just as the node came back. Past that budget they count again (a node that answers others
    // but never this tx does not hold the send forever)
    if (seen === 'unreachable' && health.down && unresolved) this.outageResends++
    else this.resends++
    await sleep(outcome.retryAfterMs ?? backoffMs(this.allResends), cancel)
    return false
  }
}
