/** The keeper of a signer's accepted, unmined txs: tells lost from stuck from waiting, re-signs what must be replaced, fills only what cannot be sent. */
import type { Hex } from 'viem'
import type { ErrorCode } from '../base/errors.js'
import { keyOf, type Key } from '../base/key.js'
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
 * - **lost**: the node lacks it (evicted, a restart, anvil dropping a sender's later txs when it
 *   skips one for block gas). Its same bytes (a blob tx's built again) are rebroadcast once when
 *   their bid still suffices (a restarted node lost the whole pool), else it is re-signed
 *   (`tx_replaced`, reason `dropped`); one that cannot be re-signed (a pinned fee, a blob tx, a
 *   filler) has its same bytes sent again at each check while the node takes them.
 * Only a nonce whose spec can no longer be sent (no spec kept and the node refusing its bytes, a
 * replacement the node refuses definitively) is taken by a zero-value self-transfer
 * (`nonce_gap_filled` with its reason).
 */
export class TxKeeper {
  /** The nonce whose tx was rebroadcast at the last check, if the node lacked it. */
  private rebroadcastNonce: number | undefined
  /** The head tx the node knew by hash but did not count at the last check. */
  private uncounted: Hex | undefined
  /** Hashes already reported capped (reported once). */
  private readonly capped = new Set<Key>()
  /** The head tx that sat unmined while blocks had room: since when, over how many checks. */
  private stuck: { hash: Hex; since: number; checks: number } | undefined
  /** When the last look ran: a check it asked for belongs to its period (the head's wait is counted once). */
  private lookedAt = -Infinity

  constructor(private readonly opts: TxKeeperOptions) {}

  /** Is a look due (a time comparison per spec, one every `everyMs`)? */
  due(now: number): boolean {
    const { window } = this.opts
    return this.opts.everyMs > 0 && now >= window.kept.checkAt && window.kept.unmined.size > 0
  }

  /** Are there sent txs to watch until they are mined? */
  get watching(): boolean {
    return this.opts.everyMs > 0 && this.opts.window.kept.unmined.size > 0
  }

  /** performance.now() of the next check. */
  get checkAt(): number {
    return this.opts.window.kept.checkAt
  }

  /** Checks once and mends what it finds. Resolves true when everything sent is mined. */
  async check(): Promise<boolean> {
    const { window, sender } = this.opts
    window.kept.checkIn(this.opts.everyMs)
    let latest: number
    let pending: number
    let mine: number | undefined
    try {
      // the next nonce was forgotten (a send ended without the node's word): read it again as the
      // next send would; a nonce the node lacks below our unmined txs is then a gap (taken by the
      // next send, or filled when the input ended)
      if (window.kept.counted === undefined) await sender.nextNonce()
      mine = window.kept.counted
      if (mine === undefined) return false
      // nothing is in flight: the two counts may be read at once (pending cannot fall below latest)
      ;[latest, pending] = await Promise.all([window.nonceAt('latest'), window.nonceAt('pending')])
    } catch (err) {
      if (err instanceof TransportError || err instanceof RpcError) return false
      throw err
    }
    window.kept.minedBelow(latest)
    if (latest >= mine) {
      window.kept.allMined()
      this.rebroadcastNonce = undefined
      return true
    }
    // the head must be includable; and where the node counts fewer than ours, it lacks the tx
    // at `pending` or cannot run it
    const front = pending < mine && pending !== latest ? [latest, pending] : [latest]
    for (const nonce of front) if (!(await this.mendFront(nonce, nonce >= pending, mine))) return false
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
    const { window } = this.opts
    window.kept.checkIn(this.opts.everyMs)
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
    window.kept.minedBelow(latest)
    if (latest >= floor) return false
    // the node lacks the head, or a tx between it and the floor: a probe, then a rebroadcast or a replacement
    if (pending <= latest || pending < floor) return true
    const head = window.kept.unmined.get(latest)
    if (head && this.headNeeds(latest, head, true)) return true
    for (const _ of this.atRisk([latest], floor)) return true
    return false
  }

  /**
   * The tx at `nonce`, which the chain needs next; `uncounted`: the node's pending count stops at
   * it (it lacks it, or cannot run it). Resolves false when the node could not be asked.
   */
  private async mendFront(nonce: number, uncounted: boolean, mine: number): Promise<boolean> {
    const { window, post } = this.opts
    const tx = window.kept.unmined.get(nonce)
    // a nonce given back by a refused send: the signer's next spec takes it (filled at the end)
    if (!tx && window.kept.gaps.includes(nonce)) return true
    if (!tx) {
      // the node lacks a tx we no longer remember: nothing to re-sign
      if (uncounted) await this.fill(nonce, undefined, 'untracked')
      return true
    }
    // a nonce below the node's pending count is in its pool (or mined): no need to ask
    const seen = uncounted ? await post.probe(tx.hash) : 'known'
    if (seen === 'unreachable') return false
    if (seen === 'known') {
      // known by hash, yet the node's count stopped below it at two checks in a row: not in its pool
      // after all (Ganache keeps a tx its pool lost findable by hash, and its count may lag a send
      // for a moment); its same bytes once, as for a lost tx
      const again = uncounted && this.uncounted === tx.hash
      this.uncounted = uncounted ? tx.hash : undefined
      if (again && this.rebroadcastNonce !== nonce && (await this.bytesAtBid(nonce, tx))) return this.rebroadcastFrom(nonce, mine)
      // a check a look just asked for: the head's wait was counted by the look
      const need = this.headNeeds(nonce, tx, performance.now() - this.lookedAt >= this.opts.everyMs)
      if (need === 'never_included') await this.fill(nonce, tx, need)
      else if (need) await this.replace(nonce, tx, need)
      return true
    }
    if (this.rebroadcastNonce !== nonce && (await this.bytesAtBid(nonce, tx))) return this.rebroadcastFrom(nonce, mine)
    await this.replace(nonce, tx, 'dropped')
    return true
  }

  /** Every other kept tx whose bid fell below the base fee: it would stall the signer next. */
  private async replaceBelowBase(done: readonly number[]): Promise<void> {
    for (const [nonce, tx, risk] of [...this.atRisk(done)]) if (!(await this.replace(nonce, tx, risk))) return
  }

  /**
   * What the head tx `tx` at `nonce` (the node holds it) needs: a replacement (its bid is at risk), a
   * filler (never included), or nothing (it waits; a rebroadcast of it took). `count`: this look
   * or check counts towards the head's wait (once per period).
   */
  private headNeeds(nonce: number, tx: Unmined, count: boolean): ReplaceReason | 'never_included' | undefined {
    const need = riskOf(tx, this.opts.fees.current, this.opts.riskBlocks) ?? (this.neverIncluded(nonce, tx, count) ? 'never_included' : undefined)
    if (!need && this.rebroadcastNonce === nonce) this.rebroadcastNonce = undefined // the rebroadcast took: waiting now
    return need
  }

  /** Kept txs whose bid is at risk, bar those at `except`, below `below` (default: all). */
  private *atRisk(except: readonly number[], below = Infinity): Generator<[number, Unmined, Risk]> {
    for (const [nonce, tx] of this.opts.window.kept.unmined) {
      if (nonce >= below) return // kept in nonce order
      const risk = except.includes(nonce) ? undefined : riskOf(tx, this.opts.fees.current, this.opts.riskBlocks)
      if (risk) yield [nonce, tx, risk]
    }
  }

  /**
   * Has the head tx `tx` (at the signer's mined nonce, its fee fine, the node holding it) sat
   * unmined for `neverIncludedMs` (and 3 checks) while blocks had room? Then nothing will include
   * it (a node accepted what it can never mine): its nonce goes to a filler so the signer's later
   * txs go on. Time, not a count of checks alone: after a transport failure checks come at once.
   */
  private neverIncluded(nonce: number, tx: Unmined, count: boolean): boolean {
    // a blob tx waits for blob space, which block gas does not show; a filler is ours to wait for
    const blob = tx.req?.fields.txType === 'eip4844'
    if (blob || !tx.req || nonce !== this.opts.window.kept.unmined.keys().next().value || this.opts.roomy() !== true) {
      this.stuck = undefined
      return false
    }
    const now = performance.now()
    if (this.stuck?.hash !== tx.hash) this.stuck = { hash: tx.hash, since: now, checks: 1 }
    else if (count) this.stuck.checks++
    return this.stuck.checks > 3 && now - this.stuck.since >= this.opts.neverIncludedMs
  }

  /** Rebroadcasts the same bytes from `gap` on (a restarted node lost them all). */
  private async rebroadcastFrom(gap: number, mine: number): Promise<boolean> {
    const { window, post, log } = this.opts
    log.warn({ worker: this.opts.worker, signer: post.address, nonce: gap, ours: mine }, 'the node lost txs of ours (its pending count stops at this nonce): rebroadcasting the same signed bytes')
    for (let nonce = gap; nonce < mine; nonce++) {
      const tx = window.kept.unmined.get(nonce)
      const raw = tx && (await this.bytesAtBid(nonce, tx))
      if (!raw) continue
      const result = await post.rebroadcast(raw)
      if (result === 'unreachable') return false
      if (result === 'refused' && nonce === gap) break // re-signed at the next check
    }
    this.rebroadcastNonce = gap
    return true
  }

  /**
   * Re-signs the tx at `nonce` at current fees and reports it; a nonce whose spec cannot be sent
   * any more is filled. Resolves false when the node could not be reached.
   */
  private async replace(nonce: number, tx: Unmined, reason: ReplaceReason): Promise<boolean> {
    const { sender, post, log } = this.opts
    const result = await sender.replace(nonce, tx)
    switch (result.kind) {
      case 'replaced':
        this.rebroadcastNonce = undefined
        if (tx.idx >= 0) {
          this.opts.fates.replaced(result.oldHash, result.hash)
          this.opts.events.emit(replacedEvent(nonce, tx, result.oldHash, reason))
        }
        return true
      case 'capped':
        // a lost tx at the most --max-fee allows: its same bytes, once the base fee is below them again
        if (reason === 'dropped') {
          const raw = await this.bytesAtBid(nonce, tx)
          if (raw) return (await post.rebroadcast(raw)) !== 'unreachable'
        }
        if (!this.capped.has(keyOf(tx.hash))) {
          this.capped.add(keyOf(tx.hash))
          log.warn({ worker: this.opts.worker, signer: post.address, nonce, tx_hash: tx.hash }, 'a tx needs a higher bid than --max-fee allows: left as it is')
          this.opts.fates.capped(tx.hash)
        }
        return true
      case 'fixed': {
        if (reason !== 'dropped') return true
        // not re-signable at other fees (a pinned fee, a blob tx, a filler): its same bytes again
        // while the node takes them (anvil drops a sender's later txs each block it skips one for
        // block gas); filled once it refuses them
        const raw = await this.bytesAtBid(nonce, tx)
        const again = raw ? await post.rebroadcast(raw) : 'refused'
        if (again === 'unreachable') return false
        if (again === 'refused') await this.fill(nonce, tx, 'not_resignable')
        return true
      }
      case 'refused':
        if (reason === 'dropped') await this.fill(nonce, tx, 'replacement_refused', result.code)
        else log.warn({ worker: this.opts.worker, signer: post.address, nonce, code: result.code, err: result.message }, 'a replacement was refused')
        return true
      case 'short':
        // the account could not pay the bump: the funder topped it up, the next check replaces it
        return true
      case 'underpriced':
        // the node wants more than the bump: the next check bumps over this bid again
        this.opts.window.kept.askedMore(tx)
        return true
      case 'mined':
        return true
      case 'unreachable':
        return false
    }
  }

  /** The same bytes of a lost tx, to send again, if their bid still suffices (not below the base fee). */
  private async bytesAtBid(nonce: number, tx: Unmined): Promise<Hex | undefined> {
    return belowBase(tx, this.opts.fees.current) ? undefined : this.opts.sender.sameBytes(nonce, tx)
  }

  /** Takes nonce `gap` with a filler; what waited on the nonce is cleared. */
  private async fill(gap: number, lost: Unmined | undefined, reason: FillReason, refusal?: ErrorCode): Promise<void> {
    if (!(await this.opts.filler.fill(gap, lost, reason, refusal))) return
    this.rebroadcastNonce = undefined
    if (reason === 'never_included') this.stuck = undefined
  }
}

/** Is this tx's fee cap below the base fee now, or will it be within `riskBlocks` full blocks (before the next check)? */
function riskOf(tx: Unmined, fees: FeeSnapshot, riskBlocks: number): Risk | undefined {
  if (fees.type !== 'eip1559' || tx.maxFee === undefined) return undefined
  if (belowBase(tx, fees)) return 'fee_below_base'
  return tx.maxFee < baseFeeAfter(fees.baseFeePerGas, riskBlocks) ? 'fee_at_risk' : undefined
}

/** Is this tx's fee cap below the current base fee (it cannot be included until the base fee falls)? */
function belowBase(tx: Unmined, fees: FeeSnapshot): boolean {
  return fees.type === 'eip1559' && tx.maxFee !== undefined && tx.maxFee < fees.baseFeePerGas
}

function replacedEvent(nonce: number, tx: Unmined, oldHash: Hex, reason: ReplaceReason): Omit<TxReplacedEvent, 'version'> {
  const e = { type: 'tx_replaced', idx: tx.idx } as Omit<TxReplacedEvent, 'version'>
  if (tx.line !== undefined) e.line = tx.line
  if (tx.id !== undefined) e.id = tx.id
  e.nonce = nonce
  e.old_tx_hash = oldHash
  e.tx_hash = tx.hash
  e.reason = reason
  e.max_fee_per_gas = String(tx.maxFee ?? 0n)
  e.replacements = tx.replacements ?? 1
  return e
}
