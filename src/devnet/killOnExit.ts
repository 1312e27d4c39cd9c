/**
 * Children must not outlive us: the anvils still running, ended with their signal when this
 * process exits or gets a terminating signal nobody else handles; and signalling a child's
 * whole process group (the npm wrapper and the anvil it runs).
 */
import type { ChildProcess } from 'node:child_process'

/** Live anvils, with the signal to end them with if this process goes away first. */
const live = new Map<ChildProcess, NodeJS.Signals>()
const PARENT_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

function onParentExit(): void {
  for (const [child, signal] of live) signalChild(child, signal)
}

/**
 * A terminating signal with no handler but ours: end the anvils, then let the signal do what it
 * would have done. When the application handles the signal itself, it owns shutdown (and calls
 * stop()); the 'exit' hook still catches whatever is left.
 */
function onParentSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return
  onParentExit()
  unhook()
  process.kill(process.pid, signal)
}

function hook(): void {
  process.on('exit', onParentExit)
  for (const s of PARENT_SIGNALS) process.on(s, onParentSignal)
}

function unhook(): void {
  process.off('exit', onParentExit)
  for (const s of PARENT_SIGNALS) process.off(s, onParentSignal)
}

/** Ends `child` with `onParentGone` should this process go first. */
export function track(child: ChildProcess, onParentGone: NodeJS.Signals): void {
  if (live.size === 0) hook()
  live.set(child, onParentGone)
}

/** `child` has exited or been stopped: nothing to end any more. */
export function untrack(child: ChildProcess): void {
  if (!live.delete(child)) return
  if (live.size === 0) unhook()
}

/** Signals the child's process group (POSIX; it is the group leader) or the child itself. */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  if (process.platform !== 'win32') {
    try {
      process.kill(-child.pid, signal)
      return
    } catch {
      // group gone or not ours: fall back to the child itself
    }
  }
  try {
    child.kill(signal)
  } catch {
    // already gone
  }
}
