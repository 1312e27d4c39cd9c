import { sleep } from './sleep.js'

/**
 * Hands out send slots at a fixed rate, shared by all workers. Slot k is due at
 * start + k/rate; a worker that is late may use the slots it missed, up to `maxLagMs`
 * worth, so brief stalls are caught up and the long-run rate stays exact.
 */
export interface Pacer {
  /**
   * Takes the next slot: nothing to wait for (undefined, no promise on the hot path), or a
   * promise that resolves when the slot is due. Returns early when `signal` aborts.
   */
  take(signal?: AbortSignal): Promise<void> | undefined
}

export const unpaced: Pacer = { take: () => undefined }

export function createPacer(tps: number, opts: { maxLagMs?: number; now?: () => number } = {}): Pacer {
  if (!(tps > 0)) return unpaced
  const now = opts.now ?? (() => performance.now())
  const interval = 1000 / tps
  const maxLag = opts.maxLagMs ?? 250
  let next: number | undefined
  return {
    take(signal) {
      const t = now()
      if (next === undefined) next = t
      const slot = Math.max(next, t - maxLag)
      next = slot + interval
      const wait = slot - t
      return wait >= 1 ? sleep(wait, signal) : undefined
    },
  }
}
