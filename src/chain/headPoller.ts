/** The chain's head, polled once for the run: eth_blockNumber every period, each new head handed to every subscriber. */
import { sleep } from '../base/sleep.js'

/** A new head: `head` is higher than `prev`, the head known before (blocks prev+1..head are new). */
export type HeadListener = (head: number, prev: number) => void

/**
 * Reads the head every `periodMs` and tells each subscriber once per poll that found a higher
 * block. A failed read is asked again at the next period (whoever reads the node's other
 * answers reports a failing node). One per run: the receipt tracker records blocks' first-seen
 * times from it, and per-block pacing takes its ticks from the same polls (`follow`).
 */
export class HeadPoller {
  private readonly listeners = new Set<HeadListener>()
  private known: number | undefined

  constructor(
    private readonly readHead: () => Promise<number>,
    readonly periodMs: number,
  ) {}

  /** Calls `fn` on each new head from now on; returns its unsubscribe. */
  onHead(fn: HeadListener): () => void {
    const entry: HeadListener = (head, prev) => fn(head, prev)
    this.listeners.add(entry)
    return () => this.listeners.delete(entry)
  }

  /**
   * A pacer's HeadSource: `onHead` per new head until `stop` aborts (a per-block stage's ticks).
   * Subscribes only: the polling is `run`'s.
   */
  readonly follow = (onHead: () => void, stop: AbortSignal): void => {
    if (stop.aborted) return
    const off = this.onHead(() => {
      if (!stop.aborted) onHead()
    })
    stop.addEventListener('abort', off, { once: true })
  }

  /**
   * Polls until `stop` aborts. `known`: the head already known (only later blocks are new; the
   * first read comes a period later); without it, the first read sets the starting point.
   */
  async run(stop: AbortSignal, known?: number): Promise<void> {
    this.known = known
    for (let first = known === undefined; !stop.aborted; first = false) {
      if (!first) await sleep(this.periodMs, stop)
      if (stop.aborted) return
      try {
        const head = await this.readHead()
        const prev = this.known
        if (prev === undefined || head > prev) this.known = head
        if (prev !== undefined && head > prev && !stop.aborted) for (const fn of [...this.listeners]) fn(head, prev)
      } catch {
        // the next period asks again
      }
    }
  }
}
