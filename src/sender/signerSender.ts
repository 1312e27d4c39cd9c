/** One signer's sends: a built tx → an outcome (sign, send, classify, probe after an ambiguous answer, resync, fee refresh). */
import type { Address, Hex, SignedAuthorization, TransactionSerializable } from 'viem'
import { backoffMs } from '../base/backoff.js'
import { FloodgateError, type ErrorCode } from '../base/errors.js'
import { sleep } from '../base/sleep.js'
import type { FeeOracle } from '../chain/feeOracle.js'
import { classifySendError, type SendOutcome } from '../rpc/classifySendError.js'
import { RpcError, TransportError } from '../rpc/rpc.js'
import { buildTx, pinsFee, type TxFields } from '../tx/buildTx.js'
import type { FeeSnapshot } from '../tx/fees.js'
import { txHash, type Signer } from '../tx/signer.js'
import { SET_CODE_SETTLE_MS, SET_CODE_SETTLE_POLL_MS } from '../tx/txTypeFields.js'
import type { ChainReads, Seen } from './chainReads.js'
import type { NonceLedger, Unmined } from './nonceLedger.js'
import { bumpedBid, replacementBid, snapshotWith, type Bid } from './bump.js'
import { untilMined } from './untilMined.js'

const ACCEPTED = { kind: 'accepted' } as const

/**
 * `--in-flight`'s default, from measurement (docs/benchmarks.md, "Several sends in flight"):
 * pool 10 at 8 sent 5.5× the serial rate through a 20 ms proxy and 7.4× through 200 ms; near
 * the node windows 2–8 are alike; and 8 stays at half geth's 16 executable slots per account.
 */
export const DEFAULT_IN_FLIGHT = 8

/** Rebuild-and-retry bounds for fee and nonce problems. */
const MAX_FEE_RETRIES = 3
const MAX_NONCE_RETRIES = 3

/** A send that ended without the node taking the tx: the spec fails with `code`, the sender goes on. */
export class SendFailure extends FloodgateError {
  override name = 'SendFailure'
}

/** What a send did so far: the caller reports it, also when the send throws. */
export interface SendProgress {
  nonce: number | null
  hash?: Hex
  /** The signed bytes (a dry run's result). */
  raw?: Hex
  attempts: number
}

export interface TxRequest {
  /** The tx's fields; `nonce` is the sender's to set. */
  fields: TxFields
  /** A set-code tx's authorization for the sender's nonce after the tx's own (`nonce` + 1). */
  authorize?: (nonce: number) => Promise<SignedAuthorization>
  /** Kept with the tx in the ledger, for gap and replacement reports. */
  idx?: number
  id?: string
  line?: number
}

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
  /** No definite answer (the node unreachable, busy, or its pool full for us): again at the next check. */
  | { kind: 'unreachable' }

export interface SenderOptions {
  signer: Signer
  chainId: number
  fees: FeeOracle
  reads: ChainReads
  ledger: NonceLedger
  /** Resends of the same signed bytes after a transport failure. */
  retries: number
  /** Build and sign only. */
  dryRun: boolean
  /** `--max-fee`: no bid above it, first or replacement. */
  maxFee?: bigint
  /** `--in-flight`: sends that may be outstanding at once, at consecutive nonces (default 1). */
  inFlight?: number
}

/**
 * Sends one signer's txs with the nonces its ledger owns: up to `window` sends in flight at
 * once, each holding the nonce it took until the node has the tx or refused it. Every sender of
 * a tx (workers, funding, scenario setup, gap fillers) goes through here, so each gets the same
 * fault handling: after a send without a definite answer the node is asked before the nonce
 * is reused or the tx reported lost. When the nonce must be read again (a nonce error, a
 * restart), the sends in flight settle first, so the node's count includes all of them.
 */
export class SignerSender {
  /**
   * Sends that may be in flight now (the worker keeps to it): `--in-flight`, halved when the
   * node refuses a tx for its per-account pool limit, grown back by one per window of accepted sends.
   */
  window: number
  /** The nonces sends hold: taken, and not yet accepted or given back. */
  private readonly held = new Set<number>()
  /** A send that must be alone in flight (a blob or set-code tx) holds its nonce. */
  private alone = false
  /** Such sends waiting for the others to settle: no new send takes a nonce before them. */
  private aloneWaiting = 0
  /** Sends waiting to take a nonce (the node's count being read, or a send alone in flight). */
  private takers = 0
  /** Sends and nonce reads waiting for a change (see `changed`). */
  private waiters: (() => void)[] = []
  private resync: Promise<void> | undefined
  private acceptedSinceShrink = 0
  /**
   * Fills the ledger's holes (the worker's gap mender, which reports each filler). Called before
   * a tx that must not wait behind a hole: a blob tx (pools refuse blob nonce gaps) and the send
   * after a self-authorizing set-code tx (it waits until that tx is mined).
   */
  fillHoles: (() => Promise<void>) | undefined

