/** The receipt tracker's second loop: reads the queued receipts of included txs, oldest block first, at a pace that leaves the node to the sends. */
import { describeError } from '../base/errors.js'
import { sleep } from '../base/sleep.js'
import type { EventBody } from '../events/types.js'
import type { Logger } from '../log.js'
import { settleWaiters, type Pending, type PendingTxs } from './pendingTxs.js'
import { receiptDuty, type ReceiptPace, type ReceiptQueue } from './receiptQueue.js'
import type { ReceiptReader } from './receiptReader.js'
import { parseReceipt, receiptEvent, type ParsedReceipt } from './receipts.js'

export interface ReceiptDrainOptions {
  queue: ReceiptQueue
  reader: ReceiptReader
  /** Where a tx the node has no receipt for goes back to. */
  pending: PendingTxs
  pace: ReceiptPace
  pollMs: number
  emit: (e: EventBody) => void
  log: Logger
  /** After each read that went through (the tracker may be idle now). */
  onRead: () => void
  /** The node's receipt of a tx whose block told its outcome too, while those are checked (`BlockOutcomes.check`). */
  check: (derived: ParsedReceipt, node: ParsedReceipt, hash: string) => void
  /** Resolves when the run's output can take more (ReceiptTrackerOptions.outputRoom). */
  outputRoom?: () => Promise<void>
}

export class ReceiptDrain {
  /** Txs whose receipts are being read (out of the queue). */
  reading = 0
  /** The last read failed: the queued txs may time out too. */
  failing = false
  /** performance.now() of the last send pressing on the node (unpaced, or paced and late). */
  lastSendAt = -Infinity

  constructor(private readonly opts: ReceiptDrainOptions) {}

  /**
   * Reads the queued receipts until `stop`. While sends go on, each read is followed by a
   * pause so that reads take only `receiptDuty` of the time.
   */
  async run(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      await this.opts.queue.wait(stop)
      await this.opts.outputRoom?.()
      if (stop.aborted) return
      const t0 = performance.now()
      const ok = await this.read(this.duty() >= 1)
      if (!ok) await sleep(this.opts.pollMs, stop)
      else await this.pause(t0, performance.now() - t0, stop)
    }
  }

  /** The share of the time receipt reads may take now. */
  private duty(): number {
    const { queue, pace } = this.opts
    return receiptDuty(pace, { now: performance.now(), lastSendAt: this.lastSendAt, oldestQueuedAt: queue.oldestQueuedAt(), queued: queue.count })
  }

  /**
   * After a read that started at `t0` and took `took` ms: waits until t0 + took / duty, the
   * duty looked at again every poll period (once sends stop, the next read comes at once).
   */
  private async pause(t0: number, took: number, stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      const wait = t0 + took / this.duty() - performance.now()
      if (wait <= 0) return
      await sleep(Math.min(wait, this.opts.pollMs), stop)
    }
  }

  /**
   * One read of queued receipts (a whole read's worth at `full` speed, else one batch), emitted
   * as they come. A tx the node has no receipt for is pending again; after a failed read the rest
   * goes back to the queue's front. False if the read failed.
   */
  async read(full: boolean): Promise<boolean> {
    const { queue, reader, emit, log } = this.opts
    const taken = queue.take(reader.perRead(full))
    if (!taken) return true
    const b = taken.block
    this.reading += taken.txs.length
    const { receipts, failure } = await reader.read(b.number, taken.txs.map((tx) => tx.minedHash ?? tx.hash))
    this.reading -= taken.txs.length
    const missing: Pending[] = []
    for (const tx of taken.txs) {
      const r = receipts.get(tx.minedHash ?? tx.hash)
      if (!r) missing.push(tx)
      else if (!settleWaiters(tx, r)) {
        const parsed = parseReceipt(r)
        if (tx.derived) this.opts.check(tx.derived, parsed, tx.hash)
        emit(receiptEvent(tx, parsed, 'receipt', { timestamp: b.timestamp, seenMs: b.seenMs, txCount: b.txCount }))
      }
    }
    if (failure !== undefined) {
      queue.putBack({ block: b, txs: missing })
      if (!this.failing) log.warn({ err: describeError(failure) }, 'receipt tracking: reading receipts failed; retrying every poll')
      this.failing = true
      return false
    }
    for (const tx of missing) this.opts.pending.reinstate(tx)
    if (this.failing) log.info('receipt tracking: receipts are read again')
    this.failing = false
    this.opts.onRead()
    return true
  }
}
