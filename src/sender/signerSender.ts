/** One signer's sends: a built tx → an outcome (sign, send, classify, probe after an ambiguous answer, resync, fee refresh), and re-signing a kept tx. */
import type { Address, Hex, TransactionSerializable } from 'viem'
import type { ErrorCode } from '../base/errors.js'
import { baseFeeAfter, type FeeOracle } from '../chain/feeOracle.js'
import { buildTx, pinsFee, type TxFields } from '../tx/buildTx.js'
import type { FeeSnapshot } from '../tx/fees.js'
import type { Signer } from '../tx/signer.js'
import { bumpedBid, replacementBid, snapshotWith, type Bid } from './bump.js'
import type { ChainReads } from './chainReads.js'
import type { Unmined } from './nonceLedger.js'
import type { NonceWindow, WaitMends } from './nonceWindow.js'
import { maxCost, type Purse } from './purse.js'
import { SendAttempt, type RetryContext } from './sendAttempt.js'
import { ACCEPTED, type PostOutcome, type TxPost } from './txPost.js'
import { SendFailure, type SendProgress, type TxRequest } from './txRequest.js'

/** What a replacement came to (see `SignerSender.replace`). */
export type ReplaceResult =
  | { kind: 'replaced'; oldHash: Hex; hash: Hex; bid: Bid }
  /** `--max-fee` cannot pay for the bump (or the base fee is above it). */
  | { kind: 'capped' }
  /** Not re-signable at other fees: the spec pins its fee, a blob tx, or a filler. */
  | { kind: 'fixed' }
  /** The node says the nonce is used: the tx (or its last replacement) was mined meanwhile. */
  | { kind: 'mined' }
  /** The node wants more (replacement underpriced, fee too low): again at the next check. */
  | { kind: 'underpriced'; message: string }
  /** A definite refusal: the spec cannot be sent any more (e.g. insufficient funds). */
  | { kind: 'refused'; code: ErrorCode; message: string }
  /** The account cannot pay the bump yet; the funder topped it up meanwhile: again at the next check. */
  | { kind: 'short' }
  /** No definite answer (the node unreachable, busy, or its pool full for us): again at the next check. */
  | { kind: 'unreachable' }

export interface SignerSenderOptions {
  signer: Signer
  fees: FeeOracle
  reads: ChainReads
  window: NonceWindow
  post: TxPost
  /** Fills the window's gaps (the lane's filler): before a tx that must not wait behind one. */
  fillGaps: () => Promise<void>
  /** Resends of the same signed bytes after a transport failure. */
  retries: number
  /** Build and sign only. */
  dryRun: boolean
  /** `--max-fee`: no bid above it, first or replacement. */
  maxFee: bigint | undefined
  /** What the signer can still spend: no tx, first or replacement, may cost more (none: not tracked, a dry run or gap checks off). */
  purse: Purse | undefined
}

/** Blocks of full-block base-fee growth a bid lowered to what the account can pay still allows for. */
const LEAST_HEADROOM_BLOCKS = 2

/**
 * Sends one signer's txs with the nonces its window hands out: several may be in flight at
 * once, each holding its nonce until the node has the tx or refused it. Every sender of a tx
 * (workers, funding, scenario setup) goes through here, and every replacement of a kept tx,
 * so each gets the same fault handling: after a send without a definite answer the node is
 * asked before the nonce is reused or the tx reported lost.
 */
export class SignerSender {
  private readonly retry: RetryContext
  /** What the window may ask while a send waits: gaps filled, lost txs sent again. */
  private readonly mends: WaitMends

  constructor(private readonly opts: SignerSenderOptions) {
    this.retry = { reads: opts.reads, fees: opts.fees, window: opts.window, retries: opts.retries, maxFee: opts.maxFee, purse: opts.purse }
    this.mends = { fillGaps: opts.fillGaps, resendKept: (from, to) => this.resendKept(from, to) }
  }

  get address(): Address {
    return this.opts.signer.address
  }

  /** The key that signs (a blob's or an authorization's signature needs it). */
  get signer(): Signer {
    return this.opts.signer
  }

  /** The fees a tx is built with now. */
  get fees(): FeeSnapshot {
    return this.opts.fees.current
  }

