/** `--ordered`: the stash that writes `tx_result` events in `idx` order, holding the ones that complete before an earlier one. */
import type { FloodgateEvent } from './types.js'

/**
 * Re-sequences the written `tx_result` events by `idx`. A result whose `idx` is the next one
 * is written at once, followed by every held result it unblocks; a later one is held until
 * the gap before it is filled. An event about a held spec (its `tx_receipt`, `tx_timeout`,
 * `tx_replaced`, `nonce_gap_filled`) is held behind it, so the stream never names a spec
 * before its `tx_result`. Everything else is written at once. The stash itself does not bound
 * what it holds: the router's `ReorderWindow` does, by letting spec `idx` through only while
 * `idx < nextIdx + window`.
 */
export class ReorderStash {
  private next = 0
  /** idx → its tx_result, then the events that must follow it. */
  private readonly held = new Map<number, FloodgateEvent[]>()
  private most = 0
  private readonly advanced: (() => void)[] = []

  constructor(private readonly write: (e: FloodgateEvent) => void) {}

  /** The idx of the next tx_result to write. */
  get nextIdx(): number {
    return this.next
  }

  /** Results held now. */
  get size(): number {
    return this.held.size
  }

  /** The most results held at once so far (the high-water mark). */
  get maxHeld(): number {
    return this.most
  }

  /** Called each time `nextIdx` moves on. */
  onAdvance(listener: () => void): void {
    this.advanced.push(listener)
  }

  /** Takes `e`: true if it is written by the stash (now or later, in order); false: the caller writes it now. */
  take(e: FloodgateEvent): boolean {
    if (e.type !== 'tx_result') return this.follow(e)
    // an idx already written, or already held, is a bug upstream: write it rather than lose it
    if (e.idx < this.next || this.held.has(e.idx)) return false
    if (e.idx > this.next) {
      this.held.set(e.idx, [e])
      if (this.held.size > this.most) this.most = this.held.size
      return true
    }
    this.write(e)
    this.next++
    this.release()
    for (const l of this.advanced) l()
    return true
  }

  /**
   * The run's end (every spec has its result, or the run gave up on some): writes what is held,
   * in idx order, over any gap. Returns how many results were written across a gap (0 when
   * nothing was missing).
   */
  flush(): number {
    if (this.held.size === 0) return 0
    const order = [...this.held.keys()].sort((a, b) => a - b)
    for (const idx of order) for (const e of this.held.get(idx)!) this.write(e)
    this.held.clear()
    this.next = order.at(-1)! + 1
    for (const l of this.advanced) l()
    return order.length
  }

  /** An event about a held spec waits behind its result. */
  private follow(e: FloodgateEvent): boolean {
    if (this.held.size === 0) return false
    const idx = (e as { idx?: number }).idx
    const behind = idx !== undefined ? this.held.get(idx) : undefined
    if (behind === undefined) return false
    behind.push(e)
    return true
  }

  /** Writes the held results the last one unblocked. */
  private release(): void {
    for (let h = this.held.get(this.next); h !== undefined; h = this.held.get(this.next)) {
      this.held.delete(this.next)
      for (const e of h) this.write(e)
      this.next++
    }
  }
}
