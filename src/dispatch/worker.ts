/** The worker loop of one signer: take a spec (paced by the router), send it through the signer's sender, emit its result, recover from a panic. */
import type { Address } from 'viem'
import { describeError, FloodgateError, type ErrorCode } from '../base/errors.js'
import { sleep } from '../base/sleep.js'
import type { EventWriter } from '../events/eventWriter.js'
import type { TxResultEvent } from '../events/types.js'
import type { Logger } from '../log.js'
import type { NodeHealth } from '../rpc/nodeHealth.js'
import type { GapMender } from '../sender/gapMender.js'
import { outageMessage, type SendProgress, type SignerSender, type TxRequest } from '../sender/signerSender.js'
import type { IndexedSpec } from '../stream/spec.js'
import { BoundedQueue } from './boundedQueue.js'
import type { PacedSpec } from './pacer.js'
import { specTx, type SpecTxOptions } from './specTx.js'

export interface WorkerOptions {
  index: number
  /** The signer's sender: the only owner of its nonces. */
  sender: SignerSender
  /** Finds and mends txs of this signer the node lost; checks between sends and while the run waits for receipts. */
  mender: GapMender
  /** How specs become txs (shared by the workers). */
  build: SpecTxOptions
  events: EventWriter
  log: Logger
  /** Aborted when the run is cancelled: queued specs then end as CANCELLED. */
  cancel: AbortSignal
  queueCapacity: number
  /** Panics within `panicWindowMs` that retire the worker (default 3 in 60 s). */
  maxPanics?: number
  panicWindowMs?: number
  /** Shared reachability of the node: once it is dead, every spec fails with RPC_UNAVAILABLE. */
  health: NodeHealth
}

/** The spec in hand and what its send did: for its result and for a panic report. */
interface InHand extends SendProgress {
  spec: IndexedSpec
  startWall: number
  start: number
}

/**
 * One worker per signer. It builds its specs in arrival order and keeps up to `--in-flight` of
 * their sends outstanding through the signer's sender, the only owner of the signer's nonces,
 * so no lock or shared nonce map is needed. Every spec it takes ends in exactly one `tx_result`.
 */
export class Worker {
  readonly queue: BoundedQueue<IndexedSpec>
  private panicTimes: number[] = []
  /** Sends started and not yet ended (at most the sender's window). */
  private flying = 0
  private wake: (() => void) | undefined
  /** A look at the node in progress (sends go on meanwhile); `mend`: it found work for a check. */
  private looking = false
  private mend = false
  private retired = false
  private readonly maxPanics: number
  private readonly panicWindowMs: number

  constructor(private readonly o: WorkerOptions) {
    this.queue = new BoundedQueue(o.queueCapacity)
    this.maxPanics = o.maxPanics ?? 3
    this.panicWindowMs = o.panicWindowMs ?? 60_000
  }

  get address(): Address {
    return this.o.sender.address
  }

  get index(): number {
    return this.o.index
  }

  /**
   * Processes the queue until it is closed and empty: up to the sender's window of sends in
   * flight at once. Each spec's tx is built in input order before its send starts, so the
   * signer's nonces follow the input (bar a refused nonce, which a later spec takes). The
   * node is looked at in the background while sends go on; only when the look finds something
   * to mend does a gap check run, between sends, with nothing in flight. Never rejects.
   */
  async run(): Promise<void> {
    const { sender, mender, events } = this.o
    for (;;) {
      const spec = this.queue.tryShift() ?? (await this.queue.shift())
      if (spec === undefined) break
      while (this.flying >= sender.window) await this.landed()
      const hand: InHand = { spec, startWall: Date.now(), start: performance.now(), nonce: null, attempts: 0 }
      if (!this.looking && mender.due(hand.start)) this.look()
      if (this.mend && !this.refusal()) {
        this.mend = false
        while (this.flying > 0) await this.landed()
        try {
          await mender.check()
        } catch (err) {
          // a check that throws is a panic of the spec in hand, which then ends there
          this.panic(hand, err)
          continue
        }
      }
      const sending = await this.begin(hand)
      if (!sending) continue
      if (sender.window === 1 && this.flying === 0) await sending.done
      else {
        this.flying++
        void sending.done.then(() => {
          this.flying--
          const wake = this.wake
          this.wake = undefined
          wake?.()
        })
      }
      if (events.needsDrain) await events.drained()
    }
    while (this.flying > 0) await this.landed()
    // nonces given back while later ones were in flight, and no later spec came to take them:
    // filled also when the run was stopped, so the txs above them can still be mined
    await this.fillHoles()
  }

  /** Looks at the node in the background; what it finds to mend waits for the next spec. Never rejects. */
  private look(): void {
    this.looking = true
    this.o.mender
      .look()
      .then(
        (mend) => (this.mend ||= mend),
        () => (this.mend = true),
      )
      .finally(() => (this.looking = false))
  }

  /** Fills the nonces refused sends gave back (the signer's later txs wait for them). Never rejects. */
  private async fillHoles(): Promise<void> {
    if (this.o.sender.ledger.holes.length === 0 || this.retired || this.o.health.dead) return
    try {
      await this.o.mender.fillHoles()
    } catch (err) {
      this.o.log.error({ worker: this.o.index, signer: this.address, err: describeError(err) }, 'filling the nonces of refused specs failed')
    }
  }

