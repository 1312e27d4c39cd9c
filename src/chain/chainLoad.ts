/** The chain's load as floodgate measures it from the blocks it reads: inclusion rate, fullness, our backlog, saturation episodes. */
import type { BlockBody, EventBody } from '../events/types.js'
import type { SendEnd } from '../sender/txFates.js'

/** Blocks the rates are measured over. */
const WINDOW = 8
/**
 * A saturation episode starts after this many blocks in a row that had no room for our next tx
 * (judged by gas) while more than a block's worth of ours waited.
 */
const SATURATED_BLOCKS = 3
/** An episode ends after this many blocks in a row with room for our next tx (or once our backlog is under a block's worth). */
const ROOMY_BLOCKS_TO_END = 2
/** Before the gas of any tx of ours is known, a block this full has no room. */
const FULL = 0.9
/** The gas limits of our last sends kept: the room our next tx needs is their median. */
const RECENT_SENDS = 64
/** Headroom, in blocks of base-fee growth, when there is nothing measured yet (1.125^6 ≈ 2×, the usual 2 × base). */
export const DEFAULT_HEADROOM_BLOCKS = 6
/** Headroom bounds, in blocks of a full-block base-fee rise (+12.5 % each). */
const MIN_HEADROOM_BLOCKS = 2
const MAX_HEADROOM_BLOCKS = 40
/** The least gas a tx takes: a block's gas limit ÷ this is the most of ours it can include. */
const TRANSFER_GAS = 21_000

interface Sample {
  number: number
  timestamp: number
  ours: number
  gasUsed: number
  gasLimit: number
  baseFee?: string
  backlog: number
  /** No room in it for our next tx. */
  full: boolean
}

/** What a run of blocks included: ours, everyone's gas, and the seconds they took (block timestamps). */
interface Included {
  ours: number
  gas: number
  secs: number
}

const none = (): Included => ({ ours: 0, gas: 0, secs: 0 })

export interface ChainLoadOptions {
  emit: (e: EventBody) => void
  /** Told the headroom (in blocks) the first bid of a tx should carry, whenever it changes. */
  onHeadroom?: (blocks: number) => void
  /** The clock episodes are timed by (default performance.now). */
  now?: () => number
  /**
   * Blocks of base-fee rise a first bid carries beyond its wait behind the backlog (default 2):
   * the keepers replace a bid that will not outlast their next check (`KeeperSettings.riskBlocks`),
   * so a bid with fewer would be replaced while it waits its turn.
   */
  marginBlocks?: number
  /** The chain's block gas limit, before a block of ours is measured: the wait of the first backlog is at least backlog ÷ (limit ÷ 21,000). */
  blockGasLimit?: () => number | undefined
}

/**
 * Watches `block` events (and counts sends, for the backlog between blocks). Measures what the
 * chain includes of ours per block and per second, how full its blocks are, and how long our
 * backlog will wait: the fee headroom of new txs follows from it (the base fee can rise
 * 12.5 % per full block while they wait). Blocks with no room for our next tx (by gas: a block
 * 23M of 30M full has none for a 25M-gas tx) while our backlog waits are a saturation episode
 * (`saturation` … `saturation_end`); the chain's capacity is what those blocks included.
 */
export class ChainLoad {
  private readonly window: Sample[] = []
  private saturatedSince: { block: number; at: number } | undefined
  private episodes = 0
  private saturatedMs = 0
  private pressingBlocks = 0
  private roomyBlocks = 0
  private lastBacklog = 0
  private lastTimestamp: number | undefined
  /** Sent since the last block, added to its backlog. */
  private sentSinceBlock = 0
  private headroom = DEFAULT_HEADROOM_BLOCKS
  /** The gas limits of our last RECENT_SENDS sends (a ring). */
  private readonly recentGas: number[] = []
  private gasAt = 0
  /** What the blocks pressing in a row so far included, and the saturated blocks of all episodes. */
  private streak = none()
  private readonly saturated = none()
  private readonly now: () => number

