/** The keeper of a signer's accepted, unmined txs: tells lost from stuck from waiting, re-signs what must be replaced, fills only what cannot be sent. */
import type { Hex } from 'viem'
import type { EventSink } from '../events/eventSink.js'
import type { TxReplacedEvent } from '../events/types.js'
import type { Logger } from '../log.js'
import { RpcError, TransportError } from '../rpc/rpc.js'
import type { FeeSnapshot } from '../tx/fees.js'
import { baseFeeAfter, type FeeOracle } from '../chain/feeOracle.js'
import type { GapFiller } from './gapFiller.js'
import type { Unmined } from './nonceLedger.js'
import type { NonceWindow } from './nonceWindow.js'
import type { SignerSender } from './signerSender.js'
import type { FillReason, TxFates } from './txFates.js'
import type { TxPost } from './txPost.js'

/** How the keeper watches a lane's accepted txs (decided once, from the chain's block time and the flags). */
export interface KeeperSettings {
  /** How often it looks at the node, in ms (`--gap-check`); 0: never (accepted txs are not kept). */
  everyMs: number
  /**
   * Full blocks the base fee may rise by before the next check sees it (+12.5 % each): a tx
   * whose fee cap will fall below the base fee by then is replaced now, before a node drops it
   * (anvil drops such txs at the next block). The pipeline gives the blocks until the next check, plus one.
   */
  riskBlocks: number
  /**
   * How long the head tx may sit unmined, its fee fine, blocks with room, before it is taken out
   * of the way (the pipeline gives 30 block times; never within fewer than 3 checks).
   */
  neverIncludedMs: number
  /** Did the last blocks have room (under 90 % full)? Undefined: unknown (no receipt tracking). */
  roomy: () => boolean | undefined
}

export interface TxKeeperOptions extends KeeperSettings {
  /** The worker's index, for logs and events. */
  worker: number
  window: NonceWindow
  sender: SignerSender
  post: TxPost
  filler: GapFiller
  fees: FeeOracle
  events: EventSink
  fates: TxFates
  log: Logger
}

/** Why a tx was replaced (`tx_replaced.reason`). */
export type ReplaceReason = Risk | 'dropped'
/** A kept tx's bid at risk: below the base fee now, or before the next check if blocks stay full. */
type Risk = 'fee_below_base' | 'fee_at_risk'

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
 * - **lost**: the node lacks it (evicted, a restart). Its same bytes are rebroadcast once when
 *   their bid still suffices (a restarted node lost the whole pool), else it is re-signed
 *   (`tx_replaced`, reason `dropped`).
 * Only a nonce whose spec can no longer be sent (no spec kept, a blob tx, a replacement the node
 * refuses definitively) is taken by a zero-value self-transfer (`nonce_gap_filled` with its reason).
 */
export class TxKeeper {
  /** The nonce whose tx was rebroadcast at the last check, if the node lacked it. */
  private rebroadcastNonce: number | undefined
  /** Hashes already reported capped (reported once). */
  private readonly capped = new Set<Hex>()
  /** The head tx that sat unmined while blocks had room: since when, over how many checks. */
  private stuck: { hash: Hex; since: number; checks: number } | undefined
  /** When the last look ran: a check it asked for belongs to its period (the head's wait is counted once). */
  private lookedAt = -Infinity

  constructor(private readonly o: TxKeeperOptions) {}

  /** Is a look due (a time comparison per spec, one every `everyMs`)? */
  due(now: number): boolean {
    const { window } = this.o
    return this.o.everyMs > 0 && now >= window.checkAt && window.unmined.size > 0
  }

  /** Are there sent txs to watch until they are mined? */
  get watching(): boolean {
    return this.o.everyMs > 0 && this.o.window.unmined.size > 0
  }

  /** performance.now() of the next check. */
  get checkAt(): number {
    return this.o.window.checkAt
  }

