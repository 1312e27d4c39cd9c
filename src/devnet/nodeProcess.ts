/**
 * A local node run as a child process (anvil, geth): spawned in its own process group, its output
 * captured until it listens (for a start error to show, secrets withheld) and drained after,
 * ended with it if floodgate goes first (killOnExit.ts), and stopped in order.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { type ErrorCode, FloodgateError } from '../base/errors.js'
import { createLogger, type Logger } from '../log.js'
import { signalChild, track, untrack } from './killOnExit.js'
import { OutputCapture } from './outputCapture.js'

/** How to run the node: `spawn(command, [...args, ...flags], { env: { ...process.env, ...env } })`. */
export interface NodeCommand {
  command: string
  /** Arguments that go before the node's own flags (a wrapper script, when one is used). */
  args: string[]
  env: Record<string, string>
  /** Where the command was found, for diagnostics. */
  via: string
}

/** A started node as its starter hands it out. */
export interface NodeInstance {
  /** http://host:port, with 0.0.0.0/:: replaced by the loopback address. */
  url: string
  pid: number
  /** SIGTERM, SIGKILL after the stop timeout; resolves once the process has exited (and its files are gone). Idempotent. */
  stop(): Promise<void>
  /** Resolves with the exit code (null when ended by a signal) whenever the process exits. */
  exited: Promise<number | null>
}

export interface NodeProcessOptions {
  /** The node's name in messages: 'anvil', 'geth'. */
  name: string
  /** The output line that says where the node listens: groups 1 (host) and 2 (port). */
  listening: RegExp
  /** That line's words, for the error when it never comes: 'Listening on'. */
  listeningText: string
  /** Values withheld from the output an error shows. */
  secrets: string[]
  stopTimeoutMs: number
  /** The signal that ends the node if floodgate goes away first. */
  onParentGone: NodeJS.Signals
  logger: Logger | null | undefined
  /** The error a failed start throws: `reason`, and the node's last lines with secrets withheld. */
  startError: (reason: string, output: string[], opts: { exitCode?: number | null; cause?: unknown }) => FloodgateError
}

/** A node failed to start: bad flag, port taken, timeout... `output` is its last lines, secrets withheld. */
export class NodeStartError extends FloodgateError {
  readonly output: string[]
  readonly exitCode: number | null | undefined

  constructor(node: string, code: ErrorCode, reason: string, output: string[], opts: { exitCode?: number | null; cause?: unknown } = {}) {
    const headline = pickHeadline(output)
    const body = output.length ? `\nlast output of ${node} (lines that may hold secrets withheld):\n${output.map((l) => `  ${l}`).join('\n')}` : ''
    super(code, `${reason}${headline ? `: ${headline}` : ''}${body}`, { cause: opts.cause, details: output.join('\n') })
    this.output = output
    this.exitCode = opts.exitCode
  }
}

/** One node child: spawned in its own process group, its output captured until ready, stopped in order. */
export class NodeProcess {
  readonly child: ChildProcess
  /** Resolves with the exit code (null when ended by a signal) whenever the process exits. */
  readonly exited: Promise<number | null>
  private readonly capture: OutputCapture
  private logger: Logger | null | undefined
  private stopRequested = false
  private stopping: Promise<void> | undefined

