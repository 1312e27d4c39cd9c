/** The worker loop of one signer: take a spec (paced by the router), send it through the signer's lane, emit its result, recover from a panic. */
import type { Address } from 'viem'
import { describeError, FloodgateError, type ErrorCode } from '../base/errors.js'
import { sleep } from '../base/sleep.js'
import type { DrainingSink } from '../events/eventSink.js'
import { EVENT_VERSION, type TxResultEvent } from '../events/types.js'
import type { Logger } from '../log.js'
import { outageMessage, type NodeHealth } from '../rpc/nodeHealth.js'
import type { SignerLane } from '../sender/signerLane.js'
import type { SendEnd, TxFates } from '../sender/txFates.js'
import type { SendProgress, TxRequest } from '../sender/txRequest.js'
import { SENDER_PLACEHOLDER, type IndexedSpec } from '../stream/spec.js'
import type { BoundedQueue } from './boundedQueue.js'
import type { PacedSpec } from './pacer.js'
import { specTx, type SpecTxOptions } from './specTx.js'

/** Panics within PANIC_WINDOW_MS that retire a worker (docs/architecture.md, "Crashes are contained"). */
const MAX_PANICS = 3
/** A spec the run stopped before sending: not an error code, `tx_result.status: not_sent`. */
const NOT_SENT = 'not_sent'
const PANIC_WINDOW_MS = 60_000

export interface WorkerOptions {
  index: number
  /** The signer's lane: its window (the only owner of its nonces), sender, filler and keeper. */
  lane: SignerLane
  /** How specs become txs (shared by the workers). */
  build: SpecTxOptions
  events: DrainingSink
  /** Where each spec's send's fate goes (the receipt tracker, the chain's load). */
  fates: TxFates
  log: Logger
  /** Aborted when the run is stopped: queued specs then end not sent (`status: not_sent`). */
  cancel: AbortSignal
  /** The worker's specs, filled by the router. */
  queue: BoundedQueue<IndexedSpec>
  /** The endpoint the lane sends through, when the run has several (`tx_result.endpoint`). */
  endpoint?: string
  /** Shared reachability of the node: once it is dead, every spec fails with RPC_UNAVAILABLE. */
  health: NodeHealth
}

/** The spec in hand and what its send did: for its result and for a panic report. */
interface InHand extends SendProgress {
  spec: IndexedSpec
  startWall: number
  start: number
  /** The tx's gas limit, once built (0n before). */
  gas: bigint
}

/**
 * One worker per signer. It builds its specs in arrival order and keeps up to `--in-flight` of
 * their sends outstanding through the signer's sender, the only owner of the signer's nonces,
 * so no lock or shared nonce map is needed. Every spec it takes ends in exactly one `tx_result`.
 */
export class Worker {
  readonly queue: BoundedQueue<IndexedSpec>
  private panicTimes: number[] = []
  /** A look at the node in progress (sends go on meanwhile); `mend`: it found work for a check. */
  private looking = false
  private mend = false
  private retired = false

  /** A send in flight ended (its result is out): its slot is free. */
  private readonly sendEnded = (): void => this.opts.lane.window.ended()

  constructor(private readonly opts: WorkerOptions) {
    this.queue = opts.queue
  }

  get address(): Address {
    return this.opts.lane.sender.address
  }

  get index(): number {
    return this.opts.index
  }

