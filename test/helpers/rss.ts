import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** Peak resident memory (VmHWM, Linux) of a live process, in MiB; undefined once it is gone. */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : undefined
  } catch {
    return undefined
  }
}

/** Samples a child's peak RSS every 100 ms until it exits, into `into.peak` (MiB). */
export function watchRss(child: ChildProcess, into: { peak: number }): void {
  const timer = setInterval(() => {
    const v = peakRssMiB(child.pid!)
    if (v !== undefined) into.peak = Math.max(into.peak, v)
  }, 100)
  child.once('exit', () => clearInterval(timer))
}
