/** Watches a signer's sent, unmined txs: tells lost from stuck from waiting, re-signs what must be replaced, fills only what cannot be sent. */
import type { Hex } from 'viem'
import type { EventWriter } from '../events/eventWriter.js'
import type { NonceGapFilledEvent, TxReplacedEvent } from '../events/types.js'
import type { Logger } from '../log.js'
import { RpcError, TransportError } from '../rpc/rpc.js'
import type { FeeSnapshot } from '../tx/fees.js'
import { baseFeeAfter } from '../chain/feeOracle.js'
import { fillerFees } from './bump.js'
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
  /**
   * Full blocks the base fee may rise by before the next check sees it (+12.5 % each): a tx
   * whose fee cap will fall below the base fee by then is replaced now, before a node drops it
   * (anvil drops such txs at the next block). Default 3 (a check every 2 blocks, plus one).
   */
  riskBlocks?: number
  /** A tx that `--max-fee` keeps from being replaced: its spec ends FEE_CAP_REACHED if it is never mined. */
  onCapped?: (hash: Hex) => void
  /** Did the last blocks have room (under 90 % full)? Undefined: unknown (no receipt tracking). */
  roomy?: () => boolean | undefined
  /** A tx taken out of the way because it was never included while blocks had room: its spec ends NEVER_INCLUDED now. */
  onNeverIncluded?: (hash: Hex) => void
  /**
   * How long the head tx may sit unmined, its fee fine, blocks with room, before it is taken out
   * of the way (default 30 s; the pipeline gives 30 block times; never within fewer than 3 checks).
   */
  neverIncludedMs?: number
}

/** Why a tx was replaced (`tx_replaced.reason`). */
export type ReplaceReason = Risk | 'dropped'
/** A kept tx's bid at risk: below the base fee now, or before the next check if blocks stay full. */
type Risk = 'fee_below_base' | 'fee_at_risk'
/** Why a nonce was filled (`nonce_gap_filled.reason`). */
export type FillReason = 'untracked' | 'not_resignable' | 'replacement_refused' | 'never_included' | 'refused'

/**
 * Every `everyMs` a look (`look`, while the signer's sends go on) tells whether a check is
 * needed; the check (`check`, with none of the signer's sends in flight, and while the run waits
 * for receipts) puts the signer's unmined txs in one of three states:
 * - **waiting**: the node holds it and could include it at its bid (it is queued behind others,
 *   or blocks are full): left alone;
 * - **stuck**: the node holds it but its fee cap is below the base fee, or will be before the
 *   next check if blocks stay full (nodes drop such txs: anvil at the next block): re-signed from
 *   its spec at current fees with at least the bump nodes require (`tx_replaced`, reason
 *   `fee_below_base` or `fee_at_risk`);
 * - **lost**: the node lacks it (evicted, a restart, anvil dropping a sender's later txs when it
 *   skips one for block gas). Its same bytes (a blob tx's built again) are rebroadcast once when
 *   their bid still suffices (a restarted node lost the whole pool), else it is re-signed
 *   (`tx_replaced`, reason `dropped`); one that cannot be re-signed (a pinned fee, a blob tx, a
 *   filler) has its same bytes sent again at each check while the node takes them.
 * Only a nonce whose spec can no longer be sent (no spec kept and the node refusing its bytes, a
 * replacement the node refuses definitively) is taken by a zero-value self-transfer
 * (`nonce_gap_filled` with its reason).
 */
