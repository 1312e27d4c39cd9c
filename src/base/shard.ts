/** A sharded run's place: shard `index` of `count` (`--shard i/n`), its label, and which input lines it takes. */
import { UsageError } from './errors.js'

export interface Shard {
  /** 0-based, < count. */
  index: number
  count: number
}

/** `i/n`, as events and metrics carry it. */
export const shardLabel = (s: Shard): string => `${s.index}/${s.count}`

/** Shard i takes the input lines whose (1-based) number − 1 is i modulo n: every line is taken by exactly one shard. */
export const takesLine = (s: Shard, line: number): boolean => (line - 1) % s.count === s.index

/** Shard i's part of `count` items: the n parts add up to it, and differ by at most one. */
export const shareOf = (count: number, s: Shard): number => Math.floor(count / s.count) + (s.index < count % s.count ? 1 : 0)

/** `--shard i/n`: 0 ≤ i < n. */
export function parseShard(text: string, flag: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
  if (!m) throw new UsageError(`${flag}: "${text}" is not i/n (e.g. 0/3: the first of three shards)`)
  return checked(Number(m[1]), Number(m[2]), flag)
}

/** `--shards n`: the index comes from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job sets it in each pod). */
export function shardFromJobIndex(countText: string, flag: string, env: NodeJS.ProcessEnv = process.env): Shard {
  if (!/^\s*\d+\s*$/.test(countText)) throw new UsageError(`${flag}: "${countText}" is not a number of shards`)
  const index = env.JOB_COMPLETION_INDEX
  if (index === undefined || !/^\d+$/.test(index.trim())) {
    throw new UsageError(`${flag}: JOB_COMPLETION_INDEX is ${index === undefined ? 'not set' : `"${index}", not an index`} (it is set in the pods of a Kubernetes Indexed Job; elsewhere give --shard i/n)`)
  }
  return checked(Number(index), Number(countText), `${flag} (JOB_COMPLETION_INDEX)`)
}

function checked(index: number, count: number, flag: string): Shard {
  if (!Number.isSafeInteger(count) || count < 1 || count > 10_000) throw new UsageError(`${flag}: the number of shards must be 1 to 10000`)
  if (!Number.isSafeInteger(index) || index >= count) throw new UsageError(`${flag}: shard ${index} does not exist among ${count} (they are 0 to ${count - 1})`)
  return { index, count }
}
