import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { validateEvent } from '../../src/events/schema.js'
import { assertNoSecrets, cliSecrets } from './secrets.js'

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
export const BIN = join(ROOT, 'dist', 'bin', 'floodgate.js')

export type Event = Record<string, any> & { version: 1; type: string }

export interface CliRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  events: Event[]
  child: ChildProcess
}

export interface CliOptions {
  /** Text, or chunks of text or bytes (bytes go through unchanged: invalid UTF-8 stays invalid). */
  stdin?: string | Iterable<string | Uint8Array>
  env?: Record<string, string | undefined>
  timeoutMs?: number
  /** Called once the child is spawned (to send signals, write stdin slowly, …). */
  onSpawn?: (child: ChildProcess) => void
  /** Leave stdin open (the test writes and ends it). */
  keepStdin?: boolean
}

/** A fresh state dir per call, so no test reuses another's default seed. */
export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'floodgate-test-'))
}

/**
 * Runs the built CLI (`dist/bin/floodgate.js`, as `npm test` builds it) with real stdio.
 * Every stdout line must be a valid event: that check runs on every e2e run.
 */
export function runCli(args: string[], o: CliOptions = {}): Promise<CliRun> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` (npm test does)`)
  const env = { ...process.env, FLOODGATE_STATE_DIR: tempStateDir(), ...o.env }
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  child.stdin!.on('error', () => {}) // the child may exit before reading everything
  o.onSpawn?.(child)
  if (!o.keepStdin) {
    if (typeof o.stdin === 'string') child.stdin!.end(o.stdin)
    else if (o.stdin) {
      void (async () => {
        for (const chunk of o.stdin as Iterable<string | Uint8Array>) {
          if (!child.stdin!.write(chunk)) await new Promise((r) => child.stdin!.once('drain', r))
        }
        child.stdin!.end()
      })()
    } else child.stdin!.end()
  }
  const timeout = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 110_000)
  return new Promise((resolvePromise) => {
    child.on('close', (code, signal) => {
      clearTimeout(timeout)
      // every run: no key, seed or mnemonic in what it printed (`devnet` prints a funded key by design)
      if (args[0] !== 'devnet') assertNoSecrets(stdout + stderr, cliSecrets(args, env, env.FLOODGATE_STATE_DIR!), `floodgate ${args.join(' ').slice(0, 80)}`)
      resolvePromise({ code, signal, stdout, stderr, events: parseEvents(stdout), child })
    })
  })
}

/**
 * `floodgate devnet …args` started in the background: its first stdout line (the devnet's URL,
 * chain id and funded key) once printed, and the child (the test stops it).
 */
export async function startDevnetCli(args: string[] = []): Promise<{ info: Event & { rpc_url: string }; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'devnet', ...args], { env: { ...process.env, FLOODGATE_STATE_DIR: tempStateDir() }, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stderr!.resume()
  let out = ''
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      if (out.includes('\n')) resolve(out.split('\n')[0]!)
    })
    child.once('exit', (code) => reject(new Error(`devnet exited (${code}) before it printed its line`)))
  })
  return { info: JSON.parse(line), child }
}

/** Parses NDJSON stdout and asserts every line is a schema-valid event. */
export function parseEvents(stdout: string): Event[] {
  const events: Event[] = []
  for (const line of stdout.split('\n')) {
    if (!line) continue
    const e = JSON.parse(line) as Event
    expect(validateEvent(e), line).toEqual([])
    events.push(e)
  }
  return events
}

export const ofType = (events: Event[], type: string) => events.filter((e) => e.type === type)

/** Asserts the stream invariants every run must keep; returns the summary. */
export function assertAccounted(events: Event[], specLines: number): Event {
  const results = ofType(events, 'tx_result')
  const invalid = ofType(events, 'invalid_spec')
  expect(results.length + invalid.length, 'every non-blank, non-comment line ends in exactly one event').toBe(specLines)
  const lines = [...results, ...invalid].map((e) => e.line)
  expect(new Set(lines).size, 'no line has two terminal events').toBe(lines.length)
  const idx = results.map((e) => e.idx).sort((a, b) => a - b)
  expect(idx).toEqual(Array.from({ length: results.length }, (_, i) => i))
  const summary = events.at(-1)!
  expect(summary.type, 'summary is the last line').toBe('summary')
  expect(ofType(events, 'summary')).toHaveLength(1)
  const notSent = results.filter((r) => r.status === 'not_sent')
  for (const r of notSent) expect(r, 'a spec not sent has no error, hash or nonce').toMatchObject({ nonce: null, attempts: 0 })
  for (const r of notSent) expect(r.error_code ?? r.tx_hash).toBeUndefined()
  expect(summary.sent).toBe(results.filter((r) => !r.error_code && !r.status).length)
  expect(summary.failed).toBe(results.filter((r) => r.error_code).length)
  expect(summary.not_sent).toBe(notSent.length)
  expect(summary.invalid).toBe(invalid.length)
  return summary
}

/** JSON lines from objects. */
export const jsonl = (specs: unknown[]) => specs.map((s) => (typeof s === 'string' ? s : JSON.stringify(s))).join('\n') + '\n'

/** Where the tests' plain transfers go. */
export const SINK = '0x000000000000000000000000000000000000dEaD'
/** `n` transfer lines to SINK, each a different value (1 wei, 2 wei, …). */
export const transfers = (n: number) => jsonl(Array.from({ length: n }, (_, i) => ({ to: SINK, value: `${i + 1} wei` })))
/** The env of a run funded by the devnet key, with its own pool seed. */
export const fundedEnv = (seed: string) => ({ FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: seed })

/** Calls `act` once, after `n` tx_result lines were printed (pass as `onSpawn`). */
export function afterResults(n: number, act: (child: ChildProcess) => void) {
  return (child: ChildProcess) => {
    let seen = 0
    child.stdout!.on('data', (c: Buffer) => {
      if (seen >= n) return
      seen += c.toString().split('"type":"tx_result"').length - 1
      if (seen >= n) act(child)
    })
  }
}
