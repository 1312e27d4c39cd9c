import { getAddress } from 'viem'
import { describe, expect, test } from 'vitest'
import { keyOf } from '../../../src/base/key.js'

describe('keyOf', () => {
  test('behavior: a checksummed address and its lowercase form are one key; so are a hash in capitals and in lowercase', () => {
    const lower = '0x8ba1f109551bd432803012645ac136ddd64dba72'
    expect(keyOf(getAddress(lower))).toBe(keyOf(lower))
    expect(keyOf(getAddress(lower))).toBe(lower)
    const hash = `0x${'ab'.repeat(32)}` as const
    expect(keyOf(`0x${hash.slice(2).toUpperCase()}`)).toBe(keyOf(hash))
    expect(new Set([getAddress(lower), lower].map((a) => keyOf(a))).size).toBe(1)
  })
})
