/** Parsers of flag values (durations, counts, rates, amounts, URLs, keys); each error names the flag. */
import type { Hex } from 'viem'
import { UsageError } from '../base/errors.js'
import { readSmallFile, SmallFileError, warnIfReadableByOthers, type SmallFile } from '../base/smallFile.js'
import { parseAmount } from '../stream/parseValue.js'

/** `30s`, `500ms`, `2m`, `1h`, or a bare number of seconds → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text)
  if (!m) throw new UsageError(`${flag}: "${text}" is not a duration (use e.g. 30s, 500ms, 2m)`)
  const n = Number(m[1])
  const unit = (m[2] ?? 's').toLowerCase()
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000
  return Math.round(ms)
}

/** A duration that must be longer than 0. */
export function parsePositiveDuration(text: string, flag: string): number {
  const ms = parseDuration(text, flag)
  if (ms <= 0) throw new UsageError(`${flag}: must be longer than 0`)
  return ms
}

/** An http(s) URL; anything else is a usage error. */
export function parseHttpUrl(text: string, flag: string): string {
  try {
    const u = new URL(text)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error()
  } catch {
    throw new UsageError(`${flag}: not an http(s) URL`)
  }
  return text
}

export function parseCount(text: string, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new UsageError(`${flag}: "${text}" is not a whole number`)
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag}: must be a whole number ≥ ${min}, got ${text}`)
  if (n > max) throw new UsageError(`${flag}: must be at most ${max}, got ${text}`)
  return n
}

export function parseRate(text: string, flag: string): number {
  const n = Number(text)
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag}: "${text}" is not a rate ≥ 0`)
  return n
}

/** An amount of wei from the CLI (`"0.01 eth"`, `"2 gwei"`, `1000`). */
export function parseWei(text: string, flag: string): bigint {
  try {
    return parseAmount(text, flag)
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`)
  }
}

/** A private key from a flag, env var or file. Never echoes the value in an error. */
export function parsePrivateKey(text: string, source: string): Hex {
  const t = text.trim()
  const hex = t.startsWith('0x') || t.startsWith('0X') ? t.slice(2) : t
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new UsageError(`${source}: not a 32-byte hex private key (value not shown)`)
  return `0x${hex.toLowerCase()}`
}

/** The largest key file read: a 32-byte hex key is 66 characters; room for a newline and comments around it. */
export const MAX_KEY_FILE_BYTES = 4096

/** A private key from a file: read bounded, refused unless a regular-sized file, warned of once when others may read it. */
export function readKeyFile(path: string, flag: string, warn: (message: string) => void = () => {}): Hex {
  let file: SmallFile
  try {
    file = readSmallFile(path, MAX_KEY_FILE_BYTES)
  } catch (err) {
    if (err instanceof SmallFileError) throw new UsageError(`${flag}: ${err.message}${err.reason === 'too_large' ? ': not a key file' : ''}`)
    throw err
  }
  warnIfReadableByOthers(path, file, `${flag}:`, warn)
  return parsePrivateKey(file.text, `${flag} ${path}`)
}