export class GapMender {
  /** The nonce whose tx was rebroadcast at the last check, if the node lacked it. */
  private rebroadcastNonce: number | undefined
  /** The nonce whose filler the node refused last (logged once). */
  private fillRefusedNonce: number | undefined
  /** Hashes already reported capped (reported once). */
  private readonly capped = new Set<Hex>()
  /** The head tx that sat unmined while blocks had room: since when, over how many checks. */
  private stuck: { hash: Hex; since: number; checks: number } | undefined
  /** When the last look ran: a check it asked for belongs to its period (the head's wait is counted once). */
  private lookedAt = -Infinity

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
    let latest: number
    let pending: number
    let mine: number | undefined
    try {
      // the next nonce was forgotten (a send ended without the node's word): read it again as the
      // next send would; a nonce the node lacks below our unmined txs is then a hole (taken by the
      // next send, or filled when the input ended)
      if (ledger.counted === undefined) await sender.nextNonce()
      mine = ledger.counted
      if (mine === undefined) return false
      // nothing is in flight: the two counts may be read at once (pending cannot fall below latest)
      ;[latest, pending] = await Promise.all([sender.nonceAt('latest'), sender.nonceAt('pending')])
    } catch (err) {
      if (err instanceof TransportError || err instanceof RpcError) return false
      throw err
    }
    ledger.minedBelow(latest)
    if (latest >= mine) {
      ledger.allMined()
      this.rebroadcastNonce = undefined
      return true
    }
    // the head must be includable; and where the node counts fewer than ours, it lacks the tx
    // at `pending` or cannot run it
    const front = pending < mine && pending !== latest ? [latest, pending] : [latest]
    for (const n of front) if (!(await this.mendFront(n, n >= pending, mine))) return false
    await this.replaceBelowBase(front)
    return false
  }

  /**
   * A look at the node while the signer's sends go on: reads its counts, forgets what is mined,
   * and tells whether `check` (which needs nothing in flight) would mend anything: the node
   * lacks or cannot run a tx accepted before the look, or a kept tx's bid is at risk, or the
   * head tx sat unmined too long. Only txs accepted before the look are judged (below the
   * sender's `firstOpen` then). Starts the next period, as a check does. Resolves true when a
   * check is needed; a failed read is left to the next look.
   */
  async look(): Promise<boolean> {
    const { sender } = this.o
    const ledger = sender.ledger
    ledger.nextCheck = performance.now() + this.o.everyMs
    const floor = sender.firstOpen
    if (floor === undefined) return false // resynced before the next send anyway
    let latest: number
    let pending: number
    try {
      // in this order: sends go on meanwhile, and a pending count read first could fall below a later latest
      latest = await sender.nonceAt('latest')
      pending = await sender.nonceAt('pending')
    } catch (err) {
      if (err instanceof TransportError || err instanceof RpcError) return false
      return true // not the look's to report: the check meets it again
    }
    this.lookedAt = performance.now()
    ledger.minedBelow(latest)
    if (latest >= floor) return false
    // the node lacks the head, or a tx between it and the floor: a probe, then a rebroadcast or a replacement
    if (pending <= latest || pending < floor) return true
    const head = ledger.unmined.get(latest)
    if (head && this.headNeeds(latest, head, true)) return true
    for (const _ of this.atRisk([latest], floor)) return true
    return false
  }

  /**
   * The tx at `n`, which the chain needs next; `uncounted`: the node's pending count stops at
   * it (it lacks it, or cannot run it). Resolves false when the node could not be asked.
   */
  private async mendFront(n: number, uncounted: boolean, mine: number): Promise<boolean> {
    const { sender } = this.o
    const u = sender.ledger.unmined.get(n)
    // a nonce given back by a refused send: the signer's next spec takes it (fillHoles at the end)
    if (!u && sender.ledger.holes.includes(n)) return true
    if (!u) {
      // the node lacks a tx we no longer remember: nothing to re-sign
      if (uncounted) await this.fill(n, undefined, 'untracked')
      return true
    }
    // a nonce below the node's pending count is in its pool (or mined): no need to ask
    const seen = uncounted ? await sender.o.reads.probe(u.hash) : 'known'
    if (seen === 'unreachable') return false
    if (seen === 'known') {
      // a check a look just asked for: the head's wait was counted by the look
      const need = this.headNeeds(n, u, performance.now() - this.lookedAt >= this.o.everyMs)
      if (need === 'never_included') await this.fill(n, u, need)
      else if (need) await this.replace(n, u, need)
      return true
    }
    if ((await sender.sameBytes(n, u)) && !belowBase(u, sender.o.fees.current) && this.rebroadcastNonce !== n) return this.rebroadcastFrom(n, mine)
    await this.replace(n, u, 'dropped')
    return true
  }

  /** Every other kept tx whose bid fell below the base fee: it would stall the signer next. */
  private async replaceBelowBase(done: readonly number[]): Promise<void> {
    for (const [n, u, risk] of [...this.atRisk(done)]) if (!(await this.replace(n, u, risk))) return
  }

  /**
   * What the head tx `u` at `n` (the node holds it) needs: a replacement (its bid is at risk), a
   * filler (never included), or nothing (it waits; a rebroadcast of it took). `count`: this look
   * or check counts towards the head's wait (once per period).
   */
  private headNeeds(n: number, u: Unmined, count: boolean): ReplaceReason | 'never_included' | undefined {
    const need = this.risk(u) ?? (this.neverIncluded(n, u, count) ? 'never_included' : undefined)
    if (!need && this.rebroadcastNonce === n) this.rebroadcastNonce = undefined // the rebroadcast took: waiting now
    return need
  }

  /** Kept txs whose bid is at risk, bar those at `except`, below `below` (default: all). */
  private *atRisk(except: readonly number[], below = Infinity): Generator<[number, Unmined, Risk]> {
    for (const [n, u] of this.o.sender.ledger.unmined) {
      if (n >= below) return // kept in nonce order
      const risk = except.includes(n) ? undefined : this.risk(u)
      if (risk) yield [n, u, risk]
    }
  }

  /**
   * Has the head tx `u` (at the signer's mined nonce, its fee fine, the node holding it) sat
   * unmined for `neverIncludedMs` (and 3 checks) while blocks had room? Then nothing will include
   * it (a node accepted what it can never mine): its nonce goes to a filler so the signer's later
   * txs go on. Time, not a count of checks alone: after a transport failure checks come at once.
   */
  private neverIncluded(n: number, u: Unmined, count: boolean): boolean {
    // a blob tx waits for blob space, which block gas does not show; a filler is ours to wait for
    const blob = u.req?.fields.txType === 'eip4844'
    if (blob || !u.req || n !== this.o.sender.ledger.unmined.keys().next().value || this.o.roomy?.() !== true) {
      this.stuck = undefined
      return false
    }
    const now = performance.now()
    if (this.stuck?.hash !== u.hash) this.stuck = { hash: u.hash, since: now, checks: 1 }
    else if (count) this.stuck.checks++
    return this.stuck.checks > 3 && now - this.stuck.since >= (this.o.neverIncludedMs ?? 30_000)
  }

  /** Is this tx's fee cap below the base fee now, or will it be before the next check (full blocks until then)? */
  private risk(u: Unmined): Risk | undefined {
    const f = this.o.sender.o.fees.current
    if (f.type !== 'eip1559' || u.maxFee === undefined) return undefined
    if (belowBase(u, f)) return 'fee_below_base'
    return u.maxFee < baseFeeAfter(f.baseFeePerGas, this.o.riskBlocks ?? 3) ? 'fee_at_risk' : undefined
  }

  /** Rebroadcasts the same bytes from `gap` on (a restarted node lost them all). */
  private async rebroadcastFrom(gap: number, mine: number): Promise<boolean> {
    const { sender, log } = this.o
    log.warn({ worker: this.o.worker, signer: sender.address, nonce: gap, ours: mine }, 'the node lost txs of ours: rebroadcasting the same signed bytes')
    for (let n = gap; n < mine; n++) {
      const u = sender.ledger.unmined.get(n)
      const raw = u && !belowBase(u, sender.o.fees.current) ? await sender.sameBytes(n, u) : undefined
      if (!raw) continue
      const r = await sender.rebroadcast(raw)
      if (r === 'unreachable') return false
      if (r === 'refused' && n === gap) break // re-signed at the next check
    }
    this.rebroadcastNonce = gap
    return true
  }

  /**
   * Re-signs the tx at `n` at current fees and reports it; a nonce whose spec cannot be sent
   * any more is filled. Resolves false when the node could not be reached.
   */
  private async replace(n: number, u: Unmined, reason: ReplaceReason): Promise<boolean> {
    const { sender, log } = this.o
    const r = await sender.replace(n, u)
    switch (r.kind) {
      case 'replaced':
        this.rebroadcastNonce = undefined
        if (u.idx >= 0) this.o.events.emit(replacedEvent(n, u, r.oldHash, reason))
        return true
      case 'capped':
        // a lost tx at the most --max-fee allows: its same bytes, once the base fee is below them again
        if (reason === 'dropped') {
          const raw = belowBase(u, sender.o.fees.current) ? undefined : await sender.sameBytes(n, u)
          if (raw) return (await sender.rebroadcast(raw)) !== 'unreachable'
        }
        if (!this.capped.has(u.hash)) {
          this.capped.add(u.hash)
          log.warn({ worker: this.o.worker, signer: sender.address, nonce: n, tx_hash: u.hash }, 'a tx needs a higher bid than --max-fee allows: left as it is')
          this.o.onCapped?.(u.hash)
        }
        return true
      case 'fixed': {
        if (reason !== 'dropped') return true
        // not re-signable at other fees (a pinned fee, a blob tx, a filler): its same bytes again
        // while the node takes them (anvil drops a sender's later txs each block it skips one for
        // block gas); filled once it refuses them
        const raw = belowBase(u, sender.o.fees.current) ? undefined : await sender.sameBytes(n, u)
        const again = raw ? await sender.rebroadcast(raw) : 'refused'
        if (again === 'unreachable') return false
        if (again === 'refused') await this.fill(n, u, 'not_resignable')
        return true
      }
      case 'refused':
        if (reason === 'dropped') await this.fill(n, u, 'replacement_refused')
        else log.warn({ worker: this.o.worker, signer: sender.address, nonce: n, code: r.code, err: r.message }, 'a replacement was refused')
        return true
      case 'underpriced':
        // the node wants more than the bump: the next check bumps over this bid again
        u.askedMore = (u.askedMore ?? 0) + 1
        return true
      case 'mined':
        return true
      case 'unreachable':
        return false
    }
  }

  /**
   * The input ended while nonces of failed sends (given back, or found lacking at a resync) lay
   * below accepted ones: each is taken by a filler (`nonce_gap_filled`, reason `refused`), so
   * the later txs can be mined. A filler the node does not take is tried again at each check
   * (the nonce is then `untracked`).
   */
  async fillHoles(): Promise<void> {
    const holes = this.o.sender.ledger.holes
    for (const n of holes.splice(0)) await this.fill(n, undefined, 'refused')
  }

  /** Takes nonce `gap` with a zero-value transfer to ourselves, above any fee a lost copy had. */
  private async fill(gap: number, lost: Unmined | undefined, reason: FillReason): Promise<void> {
    const { sender, log } = this.o
    const from = sender.address
    const fees = fillerFees(sender.o.fees.current)
    const { result, hash, raw } = await sender.sendAt({ chainId: sender.o.chainId, nonce: gap, to: from, value: 0n, gas: 21_000n }, fees)
    if (result !== 'ok') {
      if (this.fillRefusedNonce !== gap) log.warn({ worker: this.o.worker, signer: from, nonce: gap, result }, 'nonce gap: the filler was not accepted; trying again at each check')
      this.fillRefusedNonce = gap
      return
    }
    this.rebroadcastNonce = undefined
    if (reason === 'never_included' && lost) {
      this.stuck = undefined
      this.o.onNeverIncluded?.(lost.hash)
    }
    sender.ledger.remember(gap, { raw, hash, idx: -1 })
    log.warn({ worker: this.o.worker, signer: from, nonce: gap, tx_hash: hash, reason, ...(lost ? { lost_tx_hash: lost.hash, idx: lost.idx } : {}) }, 'nonce gap filled with a zero-value self-transfer')
    this.o.events.emit(gapFilledEvent(this.o.worker, from, gap, hash, lost, reason))
  }
}

