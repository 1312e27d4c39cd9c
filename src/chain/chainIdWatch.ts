/** Chain identity during a run: the node's chain id read again at a low rate and after each outage; a change ends the run. */
import type { Rpc } from '../rpc/rpc.js'

/** How often a run reads the chain id again (besides after each outage). */
export const CHAIN_ID_CHECK_MS = 30_000

export interface ChainIdWatchOptions {
  rpc: Rpc
  /** The chain id read at start (what every tx is signed for). */
  chainId: number
  /** Between two reads (CHAIN_ID_CHECK_MS). */
  everyMs: number
  /** Each read's timeout: a read that gets no answer is skipped (outages are NodeHealth's). */
  timeoutMs: number
  /** The node answered another chain id: called once. */
  onChange: (now: number) => void
}

/**
 * Reads `eth_chainId` every `everyMs`, and at once when `poke`d (the connection came back after
 * an outage: the node behind the URL may be another one). An answer that is not the run's chain
 * id calls `onChange`, once, and ends the watch; no answer, or a bad one, is skipped.
 */
export class ChainIdWatch {
  private wake: (() => void) | undefined
  private poked = false
  private changed = false

  constructor(private readonly o: ChainIdWatchOptions) {}

  /** Read the chain id now (or right after the read under way). */
  poke(): void {
    this.poked = true
    this.wake?.()
  }

  /** Watches until `end` aborts or the chain id changed. */
  async run(end: AbortSignal): Promise<void> {
    while (!end.aborted && !this.changed) {
      if (!this.poked) await this.wait(end)
      this.poked = false
      if (end.aborted) return
      await this.check()
    }
  }

  /** One read; true when it found another chain id. */
  async check(): Promise<boolean> {
    let now: number
    try {
      now = Number(BigInt(await this.o.rpc.request<string>('eth_chainId', [], { timeoutMs: this.o.timeoutMs })))
    } catch {
      return false
    }
    if (now === this.o.chainId || this.changed) return false
    this.changed = true
    this.o.onChange(now)
    return true
  }

  private wait(end: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        end.removeEventListener('abort', done)
        this.wake = undefined
        resolve()
      }
      const timer = setTimeout(done, this.o.everyMs)
      timer.unref?.()
      this.wake = done
      end.addEventListener('abort', done, { once: true })
    })
  }
}