  /** The nonce the next send would take, once the sends before it were answered (`step` 2: a self-authorizing set-code tx). */
  nextNonce(step = 1): Promise<number> {
    return this.opts.window.nextNonce(step, this.mends)
  }

  /**
   * Builds, signs and sends `req` until the node has it (resolves) or it cannot be sent
   * (throws SendFailure; a failed read throws TransportError/RpcError). `p` records what was
   * done, for the caller's report.
   */
  async send(req: TxRequest, progress: SendProgress = { nonce: null, attempts: 0 }): Promise<void> {
    const { fields } = req
    const { window, post, purse } = this.opts
    // a set-code tx whose sender authorizes itself spends two nonces: the tx's, then the authorization's
    const step = 1 + (fields.authorizationList?.length ?? 0)
    // a blob tx (pools refuse blob nonce gaps) or a set-code tx (its authorization's nonce) is sent alone
    const alone = fields.txType === 'eip4844' || fields.txType === 'eip7702'
    // the hot path (a nonce ready, a synchronous signer, an accepted send) awaits the send only
    let nonce: number | undefined
    let attempt: SendAttempt | undefined
    let signed: Hex | undefined
    let tx: TransactionSerializable | undefined
    /** What this send holds of the signer's purse while the node has not answered. */
    let held = 0n
    try {
      for (;;) {
        if (signed === undefined) {
          if (nonce === undefined) {
            const taken = window.take(step, alone, this.mends)
            nonce = typeof taken === 'number' ? taken : await taken
          }
          if (req.authorize && fields.nonce !== nonce) fields.authorizationList = [await req.authorize(nonce + 1)]
          fields.nonce = nonce
          this.checkCap()
          tx = buildTx(fields, this.opts.fees.current)
          if (purse) {
            // (a rebuild: what the last build held is free again)
            purse.release(held)
            held = maxCost(tx)
            if (!purse.take(held)) {
              held = 0n
              // a refusal for funds reports the nonce it gives back, as the node's refusal does
              progress.nonce = nonce
              tx = await this.affordable(fields, tx, purse)
              held = maxCost(tx)
            }
          }
          const signing = post.sign(tx)
          ;({ raw: signed, hash: progress.hash } = signing instanceof Promise ? await signing : signing)
          progress.nonce = nonce
          if (this.opts.dryRun) {
            progress.raw = signed
            window.letGo(nonce, alone)
            nonce = undefined
            return
          }
        }
        progress.attempts++
        const outcome = await post.sendRaw(signed, progress.hash)
        const next = outcome.kind === 'accepted' ? 'accepted' : await (attempt ??= new SendAttempt(this.retry)).after(outcome, fields, progress)
        if (next === 'accepted') {
          progress.tx = tx
          window.accepted(nonce!, step, alone, unminedOf(req, progress.hash!, signed, tx!, held))
          nonce = undefined
          return
        }
        if (next === 'resend') continue
        signed = undefined
        if (next === 'resync') {
          // the node's count decides: taken again once the sends in flight settled
          window.letGo(nonce!, alone)
          nonce = undefined
        }
      }
    } finally {
      // accepted: the ledger holds the tx's cost now; refused: the money is free again
      if (held !== 0n) purse!.release(held)
      // refused (or a bug): the nonce goes back, for this signer's next send
      if (nonce !== undefined) window.giveBack(nonce, step, alone)
    }
  }

  /**
   * A tx the account cannot pay at the fee policy's bid: at a lower fee cap that it can pay, if
   * that still allows for two full blocks of base-fee growth; else once the funder topped the
   * account up (or, without one, its txs in flight were mined). Throws SendFailure when the
   * money cannot come (FUNDS_EXHAUSTED, INSUFFICIENT_FUNDS): the node is never sent a tx it
   * would refuse, or later drop, as unpayable. The tx returned holds its cost in the purse.
   */
  private async affordable(fields: TxFields, tx: TransactionSerializable, purse: Purse): Promise<TransactionSerializable> {
    const since = performance.now()
    await purse.refresh()
    for (;;) {
      if (purse.take(maxCost(tx))) return tx
      const lower = this.lowered(fields, tx, purse.spendable)
      if (lower && purse.take(maxCost(lower))) return lower
      await purse.cover(maxCost(tx), since, this.opts.reads.ctx.cancel)
      tx = buildTx(fields, this.opts.fees.current)
    }
  }

