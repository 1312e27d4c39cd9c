/** The worker loop of one signer: take a spec (paced by the router), send it through the signer's sender, emit its result, recover from a panic. */
import type { Address } from 'viem'
import { describeError, FloodgateError, type ErrorCode } from '../base/errors.js'
import { sleep } from '../base/sleep.js'
import type { EventWriter } from '../events/eventWriter.js'
import { EVENT_VERSION, type TxResultEvent } from '../events/types.js'
import type { Logger } from '../log.js'
import type { NodeHealth } from '../rpc/nodeHealth.js'
import type { GapMender } from '../sender/gapMender.js'
import { outageMessage, type SendProgress, type SignerSender } from '../sender/signerSender.js'
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
 * One worker per signer. It sends its specs one at a time, in arrival order, through the
 * signer's sender, so no lock or shared nonce map is needed. Every spec it takes ends in
 * exactly one `tx_result`.
 */
export class Worker {
  readonly queue: BoundedQueue<IndexedSpec>
  private panicTimes: number[] = []
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
   * Processes the queue until it is closed and empty: up to the sender's window of specs in
   * flight at once. Gap checks run between sends, with nothing in flight. Never rejects.
   */
  async run(): Promise<void> {
    const { sender, mender, events } = this.o
    // sends in flight: a count and one waiter (the loop), not a set raced per spec
    let flying = 0
    let freed: (() => void) | undefined
    const landed = (): void => {
      flying--
      const f = freed
      freed = undefined
      f?.()
    }
    const oneLanded = (): Promise<void> => new Promise<void>((r) => (freed = r))
    for (;;) {
      const spec = this.queue.tryShift() ?? (await this.queue.shift())
      if (spec === undefined) break
      while (flying >= sender.window) await oneLanded()
      const hand: InHand = { spec, startWall: Date.now(), start: performance.now(), nonce: null, attempts: 0 }
      if (mender.due(hand.start) && !this.refusal()) {
        while (flying > 0) await oneLanded()
        // a check that throws is a panic of the spec in hand, which then ends there
        if (!(await this.guard(hand, () => mender.check()))) continue
      }
      const sending = this.handle(hand)
      if (sender.window === 1 && flying === 0) await sending
      else {
        flying++
        void sending.then(landed)
      }
      if (events.needsDrain) await events.drained()
    }
    while (flying > 0) await oneLanded()
    // nonces given back while later ones were in flight, and no later spec came to take them
    if (sender.ledger.holes.length > 0 && !this.refusal()) {
      try {
        await mender.fillHoles()
      } catch (err) {
        this.o.log.error({ worker: this.o.index, signer: this.address, err: describeError(err) }, 'filling the nonces of refused specs failed')
      }
    }
  }

  /**
   * One spec to its result: built, sent, reported. Never rejects: an unexpected throw is a
   * panic of this spec. (One async step per spec: this runs for every tx.)
   */
  private async handle(hand: InHand): Promise<void> {
    const early = this.refusal()
    if (early) return this.result(hand, early[0], early[1])
    hand.startWall = Date.now()
    hand.start = performance.now()
    try {
      try {
        const req = specTx(this.o.build, hand.spec, this.o.sender)
        await this.o.sender.send(req instanceof Promise ? await req : req, hand)
        this.result(hand)
      } catch (err) {
        // a send that failed, a type that cannot be built, a read the send needed (nonce,
        // estimate, fee refresh) that failed: the spec fails with the error's code, no bug
        if (!(err instanceof FloodgateError)) throw err
        this.result(hand, err.code, err.message)
      }
    } catch (err) {
      this.panic(hand, err)
    }
  }

  /** Runs `step`; an unexpected throw is a panic of the spec in hand (false). */
  private async guard(hand: InHand, step: () => Promise<unknown>): Promise<boolean> {
    try {
      await step()
      return true
    } catch (err) {
      this.panic(hand, err)
      return false
    }
  }

  /** Why a spec cannot be sent at all now (retired, node dead, run cancelled), if so. */
  private refusal(): [code: ErrorCode, message: string] | undefined {
    if (this.retired) return ['WORKER_RETIRED', `worker ${this.o.index} was retired after repeated panics`]
    if (this.o.health.dead) return ['RPC_UNAVAILABLE', outageMessage(this.o.health.budgetMs)]
    if (this.o.cancel.aborted) return ['CANCELLED', 'run cancelled before this spec was sent']
    return undefined
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
      } catch (err) {
        log.error({ worker: this.o.index, err: describeError(err) }, 'gap check failed')
        return
      }
    }
  }

  private result(hand: InHand, code?: ErrorCode, error?: string): void {
    const { spec } = hand
    // one per spec: assigned field by field in the documented order, no spreads
    const event = { version: EVENT_VERSION, type: 'tx_result', idx: spec.idx, line: spec.line } as TxResultEvent
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
    this.o.events.emitOwned(event)
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
    if (this.panicTimes.length >= this.maxPanics) {
      this.retired = true
      o.log.error({ worker: o.index, signer: this.address }, 'worker retired after repeated panics')
      o.events.emit({ type: 'worker_retired', worker: o.index, signer: this.address, panics: this.panicTimes.length })
    }
  }
}
