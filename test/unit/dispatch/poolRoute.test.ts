import { describe, expect, test } from 'vitest'
import { poolRoute, poolsOf } from '../../../src/dispatch/poolRoute.js'
import type { IndexedSpec } from '../../../src/stream/spec.js'

const addr = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}` as `0x${string}`
const spec = (idx: number, pool?: string, from?: string): IndexedSpec => ({ idx, line: idx + 1, to: addr(99), value: 0n, ...(pool ? { pool } : {}), ...(from ? { from: from as `0x${string}` } : {}) })

describe('routing with several pools', () => {
  const signers = Array.from({ length: 5 }, (_, i) => ({ address: addr(i) }))
  const { slices, members } = poolsOf([{ name: 'a', size: 2 }, { name: 'b', size: 3 }], signers)

  test('behavior: a spec goes to its pool by its index within the pool', () => {
    const route = poolRoute(slices, signers.map((s) => s.address), 'a')
    // interleaved pools: a, b, b, a, b, a, b → a gets its 0th, 1st, 2nd; b its 0th..3rd
    const got = [spec(0, 'a'), spec(1, 'b'), spec(2, 'b'), spec(3, 'a'), spec(4, 'b'), spec(5, 'a'), spec(6, 'b')].map(route)
    expect(got).toEqual([0, 2, 3, 1, 4, 0, 2])
  })

  test('behavior: no from_pool means the default pool; from pins and still counts', () => {
    const route = poolRoute(slices, signers.map((s) => s.address), 'b')
    expect(route(spec(0))).toBe(2)
    expect(route(spec(1, 'b', addr(4).toUpperCase().replace('0X', '0x')))).toBe(4)
    expect(route(spec(2))).toBe(4) // the pinned spec took b's index 1
    expect(route(spec(3, 'nope'))).toBeUndefined()
  })

  test('behavior: members are each pool\'s own addresses', () => {
    expect([...members.get('a')!.values()]).toEqual([addr(0), addr(1)])
    expect([...members.get('b')!.values()]).toEqual([addr(2), addr(3), addr(4)])
  })
})