  /** `tx` at the highest fee cap that `left` pays for, if the spec does not pin its fee and that cap allows for two full blocks of growth. */
  private lowered(fields: TxFields, tx: TransactionSerializable, left: bigint | undefined): TransactionSerializable | undefined {
    const f = this.opts.fees.current
    if (left === undefined || f.type !== 'eip1559' || pinsFee(fields) || fields.gas <= 0n) return undefined
    const bid = tx as { maxFeePerGas?: bigint; gasPrice?: bigint; maxPriorityFeePerGas?: bigint }
    const cap = bid.maxFeePerGas ?? bid.gasPrice ?? 0n
    const payable = (left - (maxCost(tx) - fields.gas * cap)) / fields.gas
    const tip = bid.maxPriorityFeePerGas ?? 0n
    if (payable < baseFeeAfter(f.baseFeePerGas, LEAST_HEADROOM_BLOCKS) + tip) return undefined
    return buildTx(fields, snapshotWith(f, { maxFee: payable, tip: tip < payable ? tip : payable }))
  }

  /** A base fee above `--max-fee`: nothing this signer sends could be included now. */
  private checkCap(): void {
    const { maxFee, fees } = this.opts
    const f = fees.current
    if (maxFee !== undefined && f.type === 'eip1559' && f.baseFeePerGas > maxFee) {
      throw new SendFailure('FEE_CAP_REACHED', `the base fee (${f.baseFeePerGas} wei) is above --max-fee (${maxFee} wei)`)
    }
  }

  /**
   * Re-signs the kept tx `tx` at `nonce` from its request (same nonce, same payload) at the
   * current fees, at least the bump nodes require over its last bid, within `--max-fee`, and
   * sends it. The window's record of `tx` then holds the new tx.
   */
  async replace(nonce: number, tx: Unmined): Promise<ReplaceResult> {
    const { req } = tx
    if (!req || tx.maxFee === undefined || tx.tip === undefined || pinsFee(req.fields) || req.fields.txType === 'eip4844') return { kind: 'fixed' }
    let old: Bid = { maxFee: tx.maxFee, tip: tx.tip }
    for (let i = 0; i < (tx.askedMore ?? 0); i++) old = { maxFee: bumpedBid(old.maxFee), tip: bumpedBid(old.tip) }
    const bid = replacementBid(old, this.opts.fees.current, this.opts.maxFee)
    if (!bid) return { kind: 'capped' }
    const fields: TxFields = { ...req.fields, nonce }
    const built = buildTx(fields, snapshotWith(this.opts.fees.current, bid))
    const cost = maxCost(built)
    // what the bump adds to what the tx can cost is held while the node has not answered
    const held = await this.holdFor(cost - (tx.cost ?? 0n))
    if (typeof held !== 'bigint') return held
    try {
      return await this.sendReplacement(tx, built, bid, cost)
    } finally {
      this.opts.purse?.release(held)
    }
  }

  private async sendReplacement(tx: Unmined, built: TransactionSerializable, bid: Bid, cost: bigint): Promise<ReplaceResult> {
    const { post } = this.opts
    const { raw, hash } = await post.sign(built)
    let outcome: PostOutcome = await post.sendRaw(raw, hash)
    if (outcome.kind === 'unknown') {
      const seen = await post.probeUntilSure(hash)
      if (seen === 'unreachable') return { kind: 'unreachable' }
      if (seen === 'known') outcome = ACCEPTED
    }
    switch (outcome.kind) {
      case 'accepted': {
        const oldHash = tx.hash
        this.opts.window.kept.replaced(tx, hash, raw, bid, cost)
        return { kind: 'replaced', oldHash, hash, bid }
      }
      case 'nonce':
        return outcome.code === 'NONCE_TOO_LOW' ? { kind: 'mined' } : { kind: 'underpriced', message: outcome.message }
      case 'fees':
        return { kind: 'underpriced', message: outcome.message }
      case 'rejected':
        // the node counts the account's money otherwise than the purse (txs we do not know of): topped up, again at the next check
        if (outcome.code === 'INSUFFICIENT_FUNDS' && this.opts.purse?.funded) return (await this.askFor(cost, true)) ?? { kind: 'short' }
        return { kind: 'refused', code: outcome.code, message: outcome.message }
      case 'unknown':
        // no definite answer, and the node lacks the replacement: a transient failure, not a refusal (again at the next check)
        return { kind: 'unreachable' }
    }
  }