/** Is this tx's fee cap below the current base fee (it cannot be included until the base fee falls)? */
function belowBase(u: Unmined, f: FeeSnapshot): boolean {
  return f.type === 'eip1559' && u.maxFee !== undefined && u.maxFee < f.baseFeePerGas
}

function replacedEvent(nonce: number, u: Unmined, oldHash: Hex, reason: ReplaceReason): Omit<TxReplacedEvent, 'version'> {
  const e = { type: 'tx_replaced', idx: u.idx } as Omit<TxReplacedEvent, 'version'>
  if (u.line !== undefined) e.line = u.line
  if (u.id !== undefined) e.id = u.id
  e.nonce = nonce
  e.old_tx_hash = oldHash
  e.tx_hash = u.hash
  e.reason = reason
  e.max_fee_per_gas = String(u.maxFee ?? 0n)
  e.replacements = u.replacements ?? 1
  return e
}

function gapFilledEvent(worker: number, signer: Hex, nonce: number, hash: Hex, lost: Unmined | undefined, reason: FillReason): Omit<NonceGapFilledEvent, 'version'> {
  const event: Omit<NonceGapFilledEvent, 'version'> = { type: 'nonce_gap_filled', worker, signer, nonce, tx_hash: hash, reason }
  if (lost && lost.idx >= 0) {
    event.lost_tx_hash = lost.hash
    event.idx = lost.idx
    if (lost.id !== undefined) event.id = lost.id
  }
  return event
}
