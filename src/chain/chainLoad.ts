/** The chain's load as floodgate measures it from the blocks it reads: inclusion rate, fullness, our backlog, saturation episodes. */
import type { BlockBody, EventBody } from '../events/types.js'
import type { SendEnd } from '../sender/txFates.js'

/** Blocks the rates are measured over. */
const WINDOW = 8
/**
 * A saturation episode starts after this many blocks in a row with more than a block's worth of
 * ours waiting, each either growing the backlog or at least 90 % full (a burst the chain works
 * through at its full rate is saturation too).
 */
const SATURATED_BLOCKS = 3
const FULL = 0.9
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
}

export interface ChainLoadOptions {
  emit: (e: EventBody) => void
  /** Told the headroom (in blocks) the first bid of a tx should carry, whenever it changes. */
  onHeadroom?: (blocks: number) => void
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
 * 12.5 % per full block while they wait). A backlog that grows over several blocks is a
 * saturation episode (`saturation` … `saturation_end`).
 */
export class ChainLoad {
  private readonly window: Sample[] = []
  private saturatedSince: { block: number; at: number } | undefined
  private episodes = 0
  private saturatedMs = 0
  private pressingBlocks = 0
  private lastBacklog = 0
  /** Sent since the last block, added to its backlog. */
  private sentSinceBlock = 0
  private headroom = DEFAULT_HEADROOM_BLOCKS
  /** Capacity measured while saturated: EMA of ours per second, and of gas per second. */
  private capacityTps: number | undefined
  private capacityGas: number | undefined

  constructor(private readonly o: ChainLoadOptions) {}

  /** A spec's send ended (the fate port): every 64 txs taken between blocks, the backlog's headroom is brought up to date. */
  sent(end: SendEnd): void {
    if (end.hash !== undefined && ++this.sentSinceBlock % 64 === 0) this.updateHeadroom(this.lastBacklog + this.sentSinceBlock)
  }

  /** Our txs included per block, over the window's blocks that had a backlog to include from. */
  get perBlock(): number | undefined {
    const busy = this.window.filter((s) => s.ours > 0)
    if (busy.length === 0) return undefined
    return busy.reduce((n, s) => n + s.ours, 0) / busy.length
  }

  /** Did the last 3 blocks have room (each under 90 % full), outside a saturation episode? Undefined before 3 blocks. */
  roomy(): boolean | undefined {
    const last = this.window.slice(-3)
    if (last.length < 3) return undefined
    if (this.saturatedSince !== undefined) return false
    return last.every((s) => s.gasLimit > 0 && s.gasUsed / s.gasLimit < FULL)
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
    const ongoing = this.saturatedSince ? performance.now() - this.saturatedSince.at : 0
    if (this.episodes > 0) out.saturation = { episodes: this.episodes, saturated_ms: Math.round(this.saturatedMs + ongoing) }
    if (this.capacityTps !== undefined) out.capacity = { tps: round2(this.capacityTps), gas_per_s: Math.round(this.capacityGas ?? 0) }
    return out
  }

  /** A block the tracker read (the return path). */
  block(e: BlockBody): void {
    this.sentSinceBlock = 0
    this.window.push({ number: e.number, timestamp: e.timestamp, ours: e.ours, gasUsed: e.gas_used, gasLimit: e.gas_limit, ...(e.base_fee_per_gas ? { baseFee: e.base_fee_per_gas } : {}), backlog: e.backlog })
    if (this.window.length > WINDOW) this.window.shift()
    const per = this.perBlock ?? 0
    const pressing = e.backlog > Math.max(1, per) && (e.backlog > this.lastBacklog || (e.gas_limit > 0 && e.gas_used / e.gas_limit >= FULL))
    this.pressingBlocks = pressing ? this.pressingBlocks + 1 : 0
    this.lastBacklog = e.backlog
    this.updateHeadroom(e.backlog)
    this.saturation(e)
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

  private saturation(e: BlockBody): void {
    const per = this.perBlock ?? 0
    const r = this.rates()
    if (this.saturatedSince === undefined) {
      if (this.pressingBlocks < SATURATED_BLOCKS) return
      this.saturatedSince = { block: e.number, at: performance.now() }
      this.episodes++
      this.o.emit({
        type: 'saturation',
        block_number: e.number,
        inclusion_tps: round2(r?.tps ?? 0),
        inclusion_gas_per_s: Math.round(r?.gasPerS ?? 0),
        block_fullness: round2(r?.fullness ?? 0),
        ...(e.base_fee_per_gas ? { base_fee_per_gas: e.base_fee_per_gas } : {}),
        backlog: e.backlog,
      })
    } else if (e.backlog <= Math.max(1, per)) {
      const duration = performance.now() - this.saturatedSince.at
      this.saturatedMs += duration
      this.saturatedSince = undefined
      this.o.emit({ type: 'saturation_end', block_number: e.number, duration_ms: Math.round(duration), backlog: e.backlog })
    }
    if (this.saturatedSince && r) {
      this.capacityTps = this.capacityTps === undefined ? r.tps : 0.8 * this.capacityTps + 0.2 * r.tps
      this.capacityGas = this.capacityGas === undefined ? r.gasPerS : 0.8 * this.capacityGas + 0.2 * r.gasPerS
    }
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100