  constructor(private readonly o: ChainLoadOptions) {
    this.now = o.now ?? (() => performance.now())
  }

  /** A spec's send ended (the fate port): its gas limit is kept; every 64 txs taken between blocks, the backlog's headroom is brought up to date. */
  sent(end: SendEnd): void {
    if (end.hash === undefined) return
    if (end.gas !== undefined) {
      this.recentGas[this.gasAt] = Number(end.gas)
      this.gasAt = (this.gasAt + 1) % RECENT_SENDS
    }
    if (++this.sentSinceBlock % 64 === 0) this.updateHeadroom(this.lastBacklog + this.sentSinceBlock)
  }

  /** Our txs included per block, over the window's blocks that had a backlog to include from. */
  get perBlock(): number | undefined {
    const busy = this.window.filter((s) => s.ours > 0)
    if (busy.length === 0) return undefined
    return busy.reduce((n, s) => n + s.ours, 0) / busy.length
  }

  /** The gas our next tx needs in a block: the median gas limit of our last sends. Undefined before any. */
  nextTxGas(): number | undefined {
    const n = this.recentGas.length
    if (n === 0) return undefined
    const sorted = [...this.recentGas].sort((a, b) => a - b)
    return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2
  }

  /** Did the last 3 blocks have room for our next tx, outside a saturation episode? Undefined before 3 blocks. */
  roomy(): boolean | undefined {
    const last = this.window.slice(-3)
    if (last.length < 3) return undefined
    if (this.saturatedSince !== undefined) return false
    return last.every((s) => s.gasLimit > 0 && !s.full)
  }

  /** Ours per second and gas per second over the window, and the blocks' fullness. */
  rates(): { tps: number; gasPerS: number; fullness: number; blockMs: number } | undefined {
    const w = this.window
    if (w.length < 2) return undefined
    const span = w[w.length - 1]!.timestamp - w[0]!.timestamp
    if (span <= 0) return undefined
    const later = w.slice(1)
    const ours = later.reduce((n, s) => n + s.ours, 0)
    const gas = later.reduce((n, s) => n + s.gasUsed, 0)
    const limit = later.reduce((n, s) => n + s.gasLimit, 0)
    return { tps: ours / span, gasPerS: gas / span, fullness: limit > 0 ? gas / limit : 0, blockMs: (span * 1000) / later.length }
  }

  summary(): { saturation?: { episodes: number; saturated_ms: number }; capacity?: { tps: number; gas_per_s: number } } {
    const out: ReturnType<ChainLoad['summary']> = {}
    const ongoing = this.saturatedSince ? this.now() - this.saturatedSince.at : 0
    if (this.episodes > 0) out.saturation = { episodes: this.episodes, saturated_ms: Math.round(this.saturatedMs + ongoing) }
    const s = this.saturated
    if (s.secs > 0) out.capacity = { tps: round2(s.ours / s.secs), gas_per_s: Math.round(s.gas / s.secs) }
    return out
  }

  /** A block the tracker read (the return path). */
  block(e: BlockBody): void {
    this.sentSinceBlock = 0
    const full = hasNoRoom(e, this.nextTxGas())
    this.window.push({ number: e.number, timestamp: e.timestamp, ours: e.ours, gasUsed: e.gas_used, gasLimit: e.gas_limit, ...(e.base_fee_per_gas ? { baseFee: e.base_fee_per_gas } : {}), backlog: e.backlog, full })
    if (this.window.length > WINDOW) this.window.shift()
    // the seconds this block took (none for the first block read)
    const secs = this.lastTimestamp === undefined ? undefined : Math.max(0, e.timestamp - this.lastTimestamp)
    this.lastTimestamp = e.timestamp
    const pressing = full && e.backlog > Math.max(1, this.perBlock ?? 0)
    if (pressing) {
      this.pressingBlocks++
      if (secs !== undefined) addBlock(this.streak, e, secs)
    } else {
      this.pressingBlocks = 0
      this.streak = none()
    }
    this.lastBacklog = e.backlog
    this.updateHeadroom(e.backlog)
    this.saturation(e, full, pressing, secs)
  }