  constructor(readonly o: SenderOptions) {
    this.window = Math.max(1, o.inFlight ?? 1)
  }

  /** Sends holding a nonce now. */
  get inFlight(): number {
    return this.held.size
  }

  /**
   * The lowest nonce the node may not have from us: one a send holds, one given back (a hole),
   * or the next one. Every nonce below it was accepted. Undefined: the next nonce is not known.
   */
  get firstOpen(): number | undefined {
    const l = this.o.ledger
    let open = l.counted
    if (open === undefined) return undefined
    if (l.holes.length > 0) open = Math.min(open, l.holes[0]!)
    for (const n of this.held) open = Math.min(open, n)
    return open
  }

  get address(): Address {
    return this.o.signer.address
  }

  get ledger(): NonceLedger {
    return this.o.ledger
  }

  /**
   * The nonce the next send would take, once every earlier send was answered (also those still
   * waiting to take a nonce): the ledger's, or the node's pending nonce when the ledger has none.
   * `step` 2 (a self-authorizing set-code tx) never takes a hole: its nonce is `next`.
   */
  async nextNonce(step = 1): Promise<number> {
    for (;;) {
      if (this.held.size > 0 || this.takers > 0) {
        await this.changed()
        continue
      }
      await this.known()
      if (this.held.size === 0 && this.takers === 0) return step === 1 ? this.o.ledger.upcoming! : this.o.ledger.next!
    }
  }

