/** Block first-seen times: when each block number first showed at the head, what `inclusion_ms` measures to. */

/** Blocks whose first-seen time is kept (the oldest are forgotten first). */
const SEEN_AT_CAP = 4096

import type { HeadPoller } from './headPoller.js'

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
   * Records each new head `poller` finds: it reads nothing else, so a reader that is behind
   * does not make inclusion look later than it was.
   */
  watch(poller: HeadPoller): void {
    poller.onHead((head, prev) => this.saw(prev + 1, head))
  }
}