  /**
   * Processes the queue until it is closed and empty: up to the window's size of sends running
   * at once. Each spec's tx is built in input order before its send starts, so the signer's
   * nonces follow the input (bar a refused nonce, which a later spec takes). The node is looked
   * at in the background while sends go on; only when the look finds something to mend does a
   * check run, between sends, with nothing in flight. Never rejects.
   */
  async run(): Promise<void> {
    const { lane, events } = this.opts
    const { window, keeper } = lane
    for (;;) {
      const spec = this.queue.tryShift() ?? (await this.queue.shift())
      if (spec === undefined) break
      if (window.full) await window.room()
      const hand: InHand = { spec, startWall: Date.now(), start: performance.now(), nonce: null, attempts: 0, gas: 0n }
      if (!this.looking && keeper.due(hand.start)) this.look()
      if (this.mend && !this.refusal()) {
        this.mend = false
        await window.drained()
        try {
          await keeper.check()
        } catch (err) {
          // a check that throws is a panic of the spec in hand, which then ends there
          this.panic(hand, err)
          continue
        }
      }
      const sending = await this.begin(hand)
      if (!sending) continue
      window.started()
      if (window.size === 1) {
        await sending.done
        window.ended()
      } else void sending.done.then(this.sendEnded)
      if (events.needsDrain) await events.drained()
    }
    await window.drained()
    // gaps given back while later nonces were in flight, and no later spec came to take them:
    // filled also when the run was stopped, so the txs above them can still be mined
    await this.fillGaps()
  }

  /** Looks at the node in the background; what it finds to mend waits for the next spec. Never rejects. */
  private look(): void {
    this.looking = true
    this.opts.lane.keeper
      .look()
      .then(
        (mend) => (this.mend ||= mend),
        () => (this.mend = true),
      )
      .finally(() => (this.looking = false))
  }

  /** Fills the gaps refused sends left (the signer's later txs wait for them). Never rejects. */
  private async fillGaps(): Promise<void> {
    const { lane } = this.opts
    if (lane.window.kept.gaps.length === 0 || this.retired || this.opts.health.dead) return
    try {
      await lane.filler.fillGaps()
    } catch (err) {
      this.opts.log.error({ worker: this.opts.index, signer: this.address, err: describeError(err) }, 'filling the nonces of refused specs failed')
    }
  }

  /** Why a spec cannot be sent at all now (retired, node dead, run stopped: `NOT_SENT`), if so. */
  private refusal(): [code: ErrorCode | typeof NOT_SENT, message: string] | undefined {
    if (this.retired) return ['WORKER_RETIRED', `worker ${this.opts.index} was retired after repeated panics`]
    if (this.opts.health.dead) return ['RPC_UNAVAILABLE', outageMessage(this.opts.health.budgetMs)]
    if (this.opts.cancel.aborted) return [NOT_SENT, '']
    return undefined
  }