  constructor(
    private readonly cmd: NodeCommand,
    flags: readonly string[],
    private readonly o: NodeProcessOptions,
  ) {
    this.logger = o.logger
    const child = spawn(cmd.command, [...cmd.args, ...flags], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...cmd.env },
      // Own process group: a terminal Ctrl-C goes to floodgate only, which then stops the node in
      // order; and stop() can signal the whole group (a wrapper and the node it runs).
      detached: process.platform !== 'win32',
      windowsHide: true,
    })
    this.child = child
    track(child, o.onParentGone)
    child.on('error', () => {}) // reported by untilListening (spawn failure); later ones (a failed kill) are not fatal
    this.exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code))
      child.once('error', () => {
        if (child.pid === undefined) resolve(null) // never ran
      })
    })
    void this.exited.then(() => untrack(child))
    this.capture = new OutputCapture([child.stdout!, child.stderr!])
  }

  /** Resolves with where the node says it listens; rejects (after killing it) on a spawn failure, an early exit or the timeout. */
  untilListening(timeoutMs: number): Promise<{ host: string; port: number }> {
    const { child, capture } = this
    const name = this.o.name
    return new Promise((resolve, reject) => {
      let settled = false
      const finish = (err: FloodgateError | null, value?: { host: string; port: number }) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        capture.onLine = undefined
        if (err) void this.killAndWait().then(() => reject(err))
        else resolve(value!)
      }
      const timer = setTimeout(() => finish(this.startError(`${name} did not print "${this.o.listeningText}" within ${timeoutMs} ms`)), timeoutMs)
      capture.onLine = (line) => {
        const m = this.o.listening.exec(line)
        if (m) finish(null, { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) })
      }
      child.once('error', (err) => finish(this.startError(`could not run ${name} (${this.cmd.command})`, { cause: err })))
      // 'close' comes after the last output was read; 'exit' may come before it, so wait a little for 'close'
      const exitedEarly = (code: number | null, signal: NodeJS.Signals | null) =>
        finish(this.startError(`${name} exited (${code !== null ? `code ${code}` : `signal ${signal}`}) before it was ready`, { exitCode: code }))
      child.once('close', exitedEarly)
      child.once('exit', (code, signal) => setTimeout(() => exitedEarly(code, signal), 250).unref())
    })
  }

  /** Started: stop capturing output, warn of an exit nobody asked for. */
  ready(url: string): void {
    this.capture.stop()
    this.child.once('exit', (code, signal) => {
      if (!this.stopRequested) this.log()?.warn({ pid: this.child.pid, code, signal }, `${this.o.name} exited unexpectedly`)
    })
    this.log()?.debug({ pid: this.child.pid, url, via: this.cmd.via }, `${this.o.name} started`)
  }

  /** SIGTERM, SIGKILL after stopTimeoutMs; resolves once the process has exited. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.terminate()
    return this.stopping
  }

  /** A start that failed after the node listened: kills it, and gives the error to throw. */
  async failStart(reason: string, cause?: unknown): Promise<FloodgateError> {
    const e = this.startError(reason, { cause })
    await this.killAndWait()
    return e
  }

  private async terminate(): Promise<void> {
    const { child } = this
    const { stopTimeoutMs, name } = this.o
    this.stopRequested = true
    if (child.exitCode === null && child.signalCode === null) {
      signalChild(child, 'SIGTERM')
      const escalate = setTimeout(() => {
        this.log()?.warn({ pid: child.pid, stopTimeoutMs }, `${name} did not exit on SIGTERM in time; sending SIGKILL`)
        signalChild(child, 'SIGKILL')
      }, stopTimeoutMs)
      await this.exited
      clearTimeout(escalate)
    }
    untrack(child)
    this.log()?.debug({ pid: child.pid, code: child.exitCode, signal: child.signalCode }, `${name} stopped`)
  }

  private async killAndWait(): Promise<void> {
    signalChild(this.child, 'SIGKILL')
    await Promise.race([this.exited, sleep(this.o.stopTimeoutMs)])
  }

  private startError(reason: string, opts: { exitCode?: number | null; cause?: unknown } = {}): FloodgateError {
    return this.o.startError(reason, sanitizeNodeOutput(this.capture.tail, this.o.secrets), opts)
  }

  /** The logger, created on first use (default createLogger(); null: none). */
  private log(): Logger | null {
    return this.logger === undefined ? (this.logger = createLogger()) : this.logger
  }
}

const HEX_KEY = /[0-9a-fA-F]{64}/
const MNEMONIC_WORD = /mnemonic/i
const DEFAULT_MNEMONIC_START = /\btest test test\b/

/**
 * A node's output lines minus anything that may be secret: lines with 64 hex digits (private keys;
 * hashes go too), lines mentioning a mnemonic or holding the default one, lines holding any of
 * `secrets`. Each withheld run becomes one marker line.
 */
export function sanitizeNodeOutput(lines: readonly string[], secrets: readonly string[] = []): string[] {
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

/** The line that says what went wrong: the node's own "error: ..."/"Fatal: ...", else the last line. */
export function pickHeadline(output: readonly string[]): string | undefined {
  const err = output.find((l) => /^\s*(error|fatal)\b/i.test(l) || /panicked/.test(l))
  return err?.trim() ?? (output.length ? output[output.length - 1]!.trim() : undefined)
}

/** A URL host for where a node says it listens: the wildcard addresses become loopback, IPv6 bracketed. */
export function urlHost(host: string): string {
  const connect = host === '0.0.0.0' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host
  return connect.includes(':') && !connect.startsWith('[') ? `[${connect}]` : connect
}

/** One JSON-RPC call to a node being started (before floodgate's own client exists). */
export async function jsonRpc(url: string, method: string, params: unknown[], timeoutMs: number): Promise<unknown> {
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
