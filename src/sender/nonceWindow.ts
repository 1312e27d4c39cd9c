/** A signer's nonce window: which send takes which nonce and when, how many sends run at once, and every write to the signer's ledger. */
import type { Address } from 'viem'
import { SET_CODE_SETTLE_MS, SET_CODE_SETTLE_POLL_MS } from '../tx/txTypeFields.js'
import type { ChainReads } from './chainReads.js'
import { KeptTxs } from './keptTxs.js'
import { NonceLedger, type Unmined } from './nonceLedger.js'
import { untilMined } from './untilMined.js'

export interface NonceWindowOptions {
  address: Address
  reads: ChainReads
  /** `--in-flight`: the most sends of this signer running at once. */
  inFlight: number
  /** Keep accepted txs for the keeper's checks (off for dry runs and when checks are off). */
  keep: boolean
}

/** What the window asks of the lane's other units while a send waits (the sender passes it with each call). */
export interface WaitMends {
  /** Fills the gaps (the lane's GapFiller): a blob or set-code tx must not wait behind one. */
  fillGaps(): Promise<void>
  /** Sends the kept txs at nonces `from` … `to` − 1 again, their same bytes (the node lost them). */
  resendKept(from: number, to: number): Promise<void>
}

/**
 * One per signer, the only owner of its ledger. It admits sends (up to `size` running at once,
 * each holding the nonce it took until the node has the tx or refused it), shrinks and grows
 * `size` with the node's pool limit, and makes every ledger write: taking, giving back,
 * accepting, forgetting, and what the keeper learns from the node. When the nonce must be read
 * again (a nonce error, a restart), the sends holding nonces settle first, so the node's count
 * includes all of them.
 */
export class NonceWindow {
  private sends: number
  private readonly ledger: NonceLedger
  /** The accepted txs kept until mined, as the keeper reads and mends them (the window's ledger, written only through it). */
  readonly kept: KeptTxs
  /** Sends started by the worker and not ended. */
  private running = 0
  /** The nonces sends hold: taken, and not yet accepted or given back. */
  private readonly held = new Set<number>()
  /** A send that must be alone (a blob or set-code tx) holds its nonce. */
  private alone = false
  /** Such sends waiting for the others to settle: no new send takes a nonce before them. */
  private aloneWaiting = 0
  /** Sends waiting to take a nonce (the node's count being read, or a send alone in flight). */
  private takers = 0
  /** Sends and nonce reads wait for a change of who holds or waits for a nonce; the worker, for a send's end. */
  private readonly nonces = new Changes()
  private readonly slots = new Changes()
  private resync: Promise<void> | undefined
  private acceptedSinceShrink = 0

  constructor(private readonly opts: NonceWindowOptions) {
    this.sends = opts.inFlight
    this.ledger = new NonceLedger(opts.keep)
    this.kept = new KeptTxs(this.ledger)
  }

  // ── the worker's slots ─────────────────────────────────────────────

  /**
   * Sends that may run now: `--in-flight`, halved when the node refuses a tx for its per-account
   * pool limit, grown back by one per window of accepted sends.
   */
  get size(): number {
    return this.sends
  }

  /** No send may start now. */
  get full(): boolean {
    return this.running >= this.sends
  }

  /** Resolves once a send may start. */
  async room(): Promise<void> {
    while (this.running >= this.sends) await this.slots.next()
  }

  /** Resolves once no send runs (a check runs alone). */
  async drained(): Promise<void> {
    while (this.running > 0) await this.slots.next()
  }

  /** A send started; `ended` when its result is out. */
  started(): void {
    this.running++
  }

  ended(): void {
    this.running--
    this.slots.notify()
  }

  // ── nonces ─────────────────────────────────────────────────────────

  /** The nonce after the highest one taken; undefined: it is read from the node before the next send. */
  get next(): number | undefined {
    return this.ledger.next
  }

  /** Sends holding a nonce now. */
  get holding(): number {
    return this.held.size
  }

  /**
   * The lowest nonce the node may not have from us: one a send holds, a gap, or the next one.
   * Every nonce below it was accepted. Undefined: the next nonce is not known.
   */
  get firstOpen(): number | undefined {
    const ledger = this.ledger
    let open = ledger.counted
    if (open === undefined) return undefined
    if (ledger.gaps.length > 0) open = Math.min(open, ledger.gaps[0]!)
    for (const nonce of this.held) open = Math.min(open, nonce)
    return open
  }

  /** The signer's nonce as the node counts it: with its pool (`pending`) or mined (`latest`). */
  nonceAt(tag: 'pending' | 'latest'): Promise<number> {
    return this.opts.reads.nonceAt(this.opts.address, tag, () => this.ledger.checkSoon())
  }

  /**
   * The nonce the next send would take, once every earlier send was answered (also those still
   * waiting to take a nonce): the ledger's, or the node's pending nonce when the ledger has none.
   * `step` 2 (a self-authorizing set-code tx) never takes a gap: its nonce is `next`.
   */
  async nextNonce(step: number, mends: WaitMends): Promise<number> {
    for (;;) {
      if (this.held.size > 0 || this.takers > 0) {
        await this.nonces.next()
        continue
      }
      await this.known(mends)
      if (this.held.size === 0 && this.takers === 0) return step === 1 ? this.ledger.upcoming! : this.ledger.next!
    }
  }

