import { describe, expect, test } from 'vitest'
import { ChainLoad, DEFAULT_HEADROOM_BLOCKS } from '../../../src/chain/chainLoad.js'
import { baseFeeAfter } from '../../../src/chain/feeOracle.js'
import type { EventBody } from '../../../src/events/types.js'

/** Block n of a 1 s chain with room for 100 transfers. */
const block = (n: number, ours: number, backlog: number, gasUsed = ours * 21_000) =>
  ({ type: 'block' as const, number: n, timestamp: 1_000 + n, tx_count: ours, ours, gas_used: gasUsed, gas_limit: 2_100_000, base_fee_per_gas: '1000000000', backlog })

function load() {
  const emitted: EventBody[] = []
  const headroom: number[] = []
  const l = new ChainLoad({ emit: (e) => emitted.push(e), onHeadroom: (b) => headroom.push(b) })
  return { l, emitted, headroom }
}

describe('ChainLoad', () => {
  test('behavior: a backlog the chain works through at its full rate for 3 blocks is a saturation episode; under a block\'s worth it ends', () => {
    const { l, emitted } = load()
    let backlog = 1_000
    for (let n = 1; n <= 12; n++) {
      backlog = Math.max(0, backlog - 100)
      l.block(block(n, 100, backlog))
    }
    const types = emitted.map((e) => e.type)
    expect(types.filter((t) => t === 'saturation')).toHaveLength(1)
    expect(types.filter((t) => t === 'saturation_end')).toHaveLength(1)
    const sat = emitted.find((e) => e.type === 'saturation') as Extract<EventBody, { type: 'saturation' }>
    expect(sat.inclusion_tps).toBe(100)
    expect(sat.block_fullness).toBe(1)
    expect(l.summary().saturation?.episodes).toBe(1)
    expect(l.summary().capacity?.tps).toBe(100)
  })

  test('behavior: blocks with room and a small backlog are no saturation', () => {
    const { l, emitted } = load()
    for (let n = 1; n <= 10; n++) l.block(block(n, 30, 5))
    expect(emitted).toEqual([])
    expect(l.summary()).toEqual({})
  })

  test('behavior: the headroom follows how many blocks the backlog will wait at the measured rate (+2), within 2-40', () => {
    const { l, headroom } = load()
    l.block(block(1, 100, 1_000))
    expect(headroom.at(-1)).toBe(12) // 1,000 ÷ 100 a block + 2
    l.block(block(2, 100, 100))
    expect(headroom.at(-1)).toBe(3)
    l.block(block(3, 100, 100_000))
    expect(headroom.at(-1)).toBe(40)
  })

  test('behavior: with the keepers\' margin (their look-ahead + 1: 4 blocks) a first bid outlasts its wait and the margin; never less than the margin', () => {
    const headroom: number[] = []
    const l = new ChainLoad({ emit: () => {}, onHeadroom: (b) => headroom.push(b), marginBlocks: 4 })
    l.block(block(1, 100, 1_000))
    expect(headroom.at(-1)).toBe(14) // 1,000 ÷ 100 a block + 4
    l.block(block(2, 100, 0))
    expect(headroom.at(-1)).toBe(4)
  })

  test('behavior: before a block of ours is measured, a backlog waits at least backlog ÷ (gas limit ÷ 21,000) blocks: a burst\'s first sends carry that, not the default', () => {
    const headroom: number[] = []
    const l = new ChainLoad({ emit: () => {}, onHeadroom: (b) => headroom.push(b), marginBlocks: 4, blockGasLimit: () => 2_100_000 })
    for (let i = 0; i < 2_560; i++) l.sent({ ref: { idx: i, line: i + 1 }, hash: '0x01', startMs: 0 })
    expect(headroom.at(-1)).toBe(30) // 2,560 ÷ 100 a block (rounded up) + 4
    // a small backlog keeps the default (≈ 2 × the base fee)
    const small: number[] = []
    const m = new ChainLoad({ emit: () => {}, onHeadroom: (b) => small.push(b), marginBlocks: 4, blockGasLimit: () => 2_100_000 })
    for (let i = 0; i < 64; i++) m.sent({ ref: { idx: i, line: i + 1 }, hash: '0x01', startMs: 0 })
    expect(small).toEqual([])
  })

  test('behavior: before anything is measured the headroom is ≈ 2 × the base fee', () => {
    const base = 10n ** 9n
    const cap = baseFeeAfter(base, DEFAULT_HEADROOM_BLOCKS)
    expect(cap > 2n * base && cap < (21n * base) / 10n).toBe(true)
    expect(baseFeeAfter(base, 1)).toBe((base * 9n + 7n) / 8n)
  })
})
