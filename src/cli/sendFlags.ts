/** The flags of `send`, `run` and `setup` → SendOptions: the table's parsers, plus the rules that span flags. */
import { createReadStream, statSync } from 'node:fs'
import { type Command, Option } from 'commander'
import type { Hex } from 'viem'
import { SEED_HINT, seedProblem } from '../accounts/seedRules.js'
import { UsageError } from '../base/errors.js'
import type { Logger } from '../log.js'
import type { SendOptions } from '../send.js'
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../startup/openChain.js'
import { FLAGS, type Flag, flag } from './options.js'
import { parseCount, parseDuration, parseHttpUrl, parsePrivateKey, readKeyFile } from './parseFlags.js'
import { loadShapeFromFlags } from './shapeFlags.js'
import { shapeDurationMs } from '../dispatch/loadShape.js'

/** What commander parsed; the two every sending command reads itself are typed. */
export interface SendFlags extends Record<string, unknown> {
  logLevel: string
  assert?: string[]
  /** `--events` (send, run). */
  events?: string
  /** `--from` (send). */
  from?: string
}

/**
 * Flags → SendOptions; `given` replaces `--from` (`floodgate run` streams its own specs). A flag
 * the command does not take counts with its `send` default (`setup` has no --tps, say).
 */
export function resolveSendOptions(flags: SendFlags, cmd: Command, log: Logger, signal: AbortSignal, given?: SendOptions['input']): SendOptions {
  const read = reader(flags, cmd)
  for (const f of FLAGS) {
    if (f.secret !== undefined && read.fromCli(f) && read.text(f) !== undefined) {
      log.warn(`a secret given on the command line is visible to other users in ps; use ${f.secret} instead`)
    }
  }
  if (read.text(flag('seed')) !== undefined && read.text(flag('mnemonic')) !== undefined) throw new UsageError('--seed and --mnemonic are exclusive: give one')
  if (read.given(flag('send-rpc-url')) && (read.text(flag('rpc-url')) === undefined || read.all(flag('rpc-url')).length > 1)) {
    throw new UsageError('--send-rpc-url needs --rpc-url (the endpoint it reads from), given once')
  }
  if (read.given(flag('shard')) && read.given(flag('shards'))) throw new UsageError('--shard and --shards are exclusive: give one')
  if ((read.given(flag('shard')) || read.given(flag('shards'))) && read.text(flag('seed')) === undefined && read.text(flag('mnemonic')) === undefined) {
    throw new UsageError('a shard needs the seed (or mnemonic) every shard shares: give --seed or FLOODGATE_SEED')
  }
  const seed = read.text(flag('seed'))
  if (seed !== undefined) {
    const problem = seedProblem(seed)
    if (problem !== undefined) throw new UsageError(`${read.fromCli(flag('seed')) ? '--seed' : 'FLOODGATE_SEED'}: the seed ${problem} (value not shown)`, { hint: SEED_HINT })
  }
  const funderKey = resolveFunderKey(read, log)
  const parsed: Partial<SendOptions> = {}
  for (const f of FLAGS) {
    if (f.arg === undefined) {
      if (f.to) Object.assign(parsed, f.to(read.switched(f)))
    } else if (f.to) {
      const value = read.text(f)
      if (value !== undefined) Object.assign(parsed, f.to(value, `--${f.long}`))
    }
  }
  const poolSize = parseCount(read.text(flag('pool-size'))!, '--pool-size', 1)
  const shape = loadShapeFromFlags(flags, cmd)
  // a shape of its own length (--ramp, --stage, --tpb with --duration) ends the run itself: no hard stop cutting its last slots
  if (shape !== undefined && Number.isFinite(shapeDurationMs(shape))) delete parsed.durationMs
  // every required field is set above: each has a table default, or is a switch
  return {
    ...parsed,
    input: given ?? specInput(read.text(flag('from'))!),
    output: process.stdout, // the commands put --events here (eventsOutput.ts)
    log,
    pools: [{ name: read.text(flag('from-pool'))!, size: poolSize }],
    ...(funderKey !== undefined ? { funderKey } : {}),
    ...(shape !== undefined ? { shape } : {}),
    ...rpcTimeouts(read),
    ...moreEndpoints(read),
    signal,
  } as SendOptions
}

