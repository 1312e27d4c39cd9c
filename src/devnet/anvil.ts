import { spawn, type ChildProcess } from 'node:child_process'
import { FloodgateError } from '../base/errors.js'
import { createLogger, type Logger } from '../log.js'
import { anvilBinary } from './anvilBinary.js'

export interface AnvilOptions {
  /** Interface to listen on. Default '127.0.0.1'. */
  host?: string
  /** Default 0: anvil binds a free port and reports it ("Listening on 127.0.0.1:NNNNN"). */
  port?: number
  /** Interval mining, seconds; fractions work (0.5). Omit for anvil's default (mine one block per tx). */
  blockTime?: number
  /** Mine only on request (evm_mine). */
  noMining?: boolean
  /** Block gas limit. */
  gasLimit?: bigint
  chainId?: number
  /** e.g. 'prague', 'osaka'. anvil's default is its latest. */
  hardfork?: string
  /** Number of dev accounts. */
  accounts?: number
  /** Balance of every dev account, in ether. */
  balance?: number
  loadState?: string
  /** Written by anvil when it exits on SIGTERM (stop() sends SIGTERM first). */
  dumpState?: string
  /** Appended after the flags above. */
  extraArgs?: string[]
  /** Until "Listening on" (and, if silent, the first RPC). Default 15000. */
  startTimeoutMs?: number
  /** stop(): SIGTERM, then SIGKILL after this long. Default 5000. */
  stopTimeoutMs?: number
  /**
   * Switch anvil's own per-transaction/per-block log lines off once it is ready
   * (anvil_setLoggingEnabled false). Its output is never shown either way; this spares anvil
   * formatting it, which at thousands of tx/s is a sizeable share of its CPU (see docs/devnet.md).
   */
  silent?: boolean
  /** Lifecycle logging (debug: start/stop; warn: unexpected exit, SIGKILL). Default createLogger(); null: none. */
  logger?: Logger | null
}

export interface AnvilInstance {
  /** http://host:port, with 0.0.0.0/:: replaced by the loopback address. */
  url: string
  host: string
  port: number
  pid: number
  /** SIGTERM, SIGKILL after stopTimeoutMs; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>
  /** Resolves with the exit code (null when ended by a signal) whenever the process exits. */
  exited: Promise<number | null>
}

/** anvil failed to start: bad flag, port taken, timeout... `output` is anvil's last lines, secrets withheld. */
export class AnvilStartError extends FloodgateError {
  override name = 'AnvilStartError'
  readonly output: string[]
  readonly exitCode: number | null | undefined

  constructor(reason: string, output: string[], opts: { exitCode?: number | null; cause?: unknown } = {}) {
    const headline = pickHeadline(output)
    const body = output.length ? `\nlast output of anvil (lines that may hold secrets withheld):\n${output.map((l) => `  ${l}`).join('\n')}` : ''
    super('ANVIL_START', `${reason}${headline ? `: ${headline}` : ''}${body}`, {
      cause: opts.cause,
      details: output.join('\n'),
    })
    this.output = output
    this.exitCode = opts.exitCode
  }
}

const TAIL_LINES = 40
const DEFAULT_START_TIMEOUT_MS = 15_000
const DEFAULT_STOP_TIMEOUT_MS = 5_000
const LISTENING = /Listening on (\S+):(\d+)\s*$/
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g