  /**
   * Holds `extra` (what a replacement adds to its tx's cost) in the purse: the amount held (0n:
   * nothing to hold); else a top-up was asked for (`short`: again at the next check), or the
   * money cannot come (`refused`).
   */
  private async holdFor(extra: bigint): Promise<bigint | ReplaceResult> {
    const { purse } = this.opts
    if (!purse || extra <= 0n) return 0n
    if (purse.take(extra)) return extra
    return (await this.askFor(extra)) ?? (purse.take(extra) ? extra : { kind: 'short' })
  }

  /**
   * The account cannot pay `amount` more: read its balance again and, if it still cannot, ask
   * the funder (`force`: ask at once, the node having refused for funds). Undefined when the
   * purse may pay now; `refused` when the money cannot come. No wait for the txs in flight:
   * the keeper checks again soon.
   */
  private async askFor(amount: bigint, force = false): Promise<ReplaceResult | undefined> {
    const purse = this.opts.purse!
    try {
      if (force) await purse.topUp(amount)
      else {
        await purse.refresh()
        await purse.cover(amount, Number.NEGATIVE_INFINITY, this.opts.reads.ctx.cancel)
      }
    } catch (err) {
      if (err instanceof SendFailure) return { kind: 'refused', code: err.code, message: err.message }
      throw err
    }
    return force ? { kind: 'short' } : undefined
  }

  /**
   * The signed bytes of the kept tx `tx` at `nonce`, to send again: kept, or for a blob tx (its
   * bytes are not kept) built again from its request at its bid; signatures are deterministic
   * (RFC 6979), so they are the bytes the node had (checked by hash). Undefined: neither.
   */
  async sameBytes(nonce: number, tx: Unmined): Promise<Hex | undefined> {
    if (tx.raw !== undefined) return tx.raw
    const f = this.opts.fees.current
    if (tx.req?.fields.txType !== 'eip4844' || tx.blobFee === undefined || tx.maxFee === undefined || tx.tip === undefined || f.type !== 'eip1559') return undefined
    const fields: TxFields = { ...tx.req.fields, nonce, maxFeePerBlobGas: tx.blobFee }
    const { raw, hash } = await this.opts.post.sign(buildTx(fields, snapshotWith(f, { maxFee: tx.maxFee, tip: tx.tip })))
    return hash === tx.hash ? raw : undefined
  }

  /** Sends the kept txs at nonces `from` … `to` − 1 again, their same bytes (the node lost them). */
  private async resendKept(from: number, to: number): Promise<void> {
    for (let nonce = from; nonce < to; nonce++) {
      const tx = this.opts.window.kept.unmined.get(nonce)
      const raw = tx && (await this.sameBytes(nonce, tx))
      if (raw && (await this.opts.post.rebroadcast(raw)) === 'unreachable') return
    }
  }
}

/** The ledger's record of an accepted tx: plain assignments, no spreads (once per tx); its cost is what the send held of the purse (computed once), else computed here. */
function unminedOf(req: TxRequest, hash: Hex, raw: Hex, tx: TransactionSerializable, held: bigint): Unmined {
  const bid = tx as { gasPrice?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; maxFeePerBlobGas?: bigint }
  const fee = bid.maxFeePerGas ?? bid.gasPrice ?? 0n
  const kept: Unmined = { hash, raw, idx: req.idx ?? -1, req, maxFee: fee, tip: bid.maxFeePerGas !== undefined ? (bid.maxPriorityFeePerGas ?? 0n) : fee, cost: held !== 0n ? held : maxCost(tx) }
  if (bid.maxFeePerBlobGas !== undefined) kept.blobFee = bid.maxFeePerBlobGas
  if (req.id !== undefined) kept.id = req.id
  if (req.line !== undefined) kept.line = req.line
  return kept
}