  /** Checks once and mends what it finds. Resolves true when everything sent is mined. */
  async check(): Promise<boolean> {
    const { window, sender } = this.o
    window.checkIn(this.o.everyMs)
    let latest: number
    let pending: number
    let mine: number | undefined
    try {
      // the next nonce was forgotten (a send ended without the node's word): read it again as the
      // next send would; a nonce the node lacks below our unmined txs is then a gap (taken by the
      // next send, or filled when the input ended)
      if (window.counted === undefined) await sender.nextNonce()
      mine = window.counted
      if (mine === undefined) return false
      // nothing is in flight: the two counts may be read at once (pending cannot fall below latest)
      ;[latest, pending] = await Promise.all([window.nonceAt('latest'), window.nonceAt('pending')])
    } catch (err) {
      if (err instanceof TransportError || err instanceof RpcError) return false
      throw err
    }
    window.minedBelow(latest)
    if (latest >= mine) {
      window.allMined()
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
   * window's `firstOpen` then). Starts the next period, as a check does. Resolves true when a
   * check is needed; a failed read is left to the next look.
   */
  async look(): Promise<boolean> {
    const { window } = this.o
    window.checkIn(this.o.everyMs)
    const floor = window.firstOpen
    if (floor === undefined) return false // resynced before the next send anyway
    let latest: number
    let pending: number
    try {
      // in this order: sends go on meanwhile, and a pending count read first could fall below a later latest
      latest = await window.nonceAt('latest')
      pending = await window.nonceAt('pending')
    } catch (err) {
      if (err instanceof TransportError || err instanceof RpcError) return false
      return true // not the look's to report: the check meets it again
    }
    this.lookedAt = performance.now()
    window.minedBelow(latest)
    if (latest >= floor) return false
    // the node lacks the head, or a tx between it and the floor: a probe, then a rebroadcast or a replacement
    if (pending <= latest || pending < floor) return true
    const head = window.unmined.get(latest)
    if (head && this.headNeeds(latest, head, true)) return true
    for (const _ of this.atRisk([latest], floor)) return true
    return false
  }

  /**
   * The tx at `n`, which the chain needs next; `uncounted`: the node's pending count stops at
   * it (it lacks it, or cannot run it). Resolves false when the node could not be asked.
   */
  private async mendFront(n: number, uncounted: boolean, mine: number): Promise<boolean> {
    const { window, post } = this.o
    const u = window.unmined.get(n)
    // a nonce given back by a refused send: the signer's next spec takes it (filled at the end)
    if (!u && window.gaps.includes(n)) return true
    if (!u) {
      // the node lacks a tx we no longer remember: nothing to re-sign
      if (uncounted) await this.fill(n, undefined, 'untracked')
      return true
    }
    // a nonce below the node's pending count is in its pool (or mined): no need to ask
    const seen = uncounted ? await post.probe(u.hash) : 'known'
    if (seen === 'unreachable') return false
    if (seen === 'known') {
      // a check a look just asked for: the head's wait was counted by the look
      const need = this.headNeeds(n, u, performance.now() - this.lookedAt >= this.o.everyMs)
      if (need === 'never_included') await this.fill(n, u, need)
      else if (need) await this.replace(n, u, need)
      return true
    }
    if (u.raw && !belowBase(u, this.o.fees.current) && this.rebroadcastNonce !== n) return this.rebroadcastFrom(n, mine)
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
    for (const [n, u] of this.o.window.unmined) {
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
    if (blob || !u.req || n !== this.o.window.unmined.keys().next().value || this.o.roomy() !== true) {
      this.stuck = undefined
      return false
    }
    const now = performance.now()
    if (this.stuck?.hash !== u.hash) this.stuck = { hash: u.hash, since: now, checks: 1 }
    else if (count) this.stuck.checks++
    return this.stuck.checks > 3 && now - this.stuck.since >= this.o.neverIncludedMs
  }

  /** Is this tx's fee cap below the base fee now, or will it be before the next check (full blocks until then)? */
  private risk(u: Unmined): Risk | undefined {
    const f = this.o.fees.current
    if (f.type !== 'eip1559' || u.maxFee === undefined) return undefined
    if (belowBase(u, f)) return 'fee_below_base'
    return u.maxFee < baseFeeAfter(f.baseFeePerGas, this.o.riskBlocks) ? 'fee_at_risk' : undefined
  }

  /** Rebroadcasts the same bytes from `gap` on (a restarted node lost them all). */
  private async rebroadcastFrom(gap: number, mine: number): Promise<boolean> {
    const { window, post, log } = this.o
    log.warn({ worker: this.o.worker, signer: post.address, nonce: gap, ours: mine }, 'the node lost txs of ours: rebroadcasting the same signed bytes')
    for (let n = gap; n < mine; n++) {
      const u = window.unmined.get(n)
      if (!u?.raw || belowBase(u, this.o.fees.current)) continue
      const r = await post.rebroadcast(u.raw)
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
    const { sender, post, log } = this.o
    const r = await sender.replace(n, u)
    switch (r.kind) {
      case 'replaced':
        this.rebroadcastNonce = undefined
        if (u.idx >= 0) {
          this.o.fates.replaced(r.oldHash, r.hash)
          this.o.events.emit(replacedEvent(n, u, r.oldHash, reason))
        }
        return true
      case 'capped':
        // a lost tx at the most --max-fee allows: its same bytes, once the base fee is below them again
        if (reason === 'dropped' && u.raw && !belowBase(u, this.o.fees.current)) return (await post.rebroadcast(u.raw)) !== 'unreachable'
        if (!this.capped.has(u.hash)) {
          this.capped.add(u.hash)
          log.warn({ worker: this.o.worker, signer: post.address, nonce: n, tx_hash: u.hash }, 'a tx needs a higher bid than --max-fee allows: left as it is')
          this.o.fates.capped(u.hash)
        }
        return true
      case 'fixed':
        if (reason === 'dropped') await this.fill(n, u, 'not_resignable')
        return true
      case 'refused':
        if (reason === 'dropped') await this.fill(n, u, 'replacement_refused')
        else log.warn({ worker: this.o.worker, signer: post.address, nonce: n, code: r.code, err: r.message }, 'a replacement was refused')
        return true
      case 'underpriced':
        // the node wants more than the bump: the next check bumps over this bid again
        this.o.window.askedMore(u)
        return true
      case 'mined':
        return true
      case 'unreachable':
        return false
    }
  }

  /** Takes nonce `gap` with a filler; what waited on the nonce is cleared. */
  private async fill(gap: number, lost: Unmined | undefined, reason: FillReason): Promise<void> {
    if (!(await this.o.filler.fill(gap, lost, reason))) return
    this.rebroadcastNonce = undefined
    if (reason === 'never_included') this.stuck = undefined
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