  /**
   * Blocks our backlog will wait at the measured inclusion rate (before any: at the most a block
   * can hold, its gas limit ÷ 21,000), plus the margin: the headroom a new tx's first bid carries.
   */
  private updateHeadroom(backlog: number): void {
    const per = this.perBlock
    const margin = this.o.marginBlocks ?? MIN_HEADROOM_BLOCKS
    const atMost = per === undefined ? (this.o.blockGasLimit?.() ?? 0) / TRANSFER_GAS : per
    const waits = atMost >= 1 ? Math.ceil(backlog / atMost) + margin : 0
    const blocks = Math.min(MAX_HEADROOM_BLOCKS, Math.max(per === undefined ? DEFAULT_HEADROOM_BLOCKS : MIN_HEADROOM_BLOCKS, waits))
    if (blocks === this.headroom) return
    this.headroom = blocks
    this.o.onHeadroom?.(blocks)
  }

  /**
   * Starts an episode after SATURATED_BLOCKS pressing blocks (no room for our next tx, more than
   * a block's worth of ours waiting); ends it once blocks have room again (ROOMY_BLOCKS_TO_END in
   * a row) or our backlog is under a block's worth. The pressing blocks are the capacity measured.
   */
  private saturation(e: BlockBody, full: boolean, pressing: boolean, secs: number | undefined): void {
    if (this.saturatedSince === undefined) {
      if (this.pressingBlocks < SATURATED_BLOCKS) return
      this.saturatedSince = { block: e.number, at: this.now() }
      this.episodes++
      this.roomyBlocks = 0
      addRun(this.saturated, this.streak)
      const r = this.rates()
      const st = this.streak
      this.o.emit({
        type: 'saturation',
        block_number: e.number,
        inclusion_tps: round2(st.secs > 0 ? st.ours / st.secs : (r?.tps ?? 0)),
        inclusion_gas_per_s: Math.round(st.secs > 0 ? st.gas / st.secs : (r?.gasPerS ?? 0)),
        block_fullness: round2(r?.fullness ?? 0),
        ...(e.base_fee_per_gas ? { base_fee_per_gas: e.base_fee_per_gas } : {}),
        backlog: e.backlog,
      })
      return
    }
    if (pressing) {
      this.roomyBlocks = 0
      if (secs !== undefined) addBlock(this.saturated, e, secs)
      return
    }
    this.roomyBlocks = full ? 0 : this.roomyBlocks + 1
    if (this.roomyBlocks < ROOMY_BLOCKS_TO_END && e.backlog > Math.max(1, this.perBlock ?? 0)) return
    const duration = this.now() - this.saturatedSince.at
    this.saturatedMs += duration
    this.saturatedSince = undefined
    this.o.emit({ type: 'saturation_end', block_number: e.number, duration_ms: Math.round(duration), backlog: e.backlog })
  }
}

/** No room in block `e` for a tx of `need` gas (unknown: the block is at least 90 % full). */
function hasNoRoom(e: BlockBody, need: number | undefined): boolean {
  if (e.gas_limit <= 0) return false
  return need === undefined ? e.gas_used / e.gas_limit >= FULL : e.gas_limit - e.gas_used < need
}

/** Adds block `e` (its ours, its gas, the `secs` it took) to `to`. */
function addBlock(to: Included, e: BlockBody, secs: number): void {
  to.ours += e.ours
  to.gas += e.gas_used
  to.secs += secs
}

/** Adds a run of blocks to `to`. */
function addRun(to: Included, run: Included): void {
  to.ours += run.ours
  to.gas += run.gas
  to.secs += run.secs
}

const round2 = (x: number) => Math.round(x * 100) / 100
