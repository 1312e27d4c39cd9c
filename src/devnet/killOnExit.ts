/**
 * Children must not outlive us: the nodes still running (anvil, geth), ended with their signal
 * when this process exits or gets a terminating signal nobody else handles, and by a watchdog
 * when it dies without running any hook (SIGKILL, an OOM kill); and signalling a child's whole
 * process group (the npm wrapper and the anvil it runs).
 */
import { spawn, type ChildProcess } from 'node:child_process'

/** Live nodes, with the signal to end them with if this process goes away first, and their watchdogs. */
const live = new Map<ChildProcess, NodeJS.Signals>()
const watchdogs = new Map<ChildProcess, ChildProcess>()

/**
 * The watchdog: a small node process holding the read end of a pipe whose write end only this
 * process holds. The kernel closes it when this process dies, however it dies; the watchdog then
 * signals the node's process group and exits. It also exits once the node is gone.
 */
const WATCHDOG = `const [pid, signal] = process.argv.slice(1).map((a, i) => (i === 0 ? Number(a) : a))
process.stdin.on('data', () => {})
process.stdin.on('end', () => { try { process.kill(-pid, signal) } catch {} process.exit(0) })
setInterval(() => { try { process.kill(pid, 0) } catch { process.exit(0) } }, 1000)`

function startWatchdog(child: ChildProcess, signal: NodeJS.Signals): void {
  if (process.platform === 'win32' || child.pid === undefined) return
  const w = spawn(process.execPath, ['-e', WATCHDOG, String(child.pid), signal], { stdio: ['pipe', 'ignore', 'ignore'], detached: true })
  w.on('error', () => {}) // no watchdog: the exit hooks still end the node
  w.stdin!.on('error', () => {})
  // neither the watchdog nor its pipe keeps this process alive
  w.unref()
  ;(w.stdin as unknown as { unref?: () => void }).unref?.()
  watchdogs.set(child, w)
}
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
  startWatchdog(child, onParentGone)
}

/** `child` has exited or been stopped: nothing to end any more. */
export function untrack(child: ChildProcess): void {
  watchdogs.get(child)?.kill('SIGKILL')
  watchdogs.delete(child)
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
