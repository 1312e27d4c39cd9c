/** Finds txs of a signer the node lost and mends the gap: rebroadcast the same bytes, else fill the nonce. */
import type { Hex } from 'viem'
import type { EventWriter } from '../events/eventWriter.js'
import type { NonceGapFilledEvent } from '../events/types.js'
import type { Logger } from '../log.js'
import { RpcError, TransportError } from '../rpc/rpc.js'
import type { FeeSnapshot } from '../tx/fees.js'
import type { Unmined } from './nonceLedger.js'
import type { SignerSender } from './signerSender.js'

export interface GapMenderOptions {
  sender: SignerSender
  /** The worker's index, for logs and events. */
  worker: number
  /** How often to check, in ms. */
  everyMs: number
  events: EventWriter
  log: Logger
}

/**
 * The node's pending nonce (mined + contiguous pool txs) below ours means the node lacks the tx
 * at that nonce, and every later tx of ours waits behind it forever. First the same signed
 * bytes are rebroadcast (all of ours from the gap on, in nonce order: a restarted node lost
 * them all); if at the next check the node still lacks that nonce, a zero-value self-transfer
 * with a bumped fee takes it (`nonce_gap_filled`). Runs between the signer's sends: they stay serial.
 */
export class GapMender {
  /** The nonce whose tx was rebroadcast at the last check, if the node lacked it. */
  private rebroadcastNonce: number | undefined
  /** The nonce whose filler the node refused last (logged once). */
  private fillRefusedNonce: number | undefined

  constructor(private readonly o: GapMenderOptions) {}

  /** Is a check due (a time comparison per spec, a check every `everyMs`)? */
  due(now: number): boolean {
    const l = this.o.sender.ledger
    return this.o.everyMs > 0 && now >= l.nextCheck && l.unmined.size > 0
  }

  /** Are there sent txs to watch until they are mined? */
  get watching(): boolean {
    return this.o.everyMs > 0 && this.o.sender.ledger.unmined.size > 0
  }

  /** Checks once and mends what it finds. Resolves true when everything sent is mined. */
  async check(): Promise<boolean> {
    const { sender } = this.o
    const ledger = sender.ledger
    ledger.nextCheck = performance.now() + this.o.everyMs
    const mine = ledger.counted
    if (mine === undefined) return ledger.unmined.size === 0 // resynced before the next send anyway
    let latest: number
    let pending: number
    try {
      latest = await sender.nonceAt('latest')
      pending = await sender.nonceAt('pending')
    } catch (err) {
      if (err instanceof TransportError || err instanceof RpcError) return false
      throw err
    }
    ledger.minedBelow(latest)
    if (latest >= mine) {
      ledger.unmined.clear()
      this.rebroadcastNonce = undefined
      return true
    }
    if (pending >= mine) {
      this.rebroadcastNonce = undefined
      return false
    }
    // the node counts our txs up to `pending` only: it lacks the next one, or holds it without
    // being able to run it (its fee or our balance no longer suffices: nothing to mend here)
    await this.mend(pending, mine)
    return false
  }

  private async mend(gap: number, mine: number): Promise<void> {
    const { sender } = this.o
    const lost = sender.ledger.unmined.get(gap)
    if (lost) {
      const seen = await sender.o.reads.probe(lost.hash)
      if (seen === 'unreachable') return
      if (seen === 'known') {
        this.rebroadcastNonce = undefined
        return
      }
    }
    if (lost?.raw && this.rebroadcastNonce !== gap) return this.rebroadcastFrom(gap, mine)
    await this.fill(gap, lost)
  }

  private async rebroadcastFrom(gap: number, mine: number): Promise<void> {
    const { sender, log } = this.o
    log.warn({ worker: this.o.worker, signer: sender.address, nonce: gap, ours: mine }, 'the node lost txs of ours: rebroadcasting the same signed bytes')
    for (let n = gap; n < mine; n++) {
      const u = sender.ledger.unmined.get(n)
      if (!u?.raw) continue
      const r = await sender.rebroadcast(u.raw)
      if (r === 'unreachable') return
      if (r === 'refused' && n === gap) break // the gap stays: filled at the next check
    }
    this.rebroadcastNonce = gap
  }

  /** Takes nonce `gap` with a zero-value transfer to ourselves, above any fee a lost copy had. */
  private async fill(gap: number, lost: Unmined | undefined): Promise<void> {
    const { sender, log } = this.o
    const from = sender.address
    const { result, hash, raw } = await sender.sendAt({ chainId: sender.o.chainId, nonce: gap, to: from, value: 0n, gas: 21_000n }, bumped(sender.o.fees.current))
    if (result !== 'ok') {
      if (this.fillRefusedNonce !== gap) log.warn({ worker: this.o.worker, signer: from, nonce: gap, result }, 'nonce gap: the filler was not accepted; trying again at each check')
      this.fillRefusedNonce = gap
      return
    }
    this.rebroadcastNonce = undefined
    sender.ledger.remember(gap, { raw, hash, idx: -1 })
    log.warn({ worker: this.o.worker, signer: from, nonce: gap, tx_hash: hash, ...(lost ? { lost_tx_hash: lost.hash, idx: lost.idx } : {}) }, 'nonce gap filled with a zero-value self-transfer')
    this.o.events.emit(gapFilledEvent(this.o.worker, from, gap, hash, lost))
  }
}

function gapFilledEvent(worker: number, signer: Hex, nonce: number, hash: Hex, lost: Unmined | undefined): Omit<NonceGapFilledEvent, 'version'> {
  const event: Omit<NonceGapFilledEvent, 'version'> = { type: 'nonce_gap_filled', worker, signer, nonce, tx_hash: hash }
  if (lost && lost.idx >= 0) {
    event.lost_tx_hash = lost.hash
    event.idx = lost.idx
    if (lost.id !== undefined) event.id = lost.id
  }
  return event
}

/** Fees that replace a tx built from an older snapshot: twice the current ones, plus 1 wei. */
function bumped(f: FeeSnapshot): FeeSnapshot {
  if (f.type === 'eip1559') {
    return { ...f, maxFeePerGas: f.maxFeePerGas * 2n + 1n, maxPriorityFeePerGas: f.maxPriorityFeePerGas * 2n + 1n }
  }
  return { ...f, gasPrice: f.gasPrice * 2n + 1n }
}