type Reader = ReturnType<typeof reader>

/** A flag's value as the command got it: from the command line, the env, its default, else the table's `send` default. */
function reader(flags: SendFlags, cmd: Command) {
  const attr = (f: Flag) => new Option(`--${f.long}`).attributeName()
  const source = (f: Flag) => cmd.getOptionValueSource(attr(f))
  return {
    /** A repeatable flag given more than once: its first value. */
    text(f: Flag): string | undefined {
      const v = flags[attr(f)]
      return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : f.default
    },
    /** Every value of a repeatable flag. */
    all: (f: Flag): string[] => [flags[attr(f)] ?? []].flat().filter((v): v is string => typeof v === 'string'),
    /** A switch given (a negated one: `--no-x` given). */
    switched(f: Flag): boolean {
      const v = flags[attr(f)]
      return f.long.startsWith('no-') ? v === false : v === true
    },
    fromCli: (f: Flag) => source(f) === 'cli',
    /** Given on the command line or in the env, not defaulted. */
    given: (f: Flag) => flags[attr(f)] !== undefined && source(f) !== 'default',
  }
}

/** The funder key from --funder-key-file, -p/--priv-key or --funder-key/FLOODGATE_FUNDER_KEY; more than one on the command line is an error. */
function resolveFunderKey(read: Reader, log: Logger): Hex | undefined {
  const [file, priv, key] = [read.text(flag('funder-key-file')), read.text(flag('priv-key')), read.text(flag('funder-key'))]
  const keyOnCli = read.fromCli(flag('funder-key'))
  if ([file, priv, keyOnCli ? key : undefined].filter((k) => k !== undefined).length > 1) {
    throw new UsageError('give the funder key once: --funder-key, -p/--priv-key or --funder-key-file')
  }
  if (file !== undefined) return readKeyFile(file, '--funder-key-file', (m) => log.warn(m))
  if (priv !== undefined) return parsePrivateKey(priv, '--priv-key')
  if (key !== undefined) return parsePrivateKey(key, keyOnCli ? '--funder-key' : 'FLOODGATE_FUNDER_KEY')
  return undefined
}

/** `--from`: stdin (`stdin` or `-`), or a file that must exist. */
function specInput(from: string): SendOptions['input'] {
  if (from === 'stdin' || from === '-') return process.stdin
  try {
    if (!statSync(from).isFile()) throw new Error()
  } catch {
    throw new UsageError(`--from: ${from} is not a readable file`)
  }
  return createReadStream(from)
}

/**
 * --request-timeout, --connect-timeout (default: the request timeout, at most 8 s) and
 * --max-outage; `--rpc-timeout X` sets all three (connect: at most 8 s of X), and each of them
 * given too wins for its own part.
 */
function rpcTimeouts(read: Reader): Pick<SendOptions, 'requestTimeoutMs' | 'connectTimeoutMs' | 'maxOutageMs'> {
  const ms = (long: string) => parseDuration(read.text(flag(long))!, `--${long}`)
  const all = read.given(flag('rpc-timeout')) ? ms('rpc-timeout') : undefined
  const own = (long: string) => (read.given(flag(long)) || all === undefined ? ms(long) : all)
  const requestTimeoutMs = own('request-timeout')
  const connectTimeoutMs = read.given(flag('connect-timeout')) ? ms('connect-timeout') : Math.min(all ?? requestTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS)
  return { requestTimeoutMs, connectTimeoutMs, maxOutageMs: own('max-outage') }
}

/** The endpoints after the first, when --rpc-url is given more than once. */
function moreEndpoints(read: Reader): Pick<SendOptions, 'moreRpcUrls'> {
  const urls = read.all(flag('rpc-url'))
  return urls.length > 1 ? { moreRpcUrls: urls.slice(1).map((u) => parseHttpUrl(u, '--rpc-url')) } : {}
}
