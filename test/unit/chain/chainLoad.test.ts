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
  const clock = { ms: 0 }
  const l = new ChainLoad({ emit: (e) => emitted.push(e), onHeadroom: (b) => headroom.push(b), now: () => clock.ms })
  /** n sends of ours taken by the node, each with this gas limit. */
  const send = (n: number, gas: bigint) => {
    for (let i = 0; i < n; i++) l.sent({ ref: { idx: i, line: i + 1 }, hash: '0x01', gas, startMs: 0 })
  }
  return { l, emitted, headroom, clock, send }
}

/** Block n of a 1 s chain of 30M-gas blocks: `ours` heavy txs of ours (20M gas used each, as a burner of 20M sends with a 25M limit). */
const heavyBlock = (n: number, ours: number, backlog: number, gasUsed = ours * 20_000_000) =>
  ({ type: 'block' as const, number: n, timestamp: 1_000 + n, tx_count: ours, ours, gas_used: gasUsed, gas_limit: 30_000_000, base_fee_per_gas: '1000000000', backlog })

const ofType = <T extends EventBody['type']>(emitted: EventBody[], type: T) => emitted.filter((e): e is Extract<EventBody, { type: T }> => e.type === type)

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

  test('behavior: heavy txs (25M-gas limits, 20M used, one per 30M-gas block) with a backlog: each block has no room for the next (10M left), so it is saturation, and the capacity is 1 tx/s and 20M gas/s', () => {
    const { l, emitted, send } = load()
    send(30, 25_000_000n)
    let backlog = 30
    for (let n = 1; n <= 20; n++) l.block(heavyBlock(n, 1, (backlog -= 1)))
    expect(ofType(emitted, 'saturation')).toHaveLength(1)
    expect(ofType(emitted, 'saturation')[0]).toMatchObject({ block_number: 3, inclusion_tps: 1, inclusion_gas_per_s: 20_000_000 })
    expect(l.summary().capacity).toEqual({ tps: 1, gas_per_s: 20_000_000 })
    expect(l.roomy(), 'no room for the next heavy tx: the never-included rule must not see room').toBe(false)
  })

  test('behavior: the same blocks (67 % full) under the old 90 % rule would have room: with light txs of ours (21,000 gas) waiting they do have room, so no saturation', () => {
    const { l, emitted, send } = load()
    send(64, 21_000n)
    for (let n = 1; n <= 10; n++) l.block(heavyBlock(n, 1, 50))
    expect(emitted).toEqual([])
    expect(l.summary()).toEqual({})
    expect(l.roomy()).toBe(true)
  })

  test('behavior: light txs filling their blocks to the last transfer with a backlog are saturation; the capacity is what those blocks included (100 tx/s, 2.1M gas/s)', () => {
    const { l, emitted, send } = load()
    send(64, 21_000n)
    let backlog = 2_000
    for (let n = 1; n <= 10; n++) l.block(block(n, 100, (backlog -= 100)))
    expect(ofType(emitted, 'saturation')).toHaveLength(1)
    expect(l.summary().capacity).toEqual({ tps: 100, gas_per_s: 2_100_000 })
    // 99 transfers leave room for one more: with the backlog still there, two such blocks in a row end the episode
    l.block(block(11, 99, 800))
    expect(ofType(emitted, 'saturation_end')).toHaveLength(0)
    l.block(block(12, 99, 700))
    expect(ofType(emitted, 'saturation_end')).toMatchObject([{ block_number: 12, backlog: 700 }])
  })

  test('behavior: an idle tail after saturation: the episode ends at the first block with our backlog gone, and saturated_ms stops growing; capacity keeps what the saturated blocks included', () => {
    const { l, emitted, send, clock } = load()
    send(20, 25_000_000n)
    let backlog = 12
    for (let n = 1; n <= 10; n++) {
      clock.ms += 1_000
      l.block(heavyBlock(n, 1, (backlog -= 1)))
    }
    expect(ofType(emitted, 'saturation')).toHaveLength(1)
    // backlog 1: under a block's worth (1 a block)… then 0
    clock.ms += 1_000
    l.block(heavyBlock(11, 1, 1))
    expect(ofType(emitted, 'saturation_end')).toMatchObject([{ block_number: 11, duration_ms: 8_000, backlog: 1 }])
    const at = l.summary()
    for (let n = 12; n <= 200; n++) {
      clock.ms += 1_000
      l.block(heavyBlock(n, 0, 0))
    }
    expect(l.summary()).toEqual(at)
    expect(at).toEqual({ saturation: { episodes: 1, saturated_ms: 8_000 }, capacity: { tps: 1, gas_per_s: 20_000_000 } })
    expect(ofType(emitted, 'saturation')).toHaveLength(1)
  })

  test('behavior: blocks with room for our next tx end an episode though our backlog remains (two in a row: one is a hiccup); an idle chain with a backlog it does not include is no saturation', () => {
    const { l, emitted, send, clock } = load()
    send(20, 25_000_000n)
    for (let n = 1; n <= 5; n++) {
      clock.ms += 1_000
      l.block(heavyBlock(n, 1, 20))
    }
    clock.ms += 1_000
    l.block(heavyBlock(6, 0, 20)) // room: a hiccup
    clock.ms += 1_000
    l.block(heavyBlock(7, 1, 20))
    expect(ofType(emitted, 'saturation_end')).toHaveLength(0)
    for (let n = 8; n <= 30; n++) {
      clock.ms += 1_000
      l.block(heavyBlock(n, 0, 20)) // the chain idles; our 20 wait (a node that lost them)
    }
    expect(ofType(emitted, 'saturation_end')).toMatchObject([{ block_number: 9, backlog: 20 }])
    expect(ofType(emitted, 'saturation')).toHaveLength(1)
    const { saturation } = l.summary()
    expect(saturation).toEqual({ episodes: 1, saturated_ms: 6_000 })
  })

  test('behavior: full blocks with no backlog of ours (others fill the chain) are no saturation', () => {
    const { l, emitted, send } = load()
    send(5, 21_000n)
    for (let n = 1; n <= 10; n++) l.block(block(n, 0, 0, 2_100_000))
    expect(emitted).toEqual([])
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
