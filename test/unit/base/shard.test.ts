import { describe, expect, test } from 'vitest'
import { derivePoolKeys } from '../../../src/accounts/derivePoolKeys.js'
import { UsageError } from '../../../src/base/errors.js'
import { parseShard, shardFromJobIndex, takesLine } from '../../../src/base/shard.js'

const MNEMONIC = 'test test test test test test test test test test test junk'

describe('shards', () => {
  test('behavior: --shard i/n and --shards n with JOB_COMPLETION_INDEX parse to the same shard; bad values are usage errors naming the flag', () => {
    expect(parseShard('1/3', '--shard')).toEqual({ index: 1, count: 3 })
    expect(shardFromJobIndex('3', '--shards', { JOB_COMPLETION_INDEX: '1' })).toEqual({ index: 1, count: 3 })
    for (const bad of ['3/3', '1', 'a/b', '0/0', '-1/2']) expect(() => parseShard(bad, '--shard')).toThrow(UsageError)
    expect(() => shardFromJobIndex('3', '--shards', {})).toThrow(/JOB_COMPLETION_INDEX is not set/)
    expect(() => shardFromJobIndex('3', '--shards', { JOB_COMPLETION_INDEX: '3' })).toThrow(/--shards/)
  })

  test('behavior: every input line is taken by exactly one of n shards', () => {
    for (const n of [1, 2, 3, 7]) {
      for (let line = 1; line <= 50; line++) {
        expect(Array.from({ length: n }, (_, i) => takesLine({ index: i, count: n }, line)).filter(Boolean)).toHaveLength(1)
      }
    }
  })

  test('behavior: shard 0 derives the unsharded pool; shards never share an account, from a seed or a mnemonic', () => {
    const pools = [{ name: 'executors', size: 5 }, { name: 'other', size: 3 }]
    for (const from of [{ seed: 's' }, { mnemonic: MNEMONIC }]) {
      expect(derivePoolKeys(pools, from, 0)).toEqual(derivePoolKeys(pools, from))
      const all = [0, 1, 2].flatMap((i) => derivePoolKeys(pools, from, i).flat())
      expect(new Set(all).size).toBe(all.length)
      expect(all.every((k) => /^0x[0-9a-f]{64}$/.test(k))).toBe(true)
    }
  })
})