  /** Resolves at the next change of who holds or waits for a nonce (never at once: no busy loop). */
  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  private notify(): void {
    if (this.waiters.length === 0) return
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  /** The ledger knows the next nonce (a set-code tx settled; else read from the node, once for all waiting sends). */
  private known(): Promise<void> {
    const l = this.o.ledger
    if (l.settleNonce === undefined && l.next !== undefined) return Promise.resolve()
    this.resync ??= (async () => {
      try {
        // the set-code tx cannot be mined while a hole lies below it
        if (l.settleNonce !== undefined && l.holes.length > 0) await this.fillHoles?.()
        if (l.settleNonce !== undefined) await this.settle(l.settleNonce)
        if (l.next === undefined) l.resume(await this.nonceAt('pending'))
      } finally {
        this.resync = undefined
        this.notify()
      }
    })()
    return this.resync
  }

  /** Takes a nonce now, if one is ready and nothing holds the sender alone. */
  private takeNow(step: number, alone: boolean): number | undefined {
    const l = this.o.ledger
    if (this.alone || (alone ? this.held.size > 0 : this.aloneWaiting > 0) || l.settleNonce !== undefined || l.next === undefined) return undefined
    if (alone) this.alone = true
    const nonce = l.take(step)
    this.held.add(nonce)
    return nonce
  }

  /**
   * Takes a nonce once the sends in flight allow it and the ledger knows the next one. Waits on
   * changes only (a send let go, a wait ended, the nonce read): never a loop without an event.
   */
  private async takeNonce(step: number, alone: boolean): Promise<number> {
    if (alone) this.aloneWaiting++
    this.takers++
    try {
      for (;;) {
        const n = this.takeNow(step, alone)
        if (n !== undefined) return n
        if (this.held.size > 0 || this.alone || (!alone && this.aloneWaiting > 0)) {
          await this.changed()
          continue
        }
        // nothing in flight: a blob tx must not wait behind a hole (pools refuse blob nonce gaps)
        if (alone && this.o.ledger.holes.length > 0) await this.fillHoles?.()
        await this.known()
      }
    } finally {
      if (alone) this.aloneWaiting--
      this.takers--
      this.notify()
    }
  }

  /** A send no longer holds its nonce (the node has the tx, or the nonce went back to the ledger). */
  private letGo(nonce: number, alone: boolean): void {
    this.held.delete(nonce)
    if (alone) this.alone = false
    this.notify()
  }

  /** The node refused a tx for its per-account pool limit: fewer sends in flight (at least one). */
  private shrink(): void {
    this.window = Math.max(1, Math.floor(this.window / 2))
    this.acceptedSinceShrink = 0
  }

  /** An accepted send: after a window's worth of them, one more may be in flight again (up to `--in-flight`). */
  private grow(): void {
    const limit = this.o.inFlight ?? 1
    if (this.window >= limit || ++this.acceptedSinceShrink < this.window) return
    this.window++
    this.acceptedSinceShrink = 0
  }

  /**
   * The last send was a self-authorized set-code tx: wait until it is mined (see
   * SET_CODE_SETTLE_MS); if it is not by then, read the nonce from the node again.
   */
  private async settle(target: number): Promise<void> {
    const l = this.o.ledger
    // no gap check runs while the next send waits here: txs of ours up to the set-code tx that the
    // node lost (anvil drops a sender's later txs in each block that skips one for block gas) get
    // their same bytes again from here, else the wait could only time out
    const mined = async (): Promise<number> => {
      const latest = await this.nonceAt('latest')
      if (latest < target && (await this.nonceAt('pending')) < target - 1) await this.resendKept(latest, target - 1)
      return latest
    }
    const reached = await untilMined(mined, target, { timeoutMs: SET_CODE_SETTLE_MS, pollMs: SET_CODE_SETTLE_POLL_MS, signal: this.o.reads.ctx.cancel })
    if (reached < target) l.forget()
    l.settleNonce = undefined
  }

  /** Sends the kept txs at nonces `from` to `to` − 1 again, their same bytes (the node lost them). */
  private async resendKept(from: number, to: number): Promise<void> {
    for (let n = from; n < to; n++) {
      const u = this.o.ledger.unmined.get(n)
      const raw = u && (await this.sameBytes(n, u))
      if (raw && (await this.rebroadcast(raw)) === 'unreachable') return
    }
  }

  nonceAt(tag: 'pending' | 'latest'): Promise<number> {
    return this.o.reads.nonceAt(this.o.signer.address, tag, () => this.o.ledger.checkSoon())
  }

  /** Signs a tx: the native signer's synchronous path when it has one. */
  async sign(tx: TransactionSerializable): Promise<{ raw: Hex; hash: Hex }> {
    if (this.o.signer.signNow) return this.o.signer.signNow(tx)
    const raw = await this.o.signer.signTransaction(tx)
    return { raw, hash: txHash(raw) }
  }

  /**
   * Builds, signs and sends `req` until the node has it (resolves) or it cannot be sent
   * (throws SendFailure; a failed read throws TransportError/RpcError). `p` records what was
   * done, for the caller's report.
   */
  async send(req: TxRequest, p: SendProgress = { nonce: null, attempts: 0 }): Promise<void> {
    const { fields } = req
    const ledger = this.o.ledger
    const { rpc, health } = this.o.reads.ctx
    // a set-code tx whose sender authorizes itself spends two nonces: the tx's, then the authorization's
    const step = 1 + (fields.authorizationList?.length ?? 0)
    // a blob tx (pools refuse blob nonce gaps) or a set-code tx (its authorization's nonce) is sent alone
    const alone = fields.txType === 'eip4844' || fields.txType === 'eip7702'
    // the hot path (a nonce ready, a synchronous signer, an accepted send) awaits the send only
    let nonce: number | undefined
    let s: Attempt | undefined
    let signed: Hex | undefined
    let tx: TransactionSerializable | undefined
    try {
      for (;;) {
        if (signed === undefined) {
          // sends already waiting for a nonce go first: nonces follow the order sends started in
          nonce ??= (this.takers === 0 ? this.takeNow(step, alone) : undefined) ?? (await this.takeNonce(step, alone))
          if (req.authorize && fields.nonce !== nonce) fields.authorizationList = [await req.authorize(nonce + 1)]
          fields.nonce = nonce
          this.checkCap()
          tx = buildTx(fields, this.o.fees.current)
          ;({ raw: signed, hash: p.hash } = this.o.signer.signNow ? this.o.signer.signNow(tx) : await this.sign(tx))
          p.nonce = nonce
          if (this.o.dryRun) {
            p.raw = signed
            this.letGo(nonce, alone)
            nonce = undefined
            return
          }
        }
        p.attempts++
        let outcome: SendOutcome | typeof ACCEPTED
        try {
          await rpc.request('eth_sendRawTransaction', [signed])
          health.ok()
          outcome = ACCEPTED
        } catch (err) {
          outcome = this.refusal(err)
        }
        if (outcome.kind !== 'accepted') {
          s ??= new Attempt()
          if (s.ambiguous && outcome.kind !== 'unknown') {
            if (await this.knownAfterAmbiguous(p.hash!, outcome.message)) outcome = ACCEPTED
            else s.ambiguous = false
          }
        }
        const next = outcome.kind === 'accepted' ? 'accepted' : await this.next(outcome, fields, p, s!)
        if (next === 'accepted') {
          ledger.accepted(nonce!, step, unminedOf(req, p.hash!, signed, tx!))
          this.letGo(nonce!, alone)
          nonce = undefined
          this.grow()
          return
        }
        if (next === 'resend') continue
        signed = undefined
        if (next === 'resync') {
          // the node's count decides: taken again once the sends in flight settled
          this.letGo(nonce!, alone)
          nonce = undefined
        }
      }
    } finally {
      // refused (or a bug): the nonce goes back, for this signer's next send
      if (nonce !== undefined) {
        ledger.release(nonce, step)
        this.letGo(nonce, alone)
      }
    }
  }

  /**
   * After a send without a definite answer, a definite refusal of a later copy ("nonce too
   * low": the first copy may have been mined) does not mean the node lacks the tx. Only the
   * node saying so lets the sender fail or rebuild the tx; else it would land unreported,
   * under a failed spec or beside a rebuilt one (a nonce used twice over).
   */
  private async knownAfterAmbiguous(hash: Hex, why: string): Promise<boolean> {
    const seen = await this.o.reads.probeUntilSure(hash)
    if (seen === 'known') return true
    if (seen === 'unreachable') {
      this.o.ledger.forget()
      throw new SendFailure('RPC_UNAVAILABLE', `${why}; the node could not say whether it has the earlier copy of this tx`)
    }
    return false
  }

  /** What to do after one send's outcome: done, send the same bytes again, or rebuild. Throws when the tx fails. */
  private async next(outcome: SendOutcome | { kind: 'accepted' }, fields: TxFields, p: SendProgress, s: Attempt): Promise<'accepted' | 'resend' | 'rebuild' | 'resync'> {
    const { ledger, fees } = this.o
    switch (outcome.kind) {
      case 'accepted':
        return 'accepted'
      case 'rejected':
        throw new SendFailure(outcome.code, outcome.message)
      case 'fees':
        if (s.feeRetries >= MAX_FEE_RETRIES && outcome.code === 'UNDERPRICED' && s.nonceRetries === 0) {
          // fresh fees did not cure it: another tx may hold this nonce at a higher price (ganache
          // words a refused replacement "transaction underpriced"): read the nonce again, once
          s.nonceRetries++
          ledger.forget()
          return 'resync'
        }
        if (pinsFee(fields, outcome.code) || fees.pinned || s.feeRetries >= MAX_FEE_RETRIES) throw new SendFailure(outcome.code, outcome.message)
        s.feeRetries++
        try {
          await fees.refreshNow()
        } catch (err) {
          // no fresh fees now: the next try is built with the last ones (and counted)
          if (!(err instanceof TransportError || err instanceof RpcError)) throw err
        }
        return 'rebuild'
      case 'nonce':
        if (s.nonceRetries >= MAX_NONCE_RETRIES) {
          ledger.forget()
          throw new SendFailure(outcome.code, `${outcome.message} (after ${s.nonceRetries} nonce resyncs)`)
        }
        s.nonceRetries++
        ledger.forget()
        return 'resync'
      case 'unknown':
        s.ambiguous = true
        return (await this.resendUnknown(outcome, p, s)) ? 'accepted' : 'resend'
    }
  }

  /**
   * No definite answer: ask the node. Resend the same bytes while the node is down (up to the
   * outage budget), or the tx's fate is unknown (up to the same budget), or within --retries.
   * Resolves true when the node turns out to have the tx.
   */
  private async resendUnknown(outcome: Extract<SendOutcome, { kind: 'unknown' }>, p: SendProgress, s: Attempt): Promise<boolean> {
    const { reads, ledger } = this.o
    const { health, cancel } = reads.ctx
    const seen: Seen = await reads.probe(p.hash!)
    if (seen === 'known') return true
    if (seen === 'absent' && !outcome.resend) throw new SendFailure(outcome.code, outcome.message)
    if (health.dead) {
      // it may still land later: read the nonce from the node before the next send
      ledger.forget()
      throw new SendFailure('RPC_UNAVAILABLE', `${outcome.message}; ${outageMessage(health.budgetMs)}`)
    }
    // the fate of the tx decides, not a count alone: while the node has not said it lacks the
    // tx, giving up would leave a tx that may land under a failed spec, and a nonce unknown
    if (outcome.crowded) {
      // the node's per-account pool limit: fewer in flight, and this tx again once earlier ones are mined
      this.shrink()
      s.unknownSince ??= performance.now()
    } else if (seen === 'absent') s.unknownSince = undefined
    else s.unknownSince ??= performance.now()
    const unresolved = s.unknownSince !== undefined && performance.now() - s.unknownSince < health.budgetMs
    if (s.resends >= this.o.retries && !health.down && !unresolved) {
      ledger.forget()
      throw new SendFailure(outcome.code, `${outcome.message} (after ${s.allResends} resends)`)
    }
    // while the node answers nothing (an outage: the probe failed too), within the outage budget
    // of this tx's unknown fate, resends do not count against --retries: else a send could give up
    // just as the node came back. Past that budget they count again (a node that answers others
    // but never this tx does not hold the send forever)
    if (seen === 'unreachable' && health.down && unresolved) s.outageResends++
    else s.resends++
    await sleep(outcome.retryAfterMs ?? backoffMs(s.allResends), cancel)
    return false
  }

  /** A base fee above `--max-fee`: nothing this signer sends could be included now. */
  private checkCap(): void {
    const { maxFee, fees } = this.o
    const f = fees.current
    if (maxFee !== undefined && f.type === 'eip1559' && f.baseFeePerGas > maxFee) {
      throw new SendFailure('FEE_CAP_REACHED', `the base fee (${f.baseFeePerGas} wei) is above --max-fee (${maxFee} wei)`)
    }
  }

  /**
   * Re-signs the tx at `nonce` from its request (same nonce, same payload) at the current fees,
   * at least the bump nodes require over its last bid, within `--max-fee`, and sends it. The
   * ledger's entry then holds the new tx.
   */
  async replace(nonce: number, u: Unmined): Promise<ReplaceResult> {
    const req = u.req
    if (!req || u.maxFee === undefined || u.tip === undefined || pinsFee(req.fields) || req.fields.txType === 'eip4844') return { kind: 'fixed' }
    let old: Bid = { maxFee: u.maxFee, tip: u.tip }
    for (let i = 0; i < (u.askedMore ?? 0); i++) old = { maxFee: bumpedBid(old.maxFee), tip: bumpedBid(old.tip) }
    const bid = replacementBid(old, this.o.fees.current, this.o.maxFee)
    if (!bid) return { kind: 'capped' }
    const fields: TxFields = { ...req.fields, nonce }
    const { raw, hash } = await this.sign(buildTx(fields, snapshotWith(this.o.fees.current, bid)))
    let outcome = await this.sendRaw(raw)
    if (outcome.kind === 'unknown') {
      const seen = await this.o.reads.probeUntilSure(hash)
      if (seen === 'unreachable') return { kind: 'unreachable' }
      if (seen === 'known') outcome = ACCEPTED
    }
    switch (outcome.kind) {
      case 'accepted': {
        const oldHash = u.hash
        u.hash = hash
        if (u.raw !== undefined) u.raw = raw
        u.maxFee = bid.maxFee
        u.tip = bid.tip
        u.replacements = (u.replacements ?? 0) + 1
        delete u.askedMore
        return { kind: 'replaced', oldHash, hash, bid }
      }
      case 'nonce':
        return outcome.code === 'NONCE_TOO_LOW' ? { kind: 'mined' } : { kind: 'underpriced', message: outcome.message }
      case 'fees':
        return { kind: 'underpriced', message: outcome.message }
      case 'rejected':
        return { kind: 'refused', code: outcome.code, message: outcome.message }
      case 'unknown':
        // no definite answer, and the node lacks the replacement: a transient failure, not a refusal (again at the next check)
        return { kind: 'unreachable' }
    }
  }

  /** One eth_sendRawTransaction and what its answer means; the node's reachability is noted. */
  async sendRaw(raw: Hex): Promise<SendOutcome | { kind: 'accepted' }> {
    const { rpc, health } = this.o.reads.ctx
    try {
      await rpc.request('eth_sendRawTransaction', [raw])
      health.ok()
      return ACCEPTED
    } catch (err) {
      return this.refusal(err)
    }
  }

  /** What a failed eth_sendRawTransaction means; the node's reachability is noted. */
  private refusal(err: unknown): SendOutcome {
    const { health } = this.o.reads.ctx
    if (err instanceof TransportError) {
      health.failed()
      this.o.ledger.checkSoon() // the node may have lost txs of ours meanwhile
    } else if (err instanceof RpcError) health.ok()
    return classifySendError(err)
  }


  /**
   * The signed bytes of the kept tx `u` at `nonce`, to send again: kept, or for a blob tx (its
   * bytes are not kept) built again from its request at its bid; signatures are deterministic
   * (RFC 6979), so they are the bytes the node had (checked by hash). Undefined: neither.
   */
  async sameBytes(nonce: number, u: Unmined): Promise<Hex | undefined> {
    if (u.raw !== undefined) return u.raw
    const f = this.o.fees.current
    if (u.req?.fields.txType !== 'eip4844' || u.blobFee === undefined || u.maxFee === undefined || u.tip === undefined || f.type !== 'eip1559') return undefined
    const fields: TxFields = { ...u.req.fields, nonce, maxFeePerBlobGas: u.blobFee }
    const { raw, hash } = await this.sign(buildTx(fields, snapshotWith(f, { maxFee: u.maxFee, tip: u.tip })))
    return hash === u.hash ? raw : undefined
  }

  /** Sends bytes the node had before once more: 'ok' when it has them (or mined them). */
  async rebroadcast(raw: Hex): Promise<'ok' | 'refused' | 'unreachable'> {
    const outcome = await this.sendRaw(raw)
    if (outcome.kind === 'unknown' && (outcome.code === 'RPC_UNAVAILABLE' || outcome.code === 'RPC_TIMEOUT')) return 'unreachable'
    // accepted (already known) or nonce too low (it was mined meanwhile): nothing lacks
    return outcome.kind === 'accepted' || outcome.kind === 'nonce' ? 'ok' : 'refused'
  }

  /**
   * Signs and sends a new tx at a fixed nonce (a gap filler) with these fees: 'ok' once the
   * node has it. Unlike a rebroadcast, a nonce answer means another tx took the nonce, not
   * that this one was mined: only the node knowing this hash makes it 'ok'.
   */
  async sendAt(fields: TxFields, fees: FeeSnapshot): Promise<{ result: 'ok' | 'refused' | 'unreachable'; hash: Hex; raw: Hex }> {
    const { raw, hash } = await this.sign(buildTx(fields, fees))
    const outcome = await this.sendRaw(raw)
    if (outcome.kind === 'accepted') return { result: 'ok', hash, raw }
    if (outcome.kind === 'rejected' || outcome.kind === 'fees') return { result: 'refused', hash, raw }
    // no answer, or a nonce answer: ask the node whether it has this very tx
    const seen = await this.o.reads.probeUntilSure(hash)
    return { result: seen === 'known' ? 'ok' : seen === 'absent' ? 'refused' : 'unreachable', hash, raw }
  }
}

/** The retry state of one tx. */
class Attempt {
  feeRetries = 0
  nonceRetries = 0
  resends = 0
  /** Resends while the node answered nothing, within the outage budget (not counted against --retries). */
  outageResends = 0
  /** Every resend so far, of either kind (the backoff and the message count them all). */
  get allResends(): number {
    return this.resends + this.outageResends
  }
  /** When this tx's fate first became unknown (no definite answer, the node not asked yet). */
  unknownSince: number | undefined
  /** A send of this tx got no definite answer: it may be in the node. */
  ambiguous = false
}

export function outageMessage(budgetMs: number): string {
  return `the node was unreachable for longer than --max-outage (${budgetMs} ms)`
}


/** The ledger's record of an accepted tx: plain assignments, no spreads (once per tx). */
function unminedOf(req: TxRequest, hash: Hex, raw: Hex, tx: TransactionSerializable): Unmined {
  const t = tx as { gasPrice?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; maxFeePerBlobGas?: bigint }
  const fee = t.maxFeePerGas ?? t.gasPrice ?? 0n
  const u: Unmined = { hash, raw, idx: req.idx ?? -1, req, maxFee: fee, tip: t.maxFeePerGas !== undefined ? (t.maxPriorityFeePerGas ?? 0n) : fee }
  if (t.maxFeePerBlobGas !== undefined) u.blobFee = t.maxFeePerBlobGas
  if (req.id !== undefined) u.id = req.id
  if (req.line !== undefined) u.line = req.line
  return u
}