  /** Resolves when one of the sends in flight has ended (the loop is its only waiter). */
  private landed(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve))
  }

  /** Why a spec cannot be sent at all now (retired, node dead, run cancelled), if so. */
  private refusal(): [code: ErrorCode, message: string] | undefined {
    if (this.retired) return ['WORKER_RETIRED', `worker ${this.o.index} was retired after repeated panics`]
    if (this.o.health.dead) return ['RPC_UNAVAILABLE', outageMessage(this.o.health.budgetMs)]
    if (this.o.cancel.aborted) return ['CANCELLED', 'run cancelled before this spec was sent']
    return undefined
  }

  /**
   * Builds the spec's tx and starts its send (which takes its nonce at once, when one is ready);
   * `done` settles once its result is emitted. Undefined: the spec already ended (refused,
   * not buildable, a panic). Never rejects.
   */
  private async begin(hand: InHand): Promise<{ done: Promise<void> } | undefined> {
    const refused = this.refusal()
    if (refused) {
      this.result(hand, refused[0], refused[1])
      return undefined
    }
    hand.startWall = Date.now()
    hand.start = performance.now()
    let req: TxRequest
    try {
      // a transfer's request comes back at once; estimates, blob and set-code txs are awaited
      const built = specTx(this.o.build, hand.spec, this.o.sender)
      req = built instanceof Promise ? await built : built
    } catch (err) {
      this.failed(hand, err)
      return undefined
    }
    return {
      done: this.o.sender
        .send(req, hand)
        .then(
          () => this.result(hand),
          (err: unknown) => this.failed(hand, err),
        )
        .catch((err: unknown) => this.panic(hand, err)),
    }
  }

  /**
   * A send that failed, a type that cannot be built, a read the send needed (nonce, estimate,
   * fee refresh) that failed: the spec fails with the error's code. Anything else is a bug: a panic.
   */
  private failed(hand: InHand, err: unknown): void {
    if (err instanceof FloodgateError) this.result(hand, err.code, err.message)
    else this.panic(hand, err)
  }

  /**
   * After its last spec, while the run waits for receipts: keep checking that the node still
   * has our txs, mending gaps, until they are all mined or `stop` aborts (the wait ended).
   */
  async settle(stop: AbortSignal): Promise<void> {
    const { mender, sender, health, log } = this.o
    if (this.retired) return
    while (mender.watching && !stop.aborted && !health.dead) {
      await sleep(Math.max(0, sender.ledger.nextCheck - performance.now()), stop)
      if (stop.aborted) return
      try {
        if (await mender.check()) return
        // a check that read the nonce again may have found nonces the node lacks: no spec comes to take them
        await this.fillHoles()
      } catch (err) {
        log.error({ worker: this.o.index, err: describeError(err) }, 'gap check failed')
        return
      }
    }
  }

  private result(hand: InHand, code?: ErrorCode, error?: string): void {
    const { spec } = hand
    // one per spec: assigned field by field in the documented order, no spreads
    const event = { type: 'tx_result', idx: spec.idx, line: spec.line } as Omit<TxResultEvent, 'version'>
    if (spec.id !== undefined) event.id = spec.id
    if (spec.kind !== undefined) event.kind = spec.kind
    event.from = this.address
    event.nonce = hand.nonce
    if (hand.hash) event.tx_hash = hand.hash
    if (hand.raw) event.raw_tx = hand.raw
    event.start_timestamp_ms = hand.startWall
    // the router paced it: its slot's intended send time, on the wall clock (latency from the schedule: docs/events.md)
    const { dueMs, stage } = spec as PacedSpec
    if (dueMs !== undefined) event.scheduled_timestamp_ms = Math.min(hand.startWall, Math.round(hand.startWall - (hand.start - dueMs)))
    if (stage !== undefined) event.stage = stage
    event.send_ms = Math.round((performance.now() - hand.start) * 1000) / 1000
    event.attempts = hand.attempts
    if (code) {
      event.error = error ?? code
      event.error_code = code
    }
    this.o.events.emit(event)
  }

  /** An unexpected throw: report it, fail the spec in hand, resync, and maybe retire. */
  private panic(hand: InHand, err: unknown): void {
    const error = describeError(err)
    const o = this.o
    o.log.error({ worker: o.index, signer: this.address, idx: hand.spec.idx, error }, 'worker panic')
    o.events.emit({ type: 'worker_panic', worker: o.index, signer: this.address, idx: hand.spec.idx, error })
    this.result(hand, 'WORKER_PANIC', error)
    o.sender.ledger.forget()
    const now = performance.now()
    this.panicTimes = this.panicTimes.filter((t) => now - t < this.panicWindowMs)
    this.panicTimes.push(now)
    // sends already in flight may panic after it retired: reported as panics, retired once
    if (!this.retired && this.panicTimes.length >= this.maxPanics) {
      this.retired = true
      o.log.error({ worker: o.index, signer: this.address }, 'worker retired after repeated panics')
      o.events.emit({ type: 'worker_retired', worker: o.index, signer: this.address, panics: this.panicTimes.length })
    }
  }
}