/** Starts anvil and resolves once it listens. Its output is captured (last 40 lines) and never printed. */
export async function startAnvil(opts: AnvilOptions = {}): Promise<AnvilInstance> {
  const host = opts.host ?? '127.0.0.1'
  const startTimeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS
  const stopTimeoutMs = opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS
  const flags = anvilFlags({ ...opts, host })
  const secrets = secretArgs(opts.extraArgs ?? [])
  let logger: Logger | null | undefined = opts.logger
  const log = (): Logger | null => (logger === undefined ? (logger = createLogger()) : logger)

  const cmd = anvilBinary()
  const startedAt = Date.now()
  const child = spawn(cmd.command, [...cmd.args, ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...cmd.env },
    // Own process group: a terminal Ctrl-C goes to floodgate only, which then stops anvil in order;
    // and stop() can signal the whole group (the npm wrapper and the anvil it runs).
    detached: process.platform !== 'win32',
    windowsHide: true,
  })
  track(child, opts.dumpState ? 'SIGTERM' : 'SIGKILL')
  child.on('error', () => {}) // reported below (spawn failure); later ones (a failed kill) are not fatal

  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code))
    child.once('error', () => {
      if (child.pid === undefined) resolve(null) // never ran
    })
  })
  void exited.then(() => untrack(child))

  // capture: last lines of both streams, until ready; then the streams are only drained
  const tail: string[] = []
  let capturing = true
  let onLine: ((line: string) => void) | undefined
  const capture = (stream: NodeJS.ReadableStream) => {
    let partial = ''
    stream.on('data', (chunk: Buffer) => {
      if (!capturing) return
      const parts = (partial + chunk.toString('utf8')).split(/\r?\n/)
      partial = parts.pop() ?? ''
      if (partial.length > 4096) {
        parts.push(partial.slice(0, 4096))
        partial = ''
      }
      for (const raw of parts) {
        const line = raw.replace(ANSI, '').trimEnd()
        if (!line.trim()) continue
        tail.push(line)
        if (tail.length > TAIL_LINES) tail.shift()
        onLine?.(line)
      }
    })
    stream.once('end', () => {
      if (capturing && partial.trim()) tail.push(partial.replace(ANSI, '').trimEnd())
      partial = ''
    })
  }
  capture(child.stdout!)
  capture(child.stderr!)

  const output = () => sanitizeAnvilOutput(tail, secrets)
  const killAndWait = async (): Promise<void> => {
    signalChild(child, 'SIGKILL')
    await Promise.race([exited, sleep(stopTimeoutMs)])
  }

  const listening = await new Promise<{ host: string; port: number }>((resolve, reject) => {
    let settled = false
    const finish = (err: AnvilStartError | null, value?: { host: string; port: number }) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      onLine = undefined
      if (err) void killAndWait().then(() => reject(err))
      else resolve(value!)
    }
    const timer = setTimeout(
      () => finish(new AnvilStartError(`anvil did not print "Listening on" within ${startTimeoutMs} ms`, output())),
      startTimeoutMs,
    )
    onLine = (line) => {
      const m = LISTENING.exec(line)
      if (m) finish(null, { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) })
    }
    child.once('error', (err) =>
      finish(new AnvilStartError(`could not run anvil (${cmd.command})`, output(), { cause: err })),
    )
    // 'close' comes after the last output was read; 'exit' may come before it, so wait a little for 'close'
    const exitedEarly = (code: number | null, signal: NodeJS.Signals | null) =>
      finish(
        new AnvilStartError(
          `anvil exited (${code !== null ? `code ${code}` : `signal ${signal}`}) before it was ready`,
          output(),
          { exitCode: code },
        ),
      )
    child.once('close', exitedEarly)
    child.once('exit', (code, signal) => setTimeout(() => exitedEarly(code, signal), 250).unref())
  })

  const port = listening.port
  const url = `http://${formatHost(connectHost(host))}:${port}`

  if (opts.silent) {
    try {
      await jsonRpc(url, 'anvil_setLoggingEnabled', [false], Math.max(1_000, startTimeoutMs - (Date.now() - startedAt)))
    } catch (err) {
      const e = new AnvilStartError(
        `anvil listened on ${url} but did not answer anvil_setLoggingEnabled (${err instanceof Error ? err.message : String(err)})`,
        output(),
        { cause: err },
      )
      await killAndWait()
      throw e
    }
  }
  capturing = false
  tail.length = 0

  let stopRequested = false
  child.once('exit', (code, signal) => {
    if (!stopRequested) log()?.warn({ pid: child.pid, code, signal }, 'anvil exited unexpectedly')
  })
  log()?.debug({ pid: child.pid, url, via: cmd.via }, 'anvil started')

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      stopRequested = true
      if (child.exitCode === null && child.signalCode === null) {
        signalChild(child, 'SIGTERM')
        const escalate = setTimeout(() => {
          log()?.warn({ pid: child.pid, stopTimeoutMs }, 'anvil did not exit on SIGTERM in time; sending SIGKILL')
          signalChild(child, 'SIGKILL')
        }, stopTimeoutMs)
        await exited
        clearTimeout(escalate)
      }
      untrack(child)
      log()?.debug({ pid: child.pid, code: child.exitCode, signal: child.signalCode }, 'anvil stopped')
    })()
    return stopping
  }

  return { url, host, port, pid: child.pid!, stop, exited }
}