  /**
   * Builds the spec's tx and starts its send (which takes its nonce at once, when one is ready);
   * `done` settles once its result is emitted. Undefined: the spec already ended (refused, not
   * buildable, a panic). Never rejects.
   */
  private async begin(hand: InHand): Promise<{ done: Promise<void> } | undefined> {
    const refused = this.refusal()
    if (refused) {
      if (refused[0] === NOT_SENT) this.notSent(hand)
      else this.result(hand, refused[0], refused[1])
      return undefined
    }
    hand.startWall = Date.now()
    hand.start = performance.now()
    let req: TxRequest
    try {
      // a transfer's request comes back at once; estimates, blob and set-code txs are awaited
      const built = specTx(this.opts.build, hand.spec, this.opts.lane.sender)
      req = built instanceof Promise ? await built : built
      hand.gas = req.fields.gas
    } catch (err) {
      this.failed(hand, err)
      return undefined
    }
    return {
      done: this.opts.lane.sender
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
    // the stop came while the spec waited before its first send (a top-up it asked for): nothing reached the node
    if (err instanceof FloodgateError && err.code === 'CANCELLED' && hand.attempts === 0) this.notSent(hand)
    else if (err instanceof FloodgateError) this.result(hand, err.code, err.message)
    else this.panic(hand, err)
  }

  /**
   * The run stopped before the spec's tx reached the node: its `tx_result` says `status:
   * not_sent`, with no nonce (any it held went back), no hash and no error. Not a failure.
   */
  private notSent(hand: InHand): void {
    hand.nonce = null
    hand.hash = undefined
    hand.raw = undefined
    this.result(hand, undefined, undefined, true)
  }

  /**
   * After its last spec, while the run waits for receipts: keep checking that the node still
   * has our txs, mending what it lost, until they are all mined or `stop` aborts (the wait ended).
   */
  async keepUntilMined(stop: AbortSignal): Promise<void> {
    const { health, log } = this.opts
    const { keeper } = this.opts.lane
    if (this.retired) return
    while (keeper.watching && !stop.aborted && !health.dead) {
      await sleep(Math.max(0, keeper.checkAt - performance.now()), stop)
      if (stop.aborted) return
      try {
        if (await keeper.check()) return
        // a check that read the nonce again may have found nonces the node lacks: no spec comes to take them
        await this.fillGaps()
      } catch (err) {
        log.error({ worker: this.opts.index, err: describeError(err) }, 'gap check failed')
        return
      }
    }
  }

  /** The spec's one `tx_result`, and its fate for whoever follows the tx. */
  private result(hand: InHand, code?: ErrorCode, error?: string, notSent = false): void {
    const { spec } = hand
    // one per spec: assigned field by field in the documented order, no spreads
    const event = { version: EVENT_VERSION, type: 'tx_result', idx: spec.idx, line: spec.line } as TxResultEvent
    const end: SendEnd = { ref: { idx: spec.idx, line: spec.line }, startMs: hand.startWall }
    if (spec.id !== undefined) event.id = end.ref.id = spec.id
    if (spec.kind !== undefined) event.kind = end.ref.kind = spec.kind
    event.from = this.address
    event.nonce = hand.nonce
    if (hand.hash) event.tx_hash = hand.hash
    if (hand.raw) event.raw_tx = hand.raw
    else if (hand.hash && !code) {
      end.hash = hand.hash
      end.gas = hand.gas
      if (hand.tx) end.tx = hand.tx
      // the value that leaves the signer, for the run's spend (a tx to itself moves none)
      if (spec.value > 0n && spec.to !== SENDER_PLACEHOLDER && spec.to.toLowerCase() !== this.address.toLowerCase()) end.value = spec.value
    }
    event.start_timestamp_ms = hand.startWall
    // the router paced it: its slot's intended send time, on the wall clock (latency from the schedule: docs/events.md)
    const { dueMs, stage } = spec as PacedSpec
    if (dueMs !== undefined) event.scheduled_timestamp_ms = end.scheduledMs = Math.min(hand.startWall, Math.round(hand.startWall - (hand.start - dueMs)))
    if (stage !== undefined) event.stage = end.ref.stage = stage
    event.send_ms = Math.round((performance.now() - hand.start) * 1000) / 1000
    event.attempts = hand.attempts
    if (code) {
      event.error = error ?? code
      event.error_code = code
    }
    if (notSent) event.status = 'not_sent'
    if (this.opts.endpoint !== undefined) event.endpoint = this.opts.endpoint
    this.opts.fates.sent(end)
    this.opts.events.emitOwned(event)
  }

  /** An unexpected throw: report it, fail the spec in hand, resync, and maybe retire. */
  private panic(hand: InHand, err: unknown): void {
    const error = describeError(err)
    const opts = this.opts
    opts.log.error({ worker: opts.index, signer: this.address, idx: hand.spec.idx, error }, 'worker panic')
    opts.events.emit({ type: 'worker_panic', worker: opts.index, signer: this.address, idx: hand.spec.idx, error })
    this.result(hand, 'WORKER_PANIC', error)
    opts.lane.window.forget()
    const now = performance.now()
    this.panicTimes = this.panicTimes.filter((t) => now - t < PANIC_WINDOW_MS)
    this.panicTimes.push(now)
    // sends already in flight may panic after it retired: reported as panics, retired once
    if (!this.retired && this.panicTimes.length >= MAX_PANICS) {
      this.retired = true
      opts.log.error({ worker: opts.index, signer: this.address }, 'worker retired after repeated panics')
      opts.events.emit({ type: 'worker_retired', worker: opts.index, signer: this.address, panics: this.panicTimes.length })
    }
  }
}
