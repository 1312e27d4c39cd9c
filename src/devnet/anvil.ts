/**
 * Running anvil as a child process: start (until it listens), errors that show its output with
 * secrets withheld, and stop. Its flags are built in anvilFlags.ts, its output kept by
 * outputCapture.ts, and killOnExit.ts ends it if floodgate goes first.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { FloodgateError } from '../base/errors.js'
import { createLogger, type Logger } from '../log.js'
import { anvilBinary, type AnvilCommand } from './anvilBinary.js'
import { anvilFlags, secretArgs } from './anvilFlags.js'
import type { AnvilOptions } from './anvilOptions.js'
import { signalChild, track, untrack } from './killOnExit.js'
import { OutputCapture } from './outputCapture.js'


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

const DEFAULT_START_TIMEOUT_MS = 15_000
const DEFAULT_STOP_TIMEOUT_MS = 5_000
const LISTENING = /Listening on (\S+):(\d+)\s*$/

/** Starts anvil and resolves once it listens. Its output is captured (last 40 lines) and never printed. */
export async function startAnvil(opts: AnvilOptions = {}): Promise<AnvilInstance> {
  const host = opts.host ?? '127.0.0.1'
  const startTimeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS
  const flags = anvilFlags({ ...opts, host })
  const secrets = secretArgs(opts.extraArgs ?? [])
  const cmd = anvilBinary()
  const startedAt = Date.now()
  const anvil = new AnvilProcess(cmd, flags, {
    secrets,
    stopTimeoutMs: opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
    onParentGone: opts.dumpState ? 'SIGTERM' : 'SIGKILL',
    logger: opts.logger,
  })
  const { port } = await anvil.untilListening(startTimeoutMs)
  const url = `http://${formatHost(connectHost(host))}:${port}`
  if (opts.silent) await anvil.silence(url, Math.max(1_000, startTimeoutMs - (Date.now() - startedAt)))
  anvil.ready(url)
  return { url, host, port, pid: anvil.child.pid!, stop: () => anvil.stop(), exited: anvil.exited }
}

interface AnvilProcessOptions {
  /** Values withheld from the output an error shows. */
  secrets: string[]
  stopTimeoutMs: number
  /** The signal that ends this anvil if floodgate goes away first. */
  onParentGone: NodeJS.Signals
  logger: Logger | null | undefined
}

/** One anvil child: spawned in its own process group, its output captured until ready, stopped in order. */
class AnvilProcess {
  readonly child: ChildProcess
  /** Resolves with the exit code (null when ended by a signal) whenever the process exits. */
  readonly exited: Promise<number | null>
  private readonly capture: OutputCapture
  private logger: Logger | null | undefined
  private stopRequested = false
  private stopping: Promise<void> | undefined

  constructor(
    private readonly cmd: AnvilCommand,
    flags: readonly string[],
    private readonly o: AnvilProcessOptions,
  ) {
    this.logger = o.logger
    const child = spawnAnvil(cmd, flags)
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

  /** Resolves with where anvil says it listens; rejects (after killing it) on a spawn failure, an early exit or the timeout. */
  untilListening(timeoutMs: number): Promise<{ host: string; port: number }> {
    const { child, capture } = this
    return new Promise((resolve, reject) => {
      let settled = false
      const finish = (err: AnvilStartError | null, value?: { host: string; port: number }) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        capture.onLine = undefined
        if (err) void this.killAndWait().then(() => reject(err))
        else resolve(value!)
      }
      const timer = setTimeout(() => finish(this.startError(`anvil did not print "Listening on" within ${timeoutMs} ms`)), timeoutMs)
      capture.onLine = (line) => {
        const m = LISTENING.exec(line)
        if (m) finish(null, { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) })
      }
      child.once('error', (err) => finish(this.startError(`could not run anvil (${this.cmd.command})`, { cause: err })))
      // 'close' comes after the last output was read; 'exit' may come before it, so wait a little for 'close'
      const exitedEarly = (code: number | null, signal: NodeJS.Signals | null) =>
        finish(this.startError(`anvil exited (${code !== null ? `code ${code}` : `signal ${signal}`}) before it was ready`, { exitCode: code }))
      child.once('close', exitedEarly)
      child.once('exit', (code, signal) => setTimeout(() => exitedEarly(code, signal), 250).unref())
    })
  }

  /** Switches anvil's own log lines off (anvil_setLoggingEnabled false); on failure kills it and throws. */
  async silence(url: string, timeoutMs: number): Promise<void> {
    try {
      await jsonRpc(url, 'anvil_setLoggingEnabled', [false], timeoutMs)
    } catch (err) {
      const e = this.startError(
        `anvil listened on ${url} but did not answer anvil_setLoggingEnabled (${err instanceof Error ? err.message : String(err)})`,
        { cause: err },
      )
      await this.killAndWait()
      throw e
    }
  }

  /** Started: stop capturing output, warn of an exit nobody asked for. */
  ready(url: string): void {
    this.capture.stop()
    this.child.once('exit', (code, signal) => {
      if (!this.stopRequested) this.log()?.warn({ pid: this.child.pid, code, signal }, 'anvil exited unexpectedly')
    })
    this.log()?.debug({ pid: this.child.pid, url, via: this.cmd.via }, 'anvil started')
  }

  /** SIGTERM, SIGKILL after stopTimeoutMs; resolves once the process has exited. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.terminate()
    return this.stopping
  }

  private async terminate(): Promise<void> {
    const { child } = this
    const { stopTimeoutMs } = this.o
    this.stopRequested = true
    if (child.exitCode === null && child.signalCode === null) {
      signalChild(child, 'SIGTERM')
      const escalate = setTimeout(() => {
        this.log()?.warn({ pid: child.pid, stopTimeoutMs }, 'anvil did not exit on SIGTERM in time; sending SIGKILL')
        signalChild(child, 'SIGKILL')
      }, stopTimeoutMs)
      await this.exited
      clearTimeout(escalate)
    }
    untrack(child)
    this.log()?.debug({ pid: child.pid, code: child.exitCode, signal: child.signalCode }, 'anvil stopped')
  }

  private async killAndWait(): Promise<void> {
    signalChild(this.child, 'SIGKILL')
    await Promise.race([this.exited, sleep(this.o.stopTimeoutMs)])
  }

  private startError(reason: string, opts: { exitCode?: number | null; cause?: unknown } = {}): AnvilStartError {
    return new AnvilStartError(reason, sanitizeAnvilOutput(this.capture.tail, this.o.secrets), opts)
  }

  /** The logger, created on first use (default createLogger(); null: none). */
  private log(): Logger | null {
    return this.logger === undefined ? (this.logger = createLogger()) : this.logger
  }
}

function spawnAnvil(cmd: AnvilCommand, flags: readonly string[]): ChildProcess {
  return spawn(cmd.command, [...cmd.args, ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...cmd.env },
    // Own process group: a terminal Ctrl-C goes to floodgate only, which then stops anvil in order;
    // and stop() can signal the whole group (the npm wrapper and the anvil it runs).
    detached: process.platform !== 'win32',
    windowsHide: true,
  })
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

export type { AnvilOptions }
