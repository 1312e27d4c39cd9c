/** Block first-seen times: when each block number first showed at the head, what `inclusion_ms` measures to. */
import { sleep } from '../base/sleep.js'

/** Blocks whose first-seen time is kept (the oldest are forgotten first). */
const SEEN_AT_CAP = 4096

export class HeadWatcher {
  /** Block number → wall-clock ms when eth_blockNumber first showed it. */
  private readonly seenAt = new Map<number, number>()

  constructor(private readonly cap = SEEN_AT_CAP) {}

  /** Records `now` as the first-seen time of each block from..to not seen before. */
  saw(from: number, to: number, now = Date.now()): void {
    for (let n = from; n <= to; n++) {
      if (this.seenAt.has(n)) continue
      this.seenAt.set(n, now)
      if (this.seenAt.size > this.cap) this.seenAt.delete(this.seenAt.keys().next().value!)
    }
  }

  /** When block n first showed up; now if that is not known (not seen, or forgotten). */
  firstSeen(n: number): number {
    return this.seenAt.get(n) ?? Date.now()
  }

  /**
   * Every `periodMs` until `stop` aborts, reads the head and records the block numbers new
   * since `known`; reads nothing else, so a reader that is behind does not make inclusion
   * look later than it was.
   */
  async watch(known: number, periodMs: number, readHead: () => Promise<number>, stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      await sleep(periodMs, stop)
      if (stop.aborted) return
      try {
        const head = await readHead()
        this.saw(known + 1, head)
        known = Math.max(known, head)
      } catch {
        // the reading loop reports a failing RPC; the next period asks again
      }
    }
  }
}
