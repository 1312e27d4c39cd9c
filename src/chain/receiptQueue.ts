/** Our txs seen in blocks whose receipts are still to be read, oldest block first, and the pace they are read at. */
import type { Pending } from './pendingTxs.js'

/** A block that holds txs of ours, as the tracker saw it. */
export interface IncludedBlock {
  number: number
  /** Unix seconds. */
  timestamp: number
  /** Wall-clock ms when the head watcher first saw it (what `inclusion_ms` measures to). */
  seenMs: number
  /** performance.now() when it was queued. */
  queuedAt: number
  /** How many txs (ours and others) it holds. */
  txCount: number
  /** Ours in it, receipts not read yet. */
  txs: Pending[]
}

/** Some of one block's txs, taken to have their receipts read. */
export interface ReceiptWork {
  block: IncludedBlock
  txs: Pending[]
}

export class ReceiptQueue {
  private readonly blocks: IncludedBlock[] = []
  private waiter: (() => void) | undefined
  /** Txs queued. */
  count = 0

  /** `p` is in block `b` (number, timestamp, seen time, tx count). */
  add(b: Omit<IncludedBlock, 'txs' | 'queuedAt'>, p: Pending): void {
    let block = this.blocks.find((x) => x.number === b.number)
    if (!block) {
      block = { ...b, queuedAt: performance.now(), txs: [] }
      // late tx_results can name an older block than the last one queued: keep block order
      const at = this.blocks.findIndex((x) => x.number > b.number)
      if (at < 0) this.blocks.push(block)
      else this.blocks.splice(at, 0, block)
    }
    block.txs.push(p)
    this.count++
    this.waiter?.()
  }

  /** Up to `max` txs of the oldest block (taken out of the queue); undefined if it is empty. */
  take(max: number): ReceiptWork | undefined {
    const block = this.blocks[0]
    if (!block) return undefined
    const txs = block.txs.splice(0, max)
    if (block.txs.length === 0) this.blocks.shift()
    this.count -= txs.length
    return { block, txs }
  }

  /** Work whose read failed goes back to the front, to be read first. */
  putBack(w: ReceiptWork): void {
    if (w.txs.length === 0) return
    if (this.blocks[0] === w.block) w.block.txs.unshift(...w.txs)
    else this.blocks.unshift({ ...w.block, txs: [...w.txs] })
    this.count += w.txs.length
  }

  /** The txs queued past their deadline, taken out (while reads fail, they go the timeout's way). */
  takeDue(now: number): Pending[] {
    const out: Pending[] = []
    for (const b of this.blocks) {
      const keep = b.txs.filter((p) => p.deadline > now)
      if (keep.length === b.txs.length) continue
      for (const p of b.txs) if (p.deadline <= now) out.push(p)
      b.txs = keep
    }
    for (let i = this.blocks.length - 1; i >= 0; i--) if (this.blocks[i]!.txs.length === 0) this.blocks.splice(i, 1)
    this.count -= out.length
    return out
  }

  /** Every tx queued, taken out. */
  takeAll(): Pending[] {
    const out = this.blocks.flatMap((b) => b.txs)
    this.blocks.length = 0
    this.count = 0
    return out
  }

  /** performance.now() when the oldest block queued was queued; undefined if none is. */
  oldestQueuedAt(): number | undefined {
    return this.blocks[0]?.queuedAt
  }

  /** Resolves when something is queued (at once if something is), or when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void> {
    if (this.count > 0 || signal.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        this.waiter = undefined
        signal.removeEventListener('abort', done)
        resolve()
      }
      this.waiter = done
      signal.addEventListener('abort', done, { once: true })
    })
  }
}

/**
 * How receipts are read while txs are being sent. On anvil each receipt costs the node
 * ≈0.05-1 ms of CPU (it grows with the block's size), on the cores that take the sends:
 * read at full speed, they halve the send rate. So while sends press on the node (unpaced
 * sends, or paced ones that start late), receipt reads take only a share of the time
 * (`minDuty`), which grows with the age of the oldest block waiting (to 1 at `fullAgeMs`) and
 * is 1 once `maxQueued` txs wait: a backlog is read at a pace that catches up, and the memory
 * it holds is bounded. Otherwise (no sends, or a pacer whose schedule is met), full speed.
 */
export interface ReceiptPace {
  /** Share of the wall time spent reading receipts while sends go on, at least (0 < minDuty ≤ 1). */
  minDuty: number
  /** The share is 1 once the oldest block waiting is this old. */
  fullAgeMs: number
  /** ... or once this many txs wait. */
  maxQueued: number
  /**
   * Sends count as pressing while a tx_result was seen in the last this many ms, unless it was
   * a paced send that started on time (see `latePacedMs`).
   */
  busyMs: number
  /**
   * A paced send (one with `scheduled_timestamp_ms`) that started less than this late does not
   * count: the pacer's schedule is met, the node has room for the receipts too.
   */
  latePacedMs: number
}

export const DEFAULT_RECEIPT_PACE: ReceiptPace = { minDuty: 0.25, fullAgeMs: 30_000, maxQueued: 100_000, busyMs: 500, latePacedMs: 100 }

/**
 * The share of the time receipts may take now: 1 with no sends in the last `busyMs`, else
 * between `minDuty` and 1 by the backlog's age and size.
 */
export function receiptDuty(pace: ReceiptPace, o: { now: number; lastSendAt: number; oldestQueuedAt: number | undefined; queued: number }): number {
  if (o.now - o.lastSendAt >= pace.busyMs || o.queued >= pace.maxQueued) return 1
  const age = o.oldestQueuedAt === undefined ? 0 : o.now - o.oldestQueuedAt
  return Math.min(1, pace.minDuty + (1 - pace.minDuty) * (age / pace.fullAgeMs))
}