/** anvil's command-line flags for the options (validated). */
export function anvilFlags(opts: AnvilOptions): string[] {
  const bad = (what: string): never => {
    throw new FloodgateError('ANVIL_OPTIONS', `invalid anvil option: ${what}`)
  }
  const flags = ['--host', opts.host ?? '127.0.0.1']
  const port = opts.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65_535) bad(`port ${port}`)
  flags.push('--port', String(port))
  if (opts.blockTime !== undefined) {
    if (!Number.isFinite(opts.blockTime) || opts.blockTime <= 0) bad(`blockTime ${opts.blockTime} (seconds, > 0)`)
    flags.push('--block-time', String(opts.blockTime))
  }
  if (opts.noMining) flags.push('--no-mining')
  if (opts.gasLimit !== undefined) {
    if (opts.gasLimit <= 0n) bad(`gasLimit ${opts.gasLimit}`)
    flags.push('--gas-limit', opts.gasLimit.toString())
  }
  if (opts.chainId !== undefined) {
    if (!Number.isSafeInteger(opts.chainId) || opts.chainId <= 0) bad(`chainId ${opts.chainId}`)
    flags.push('--chain-id', String(opts.chainId))
  }
  if (opts.hardfork !== undefined) flags.push('--hardfork', opts.hardfork)
  if (opts.accounts !== undefined) {
    if (!Number.isInteger(opts.accounts) || opts.accounts < 0) bad(`accounts ${opts.accounts}`)
    flags.push('--accounts', String(opts.accounts))
  }
  if (opts.balance !== undefined) {
    if (!Number.isSafeInteger(opts.balance) || opts.balance < 0) bad(`balance ${opts.balance} (whole ether)`)
    flags.push('--balance', String(opts.balance))
  }
  if (opts.loadState !== undefined) flags.push('--load-state', opts.loadState)
  if (opts.dumpState !== undefined) flags.push('--dump-state', opts.dumpState)
  flags.push(...(opts.extraArgs ?? []))
  return flags
}

const HEX_KEY = /[0-9a-fA-F]{64}/
const MNEMONIC_WORD = /mnemonic/i
const DEFAULT_MNEMONIC_START = /\btest test test\b/

/**
 * anvil's output lines minus anything that may be secret: lines with 64 hex digits (private keys;
 * hashes go too), lines mentioning a mnemonic or holding the default one, lines holding any of
 * `secrets`. Each withheld run becomes one marker line.
 */
export function sanitizeAnvilOutput(lines: readonly string[], secrets: readonly string[] = []): string[] {
  const out: string[] = []
  let withheld = 0
  const flush = () => {
    if (withheld) out.push(`[${withheld} line${withheld === 1 ? '' : 's'} withheld]`)
    withheld = 0
  }
  for (const line of lines) {
    const secret =
      HEX_KEY.test(line) ||
      MNEMONIC_WORD.test(line) ||
      DEFAULT_MNEMONIC_START.test(line) ||
      secrets.some((s) => s.length > 0 && line.includes(s))
    if (secret) withheld++
    else {
      flush()
      out.push(line)
    }
  }
  flush()
  return out
}

/** Values of secret-bearing flags in extra args, so that an echo of them in an error is withheld too. */
function secretArgs(args: readonly string[]): string[] {
  const flagsWithSecret = new Set(['-m', '--mnemonic', '--mnemonic-seed-unsafe', '--fork-url', '--rpc-url', '-f', '--fork-header'])
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const eq = a.indexOf('=')
    if (eq > 0 && flagsWithSecret.has(a.slice(0, eq))) out.push(a.slice(eq + 1))
    else if (flagsWithSecret.has(a) && args[i + 1] !== undefined) out.push(args[++i]!)
  }
  return out
}

/** The line that says what went wrong: anvil's own "error: ..."/"Error: ...", else the last line. */
function pickHeadline(output: readonly string[]): string | undefined {
  const err = output.find((l) => /^\s*error\b/i.test(l) || /panicked/.test(l))
  return err?.trim() ?? (output.length ? output[output.length - 1]!.trim() : undefined)
}

function connectHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::' || host === '[::]') return '::1'
  return host
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

async function jsonRpc(url: string, method: string, params: unknown[], timeoutMs: number): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  })
  const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string } }
  if (body.error) throw new Error(`${body.error.code} ${body.error.message}`)
  return body.result
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

// ------------------------------------------------------------------ children must not outlive us

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

function track(child: ChildProcess, onParentGone: NodeJS.Signals): void {
  if (live.size === 0) hook()
  live.set(child, onParentGone)
}

function untrack(child: ChildProcess): void {
  if (!live.delete(child)) return
  if (live.size === 0) unhook()
}

/** Signals the child's process group (POSIX; it is the group leader) or the child itself. */
function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
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
