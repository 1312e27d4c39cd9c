import type { Address, Hex, SignedAuthorization } from 'viem'
import { describeError } from '../base/errors.js'
import type { EventWriter } from '../events/eventWriter.js'
import type { NonceGapFilledEvent, TxResultEvent } from '../events/types.js'
import type { Logger } from '../log.js'
import { buildTx, pinsFee, type TxFields } from '../tx/buildTx.js'
import { classifySendError } from '../rpc/classifySendError.js'
import type { FeeOracle, FeeSnapshot } from '../chain/feeOracle.js'
import type { NodeHealth } from '../rpc/nodeHealth.js'
import { TRANSFER_GAS, type GasEstimator } from '../tx/gasEstimator.js'
import { isPermanentRpcError, RpcError, TransportError, type Rpc } from '../rpc/rpc.js'
import { txHash, type Signer } from '../tx/signer.js'
import { accessListGas, authorize, intrinsicTransferGas, SET_CODE_SETTLE_MS, SET_CODE_SETTLE_POLL_MS, TxTypeError, typeFields } from '../tx/txTypeFields.js'
import { untilMined } from '../chain/untilMined.js'
import { SENDER_PLACEHOLDER, type IndexedSpec } from '../stream/spec.js'
import { BoundedQueue } from './boundedQueue.js'
import type { Pacer } from './pacer.js'
import { sleep } from '../base/sleep.js'

export interface WorkerOptions {
  index: number
  signer: Signer
  chainId: number
  rpc: Rpc
  fees: FeeOracle
  gas: GasEstimator
  pacer: Pacer
  events: EventWriter
  log: Logger
  /** Resends of the same signed bytes after a transport failure. */
  retries: number
  /** Build and sign only; `tx_result` carries the raw tx. */
  dryRun: boolean
  /** Aborted when the run is cancelled: queued specs then end as CANCELLED. */
  cancel: AbortSignal
  queueCapacity: number
  /** Panics within `panicWindowMs` that retire the worker (default 3 in 60 s). */
  maxPanics?: number
  panicWindowMs?: number
  /** Shared reachability of the node: outages are waited out up to its budget (`--rpc-timeout`). */
  health: NodeHealth
  /**
   * How often the worker compares the node's pending nonce of its signer with its own, to find
   * a tx of ours the node lost (dropped from the pool, a restart). 0: never (and no settle).
   */
  gapCheckMs: number
}

/** A sent tx the node accepted and that was not yet seen mined: the bytes to rebroadcast. */
interface Unmined {
  /** The signed bytes to rebroadcast; not kept for blob txs (≈256 KiB a blob with its sidecar). */
  raw?: Hex
  hash: Hex
  idx: number
  id?: string
}

/** Unmined txs a worker remembers at most (older ones are forgotten; a lost one is then filled, not rebroadcast). */
const MAX_UNMINED = 4_096
/** Signed txs longer than this (hex characters: blob txs) are not kept for rebroadcast: a lost one is filled. */
const MAX_KEPT_RAW = 64 * 1024

/** Rebuild-and-retry bounds for fee and nonce problems. */
const MAX_FEE_RETRIES = 3
const MAX_NONCE_RETRIES = 3

/** A failure that ends one spec but is not a bug: the worker goes on. */
class SpecFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** What the worker knows of the spec in hand, for the result and for a panic report. */
interface InHand {
  spec: IndexedSpec
  startWall: number
  start: number
  nonce: number | null
  hash?: Hex
  raw?: Hex
  attempts: number
}

/**
 * One worker per signer. It alone owns the signer's nonce and sends its specs one at a
 * time, in arrival order, so no lock or shared nonce map is needed. The nonce advances
 * only on an accepted send and is reused when the node rejects one, so no gap is left.
 */