  /**
   * Takes a nonce for a send: at once when one is ready and no send waits before it (nonces
   * follow the order sends started in), else once the sends holding nonces allow it and the
   * ledger knows the next one. Waits on changes only: never a loop without an event.
   * `alone`: a blob tx (pools refuse blob nonce gaps) or a set-code tx (its authorization's
   * nonce) holds the signer alone.
   */
  take(step: number, alone: boolean, mends: WaitMends): number | Promise<number> {
    return (this.takers === 0 ? this.takeNow(step, alone) : undefined) ?? this.takeWhenReady(step, alone, mends)
  }

  private takeNow(step: number, alone: boolean): number | undefined {
    const ledger = this.ledger
    if (this.alone || (alone ? this.held.size > 0 : this.aloneWaiting > 0) || ledger.mineFirst !== undefined || ledger.next === undefined) return undefined
    if (alone) this.alone = true
    const nonce = ledger.take(step)
    this.held.add(nonce)
    return nonce
  }

  private async takeWhenReady(step: number, alone: boolean, mends: WaitMends): Promise<number> {
    if (alone) this.aloneWaiting++
    this.takers++
    try {
      for (;;) {
        const nonce = this.takeNow(step, alone)
        if (nonce !== undefined) return nonce
        if (this.held.size > 0 || this.alone || (!alone && this.aloneWaiting > 0)) {
          await this.nonces.next()
          continue
        }
        // nothing in flight: a blob tx must not wait behind a gap (pools refuse blob nonce gaps)
        if (alone && this.ledger.gaps.length > 0) await mends.fillGaps()
        await this.known(mends)
      }
    } finally {
      if (alone) this.aloneWaiting--
      this.takers--
      this.nonces.notify()
    }
  }

  /** The ledger knows the next nonce (a set-code tx mined; else read from the node, once for all waiting sends). */
  private known(mends: WaitMends): Promise<void> {
    const ledger = this.ledger
    if (ledger.mineFirst === undefined && ledger.next !== undefined) return Promise.resolve()
    this.resync ??= (async () => {
      try {
        // the set-code tx cannot be mined while a gap lies below it
        if (ledger.mineFirst !== undefined && ledger.gaps.length > 0) await mends.fillGaps()
        if (ledger.mineFirst !== undefined) await this.awaitSetCodeMined(ledger.mineFirst, mends)
        if (ledger.next === undefined) ledger.resume(await this.nonceAt('pending'))
      } finally {
        this.resync = undefined
        this.nonces.notify()
      }
    })()
    return this.resync
  }

  /**
   * The last send was a self-authorized set-code tx: wait until it is mined (see
   * SET_CODE_SETTLE_MS); if it is not by then, read the nonce from the node again. No check of
   * the keeper runs meanwhile: txs of ours up to it that the node lost (anvil drops a sender's
   * later txs in each block that skips one for block gas) get their same bytes again from here,
   * else the wait could only time out.
   */
  private async awaitSetCodeMined(target: number, mends: WaitMends): Promise<void> {
    const mined = async (): Promise<number> => {
      const latest = await this.nonceAt('latest')
      if (latest < target && (await this.nonceAt('pending')) < target - 1) await mends.resendKept(latest, target - 1)
      return latest
    }
    const reached = await untilMined(mined, target, { timeoutMs: SET_CODE_SETTLE_MS, pollMs: SET_CODE_SETTLE_POLL_MS, signal: this.opts.reads.ctx.cancel })
    if (reached < target) this.ledger.forget()
    this.ledger.mineFirst = undefined
  }

  /**
   * The node has the tx at `nonce` (taken with `step`): it is kept until mined, and the send
   * lets its nonce go. After a window's worth of accepted sends, one more may run (up to `--in-flight`).
   */
  accepted(nonce: number, step: number, alone: boolean, u: Unmined | undefined): void {
    this.ledger.accepted(nonce, step, u)
    this.letGo(nonce, alone)
    if (this.sends >= this.opts.inFlight || ++this.acceptedSinceShrink < this.sends) return
    this.sends++
    this.acceptedSinceShrink = 0
    this.slots.notify()
  }


  /** The send at `nonce` (taken with `step`) ended without the node taking it: the nonce goes back, for the next send. */
  giveBack(nonce: number, step: number, alone: boolean): void {
    this.ledger.release(nonce, step)
    this.letGo(nonce, alone)
  }

  /**
   * The send at `nonce` no longer holds it, and it is not given back: a dry run's (the nonce
   * stays spent), or a send whose nonce the node's count decides (read again once nothing is in flight).
   */
  letGo(nonce: number, alone: boolean): void {
    this.held.delete(nonce)
    if (alone) this.alone = false
    this.nonces.notify()
  }

  /** The node may hold a different view of our nonce: read it again before the next send. */
  forget(): void {
    this.ledger.forget()
  }

  /** The node refused a tx for its per-account pool limit: fewer sends at once (at least one). */
  shrink(): void {
    this.sends = Math.max(1, Math.floor(this.sends / 2))
    this.acceptedSinceShrink = 0
  }

}

/** Waiters for the next change of one thing: never resolved at once (no busy loop), all woken together. */
class Changes {
  private waiters: (() => void)[] = []

  next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  notify(): void {
    if (this.waiters.length === 0) return
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }
}
