import type { Address, Hex, SignedAuthorization } from 'viem'
import { describeError } from '../errors.js'
import type { EventWriter } from '../events/eventWriter.js'
import type { TxResultEvent } from '../events/types.js'
import type { Logger } from '../log.js'
import { buildTx, pinsFee, type TxFields } from '../chain/buildTx.js'
import { classifySendError } from '../chain/classifySendError.js'
import type { FeeOracle } from '../chain/feeOracle.js'
import { TRANSFER_GAS, type GasEstimator } from '../chain/gasEstimator.js'
import { RpcError, TransportError, type Rpc } from '../chain/rpc.js'
import { txHash, type Signer } from '../chain/signer.js'
import { accessListGas, authorize, intrinsicTransferGas, TxTypeError, typeFields, waitForNonce } from './txTypeFields.js'
import { SENDER_PLACEHOLDER, type IndexedSpec } from '../stream/spec.js'
import { BoundedQueue } from './boundedQueue.js'
import type { Pacer } from './pacer.js'
import { sleep } from './sleep.js'

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
}

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
      else if (this.o.cancel.aborted) this.result(hand, 'CANCELLED', 'run cancelled before this spec was sent')
      else {
        try {
          await this.process(hand)
        } catch (err) {
          this.panic(hand, err)
        }
      }
      if (this.o.events.needsDrain) await this.o.events.drained()
    }
  }

  private async process(hand: InHand): Promise<void> {
    const { spec } = hand
    const slot = this.o.pacer.take(this.o.cancel)
    if (slot) await slot
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
      // the last send was a self-authorized set-code tx: wait until it is mined (see waitForNonce)
      const reached = await waitForNonce(o.rpc, from, this.settleNonce, o.cancel)
      if (reached < this.settleNonce) this.nonce = undefined
      this.settleNonce = undefined
    }
    // no calldata: a plain transfer, 21000 (plus its access list), without a call (or a promise) on the
    // hot path; a set-code tx is estimated below, with its authorization (which needs the nonce)
    const gas =
      spec.gasLimit ??
      (spec.txType === 'eip7702' ? undefined : data === undefined || data === '0x' ? intrinsicTransferGas(spec) : (await this.estimate(from, to, spec, data)) + accessListGas(spec))
    this.nonce ??= await this.pendingNonce()
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
        this.advance(nonceStep)
        return
      } catch (err) {
        outcome = classifySendError(err)
      }
      switch (outcome.kind) {
        case 'accepted':
          this.advance(nonceStep)
          return
        case 'rejected':
          throw new SpecFailure(outcome.code, outcome.message)
        case 'fees':
          if (pinsFee(spec, outcome.code) || o.fees.pinned || feeRetries >= MAX_FEE_RETRIES) throw new SpecFailure(outcome.code, outcome.message)
          feeRetries++
          await o.fees.refreshNow()
          signed = undefined
          continue
        case 'nonce': {
          // after a resend, "nonce too low" may well mean our own first copy landed
          if (resends > 0 && (await this.probe(hand.hash!)) === 'known') {
            this.advance(nonceStep)
            return
          }
          if (nonceRetries >= MAX_NONCE_RETRIES) {
            this.nonce = undefined
            throw new SpecFailure(outcome.code, `${outcome.message} (after ${nonceRetries} nonce resyncs)`)
          }
          nonceRetries++
          this.nonce = await this.pendingNonce()
          signed = undefined
          continue
        }
        case 'unknown': {
          const seen = await this.probe(hand.hash!)
          if (seen === 'known') {
            this.advance(nonceStep)
            return
          }
          if (seen === 'absent' && !outcome.resend) throw new SpecFailure(outcome.code, outcome.message)
          if (resends >= o.retries) {
            // it may still land later: read the nonce from the node before the next send
            this.nonce = undefined
            throw new SpecFailure(outcome.code, `${outcome.message} (after ${resends} resends)`)
          }
          resends++
          await sleep(outcome.retryAfterMs ?? backoffMs(resends))
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

  private async pendingNonce(): Promise<number> {
    const n = await this.o.rpc.request<string>('eth_getTransactionCount', [this.o.signer.address, 'pending'])
    return Number(BigInt(n))
  }

  /** Does the node know this tx (pending or mined)? 'unreachable' when we cannot tell. */
  private async probe(hash: Hex): Promise<'known' | 'absent' | 'unreachable'> {
    try {
      const tx = await this.o.rpc.request<unknown>('eth_getTransactionByHash', [hash])
      return tx ? 'known' : 'absent'
    } catch {
      return 'unreachable'
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

function backoffMs(attempt: number): number {
  const base = Math.min(2_000, 100 * 2 ** (attempt - 1))
  return base / 2 + Math.random() * (base / 2)
}