export class Worker {
  readonly queue: BoundedQueue<IndexedSpec>
  private nonce: number | undefined
  /** Set after an accepted self-authorized set-code tx: the nonce the node must reach before the next send. */
  private settleNonce: number | undefined
  /** Accepted txs by nonce, until seen mined (pruned at each gap check). */
  private readonly unmined = new Map<number, Unmined>()
  /** The nonce whose tx was rebroadcast at the last gap check, if the node lacked it. */
  private rebroadcastNonce: number | undefined
  /** The nonce whose filler the node refused last (logged once). */
  private fillRefusedNonce: number | undefined
  private nextGapCheck = 0
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
    return this.o.signer.address
  }

  get index(): number {
    return this.o.index
  }

  /** Processes the queue until it is closed and empty. Never rejects. */
  async run(): Promise<void> {
    for (;;) {
      const spec = this.queue.tryShift() ?? (await this.queue.shift())
      if (spec === undefined) return
      const hand: InHand = { spec, startWall: Date.now(), start: performance.now(), nonce: null, attempts: 0 }
      if (this.retired) this.result(hand, 'WORKER_RETIRED', `worker ${this.o.index} was retired after repeated panics`)
      else if (this.o.health.dead) this.result(hand, 'RPC_UNAVAILABLE', this.deadMessage())
      else if (this.o.cancel.aborted) this.result(hand, 'CANCELLED', 'run cancelled before this spec was sent')
      else {
        try {
          // not per tx: a time comparison per spec, a check every gapCheckMs
          if (this.o.gapCheckMs > 0 && hand.start >= this.nextGapCheck && this.unmined.size > 0) await this.checkGaps()
          await this.process(hand)
        } catch (err) {
          this.panic(hand, err)
        }
      }
      if (this.o.events.needsDrain) await this.o.events.drained()
    }
  }

  private deadMessage(): string {
    return `the node was unreachable for longer than --rpc-timeout (${this.o.health.budgetMs} ms)`
  }

  private async process(hand: InHand): Promise<void> {
    const slot = this.o.pacer.take(this.o.cancel)
    if (slot) await slot
    if (this.o.health.dead) return this.result(hand, 'RPC_UNAVAILABLE', this.deadMessage())
    if (this.o.cancel.aborted) return this.result(hand, 'CANCELLED', 'run cancelled before this spec was sent')
    hand.startWall = Date.now()
    hand.start = performance.now()
    try {
      await this.send(hand)
      this.result(hand)
    } catch (err) {
      if (err instanceof SpecFailure || err instanceof TxTypeError) return this.result(hand, err.code, err.message)
      // a read the worker needed (nonce, estimate, fee refresh) failed: not a bug
      if (err instanceof TransportError) return this.result(hand, 'RPC_UNAVAILABLE', err.message)
      if (err instanceof RpcError) return this.result(hand, 'RPC_ERROR', err.message)
      throw err
    }
  }

  /** Builds, signs and sends `hand.spec` until it is accepted; throws SpecFailure when it cannot be. */
  private async send(hand: InHand): Promise<void> {
    const { spec } = hand
    const o = this.o
    const from = o.signer.address
    const to = spec.to === SENDER_PLACEHOLDER ? from : spec.to
    const data = typeof spec.calldata === 'function' ? spec.calldata(from) : spec.calldata
    if (this.settleNonce !== undefined) {
      // the last send was a self-authorized set-code tx: wait until it is mined (see SET_CODE_SETTLE_MS);
      // the reads go through the worker's own retries and outage handling
      const reached = await untilMined(() => this.nonceAt('latest'), this.settleNonce, { timeoutMs: SET_CODE_SETTLE_MS, pollMs: SET_CODE_SETTLE_POLL_MS, signal: o.cancel })
      if (reached < this.settleNonce) this.nonce = undefined
      this.settleNonce = undefined
    }
    // no calldata: a plain transfer, 21000 (plus its access list), without a call (or a promise) on the
    // hot path; a set-code tx is estimated below, with its authorization (which needs the nonce)
    const gas =
      spec.gasLimit ??
      (spec.txType === 'eip7702' ? undefined : data === undefined || data === '0x' ? intrinsicTransferGas(spec) : (await this.estimate(from, to, spec, data)) + accessListGas(spec))
    this.nonce ??= await this.nonceAt('pending')
    // the spec's part of the tx, built once (no spreads: this runs for every tx)
    const fields: TxFields = { chainId: o.chainId, nonce: this.nonce, to, value: spec.value, gas: gas ?? TRANSFER_GAS }
    if (data !== undefined) fields.data = data
    if (spec.accessList) fields.accessList = spec.accessList
    if (spec.maxFeePerGas !== undefined) fields.maxFeePerGas = spec.maxFeePerGas
    if (spec.maxPriorityFeePerGas !== undefined) fields.maxPriorityFeePerGas = spec.maxPriorityFeePerGas
    if (spec.txType !== undefined) {
      fields.txType = spec.txType
      if (spec.txType === 'eip4844' || spec.txType === 'eip7702') await typeFields(fields, spec, o.signer, o.fees.current)
    }
    if (gas === undefined) {
      fields.gas = data === undefined || data === '0x' ? intrinsicTransferGas(fields) : (await this.estimate(from, to, spec, data, fields.authorizationList)) + accessListGas(fields)
    }

    // a set-code tx whose sender authorizes itself spends two nonces: the tx's, then the authorization's
    const nonceStep = 1 + (fields.authorizationList?.length ?? 0)
    let feeRetries = 0
    let nonceRetries = 0
    let resends = 0
    /** When this tx's fate first became unknown (no definite answer, the node not asked yet). */
    let unknownSince: number | undefined
    /** A send of this spec got no definite answer: its tx may be in the node. */
    let ambiguous = false
    let signed: Hex | undefined
    for (;;) {
      if (signed === undefined) {
        // a set-code tx's authorization carries the sender's nonce after this tx's
        if (fields.authorizationList && fields.nonce !== this.nonce) fields.authorizationList = [await authorize(o.signer, o.chainId, spec, this.nonce + 1)]
        fields.nonce = this.nonce
        const tx = buildTx(fields, o.fees.current)
        if (o.signer.signNow) {
          const s = o.signer.signNow(tx)
          signed = s.raw
          hand.hash = s.hash
        } else {
          signed = await o.signer.signTransaction(tx)
          hand.hash = txHash(signed)
        }
        hand.nonce = this.nonce
        if (o.dryRun) {
          hand.raw = signed
          this.advance(nonceStep)
          return
        }
      }
      hand.attempts++
      let outcome
      try {
        await o.rpc.request('eth_sendRawTransaction', [signed])
        o.health.ok()
        this.accepted(hand, signed, nonceStep)
        return
      } catch (err) {
        if (err instanceof TransportError) {
          o.health.failed()
          this.nextGapCheck = 0 // the node may have lost txs of ours meanwhile: check before the next spec
        } else if (err instanceof RpcError) o.health.ok()
        outcome = classifySendError(err)
      }
      // After a send without a definite answer, a definite refusal of a later copy ("nonce too
      // low": the first copy may have been mined) does not mean the node lacks the tx. Only
      // the node saying so lets the worker fail the spec or rebuild it; else the tx would land
      // unreported, under a failed spec or beside a rebuilt one (a nonce used twice over).
      if (ambiguous && outcome.kind !== 'accepted' && outcome.kind !== 'unknown') {
        const seen = await this.probeUntilSure(hand.hash!)
        if (seen === 'known') {
          this.accepted(hand, signed, nonceStep)
          return
        }
        if (seen === 'unreachable') {
          this.nonce = undefined
          throw new SpecFailure('RPC_UNAVAILABLE', `${outcome.message}; the node could not say whether it has the earlier copy of this tx`)
        }
        ambiguous = false
      }
      switch (outcome.kind) {
        case 'accepted':
          this.accepted(hand, signed, nonceStep)
          return
        case 'rejected':
          throw new SpecFailure(outcome.code, outcome.message)
        case 'fees':
          if (pinsFee(spec, outcome.code) || o.fees.pinned || feeRetries >= MAX_FEE_RETRIES) throw new SpecFailure(outcome.code, outcome.message)
          feeRetries++
          try {
            await o.fees.refreshNow()
          } catch (err) {
            // no fresh fees now: the next try is built with the last ones (and counted)
            if (!(err instanceof TransportError || err instanceof RpcError)) throw err
          }
          signed = undefined
          continue
        case 'nonce': {
          if (nonceRetries >= MAX_NONCE_RETRIES) {
            this.nonce = undefined
            throw new SpecFailure(outcome.code, `${outcome.message} (after ${nonceRetries} nonce resyncs)`)
          }
          nonceRetries++
          this.nonce = await this.nonceAt('pending')
          signed = undefined
          continue
        }
        case 'unknown': {
          ambiguous = true
          const seen = await this.probe(hand.hash!)
          if (seen === 'known') {
            this.accepted(hand, signed, nonceStep)
            return
          }
          if (seen === 'absent' && !outcome.resend) throw new SpecFailure(outcome.code, outcome.message)
          if (o.health.dead) {
            // it may still land later: read the nonce from the node before the next send
            this.nonce = undefined
            throw new SpecFailure('RPC_UNAVAILABLE', `${outcome.message}; ${this.deadMessage()}`)
          }
          // The fate of the tx decides, not a count alone: while the node has not said it lacks
          // the tx (probe 'absent'), giving up would leave a tx that may land under a failed
          // spec, and a nonce the worker cannot know. So: resend the same bytes while the node
          // is down (up to the outage budget), or the tx's fate is unknown (up to the same
          // budget), or within --retries.
          if (seen === 'absent') unknownSince = undefined
          else unknownSince ??= performance.now()
          const unresolved = unknownSince !== undefined && performance.now() - unknownSince < o.health.budgetMs
          if (resends >= o.retries && !o.health.down && !unresolved) {
            this.nonce = undefined
            throw new SpecFailure(outcome.code, `${outcome.message} (after ${resends} resends)`)
          }
          resends++
          await sleep(outcome.retryAfterMs ?? backoffMs(resends), o.cancel)
          continue
        }
      }
    }
  }

  /** An accepted send: the next nonce; after a set-code tx the next send first waits for it to be mined. */
  private advance(step: number): void {
    this.nonce! += step
    if (step > 1 && !this.o.dryRun) this.settleNonce = this.nonce
  }

  private async estimate(from: Address, to: Address, spec: IndexedSpec, data: Hex | undefined, authorizationList?: SignedAuthorization[]): Promise<bigint> {
    try {
      return await this.o.gas.limitFor({
        from,
        to,
        toIsSender: spec.to === SENDER_PLACEHOLDER,
        value: spec.value,
        ...(data !== undefined ? { data } : {}),
        ...(spec.selector !== undefined ? { selector: spec.selector } : {}),
        ...(authorizationList !== undefined ? { authorizationList } : {}),
      })
    } catch (err) {
      if (err instanceof RpcError) throw new SpecFailure('GAS_ESTIMATION_FAILED', `eth_estimateGas: ${err.message}`)
      throw err
    }
  }

  private async nonceAt(tag: 'pending' | 'latest'): Promise<number> {
    const n = await this.read<string>('eth_getTransactionCount', [this.o.signer.address, tag])
    return Number(BigInt(n))
  }

  /**
   * A read the worker needs: through a transient failure it is retried (--retries times), and
   * through an outage for as long as the node is down within its budget. Then it throws.
   */
  private async read<T>(method: string, params: readonly unknown[]): Promise<T> {
    const o = this.o
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await o.rpc.request<T>(method, params)
        o.health.ok()
        return r
      } catch (err) {
        if (err instanceof RpcError) {
          // an error answer to a read of a nonce or a tx is the server's trouble, unless the
          // method or its params are wrong: worth the same retries as a lost answer
          o.health.ok()
          if (isPermanentRpcError(err) || attempt > o.retries || o.cancel.aborted) throw err
          await sleep(backoffMs(attempt), o.cancel)
          continue
        }
        if (!(err instanceof TransportError)) throw err
        o.health.failed()
        this.nextGapCheck = 0
        if (o.health.dead || o.cancel.aborted || (attempt > o.retries && !o.health.down)) throw err
        await sleep(backoffMs(attempt), o.cancel)
      }
    }
  }

  /** Does the node know this tx (pending or mined)? 'unreachable' when we cannot tell. */
  private async probe(hash: Hex): Promise<'known' | 'absent' | 'unreachable'> {
    try {
      const tx = await this.o.rpc.request<unknown>('eth_getTransactionByHash', [hash])
      this.o.health.ok()
      return tx ? 'known' : 'absent'
    } catch (err) {
      if (err instanceof TransportError) this.o.health.failed()
      return 'unreachable'
    }
  }

  /** Asks the node for a tx until it says yes or no (backoff), within the outage budget. */
  private async probeUntilSure(hash: Hex): Promise<'known' | 'absent' | 'unreachable'> {
    const since = performance.now()
    for (let attempt = 1; ; attempt++) {
      const seen = await this.probe(hash)
      if (seen !== 'unreachable' || this.o.health.dead || this.o.cancel.aborted || performance.now() - since > this.o.health.budgetMs) return seen
      await sleep(backoffMs(attempt), this.o.cancel)
    }
  }

  /**
   * The node has the tx: the nonce advances (by 2 after a self-authorized set-code tx), and
   * the bytes are kept until the tx is seen mined.
   */
  private accepted(hand: InHand, raw: Hex, step: number): void {
    const nonce = this.nonce!
    this.advance(step)
    if (this.o.gapCheckMs <= 0) return
    const u: Unmined = { hash: hand.hash!, idx: hand.spec.idx }
    if (raw.length <= MAX_KEPT_RAW) u.raw = raw
    if (hand.spec.id !== undefined) u.id = hand.spec.id
    this.unmined.set(nonce, u)
    if (this.unmined.size > MAX_UNMINED) this.unmined.delete(this.unmined.keys().next().value!)
  }

  /**
   * Finds a tx of ours the node lost, and mends the gap it leaves: the node's pending nonce
   * (mined + contiguous pool txs) below ours means the node lacks the tx at that nonce, and
   * every later tx of ours waits behind it forever. First the same signed bytes are
   * rebroadcast (all of ours from the gap on, in nonce order: a restarted node lost them
   * all); if at the next check the node still lacks that nonce, a zero-value self-transfer
   * with a bumped fee takes it (`nonce_gap_filled`). Runs in the worker, between its sends:
   * the signer's sends stay serial. Returns true when everything sent is mined.
   */
  private async checkGaps(): Promise<boolean> {
    const o = this.o
    this.nextGapCheck = performance.now() + o.gapCheckMs
    // a set-code tx not yet mined holds its authorization's nonce too, which the node counts
    // only once the tx is mined: that nonce is no gap of ours to fill
    const mine = this.nonce === undefined ? undefined : this.settleNonce !== undefined ? this.nonce - 1 : this.nonce
    if (mine === undefined) return this.unmined.size === 0 // resynced before the next send anyway
    let latest: number
    let pending: number
    try {
      latest = await this.nonceAt('latest')
      pending = await this.nonceAt('pending')
    } catch (err) {
      if (err instanceof TransportError || err instanceof RpcError) return false
      throw err
    }
    for (const n of this.unmined.keys()) {
      if (n >= latest) break // insertion order is nonce order
      this.unmined.delete(n)
    }
    if (latest >= mine) {
      this.unmined.clear()
      this.rebroadcastNonce = undefined
      return true
    }
    if (pending >= mine) {
      this.rebroadcastNonce = undefined
      return false
    }
    // the node counts our txs up to `pending` only: it lacks the next one, or holds it without
    // being able to run it (its fee or our balance no longer suffices: nothing to mend here)
    const gap = pending
    const lost = this.unmined.get(gap)
    if (lost) {
      const seen = await this.probe(lost.hash)
      if (seen === 'unreachable') return false
      if (seen === 'known') {
        this.rebroadcastNonce = undefined
        return false
      }
    }
    if (lost?.raw && this.rebroadcastNonce !== gap) {
      o.log.warn({ worker: o.index, signer: o.signer.address, nonce: gap, pending, ours: mine }, 'the node lost txs of ours: rebroadcasting the same signed bytes')
      for (let n = gap; n < mine; n++) {
        const u = this.unmined.get(n)
        if (!u?.raw) continue
        const r = await this.rebroadcast(u.raw)
        if (r === 'unreachable') return false
        if (r === 'refused' && n === gap) break // the gap stays: filled at the next check
      }
      this.rebroadcastNonce = gap
      return false
    }
    await this.fillGap(gap, lost)
    return false
  }

  /** Sends bytes the node had before once more. */
  private async rebroadcast(raw: Hex): Promise<'ok' | 'refused' | 'unreachable'> {
    try {
      await this.o.rpc.request('eth_sendRawTransaction', [raw])
      this.o.health.ok()
      return 'ok'
    } catch (err) {
      if (err instanceof TransportError) {
        this.o.health.failed()
        return 'unreachable'
      }
      const outcome = classifySendError(err)
      this.o.health.ok()
      // accepted (already known) or nonce too low (it was mined meanwhile): nothing lacks
      return outcome.kind === 'accepted' || outcome.kind === 'nonce' ? 'ok' : 'refused'
    }
  }

  /** Takes nonce `gap` with a zero-value transfer to ourselves, above any fee a lost copy had. */
  private async fillGap(gap: number, lost: Unmined | undefined): Promise<void> {
    const o = this.o
    const from = o.signer.address
    const tx = buildTx({ chainId: o.chainId, nonce: gap, to: from, value: 0n, gas: 21_000n }, bumped(o.fees.current))
    let raw: Hex
    let hash: Hex
    if (o.signer.signNow) ({ raw, hash } = o.signer.signNow(tx))
    else {
      raw = await o.signer.signTransaction(tx)
      hash = txHash(raw)
    }
    let r = await this.rebroadcast(raw)
    // no answer: the filler may have reached the node all the same (then it is reported)
    if (r === 'unreachable' && (await this.probeUntilSure(hash)) === 'known') r = 'ok'
    if (r !== 'ok') {
      if (this.fillRefusedNonce !== gap) o.log.warn({ worker: o.index, signer: from, nonce: gap, result: r }, 'nonce gap: the filler was not accepted; trying again at each check')
      this.fillRefusedNonce = gap
      return
    }
    this.rebroadcastNonce = undefined
    const filler: Unmined = { raw, hash, idx: -1 }
    this.unmined.set(gap, filler)
    o.log.warn({ worker: o.index, signer: from, nonce: gap, tx_hash: hash, ...(lost ? { lost_tx_hash: lost.hash, idx: lost.idx } : {}) }, 'nonce gap filled with a zero-value self-transfer')
    const event: Omit<NonceGapFilledEvent, 'version'> = { type: 'nonce_gap_filled', worker: o.index, signer: from, nonce: gap, tx_hash: hash }
    if (lost && lost.idx >= 0) {
      event.lost_tx_hash = lost.hash
      event.idx = lost.idx
      if (lost.id !== undefined) event.id = lost.id
    }
    o.events.emit(event)
  }

  /**
   * After its last spec, while the run waits for receipts: keep checking that the node still
   * has our txs, mending gaps, until they are all mined or `stop` aborts (the wait ended).
   */
  async settle(stop: AbortSignal): Promise<void> {
    const o = this.o
    if (o.gapCheckMs <= 0 || o.dryRun || this.retired) return
    while (this.unmined.size > 0 && !stop.aborted && !o.health.dead) {
      await sleep(Math.max(0, this.nextGapCheck - performance.now()), stop)
      if (stop.aborted) return
      try {
        if (await this.checkGaps()) return
      } catch (err) {
        o.log.error({ worker: o.index, err: describeError(err) }, 'gap check failed')
        return
      }
    }
  }

  private result(hand: InHand, code?: string, error?: string): void {
    const { spec } = hand
    // one per spec: assigned field by field in the documented order, no spreads
    const event = { type: 'tx_result', idx: spec.idx, line: spec.line } as Omit<TxResultEvent, 'version'>
    if (spec.id !== undefined) event.id = spec.id
    if (spec.kind !== undefined) event.kind = spec.kind
    event.from = this.o.signer.address
    event.nonce = hand.nonce
    if (hand.hash) event.tx_hash = hand.hash
    if (hand.raw) event.raw_tx = hand.raw
    event.start_timestamp_ms = hand.startWall
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
    o.log.error({ worker: o.index, signer: o.signer.address, idx: hand.spec.idx, error }, 'worker panic')
    o.events.emit({ type: 'worker_panic', worker: o.index, signer: o.signer.address, idx: hand.spec.idx, error })
    this.result(hand, 'WORKER_PANIC', error)
    this.nonce = undefined
    const now = performance.now()
    this.panicTimes = this.panicTimes.filter((t) => now - t < this.panicWindowMs)
    this.panicTimes.push(now)
    if (this.panicTimes.length >= this.maxPanics) {
      this.retired = true
      o.log.error({ worker: o.index, signer: o.signer.address }, 'worker retired after repeated panics')
      o.events.emit({ type: 'worker_retired', worker: o.index, signer: o.signer.address, panics: this.panicTimes.length })
    }
  }
}

/** Fees that replace a tx built from an older snapshot: twice the current ones, plus 1 wei. */
function bumped(f: FeeSnapshot): FeeSnapshot {
  if (f.type === 'eip1559') {
    return { ...f, maxFeePerGas: f.maxFeePerGas * 2n + 1n, maxPriorityFeePerGas: f.maxPriorityFeePerGas * 2n + 1n }
  }
  return { ...f, gasPrice: f.gasPrice * 2n + 1n }
}

function backoffMs(attempt: number): number {
  const base = Math.min(2_000, 100 * 2 ** (attempt - 1))
  return base / 2 + Math.random() * (base / 2)
}
