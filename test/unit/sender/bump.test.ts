import { describe, expect, test } from 'vitest'
import { bumpedBid, replacementBid, snapshotWith } from '../../../src/sender/bump.js'
import type { FeeSnapshot } from '../../../src/tx/fees.js'

const GWEI = 10n ** 9n
const fees = (base: bigint, cap: bigint, tip: bigint): FeeSnapshot => ({ type: 'eip1559', baseFeePerGas: base, maxFeePerGas: cap, maxPriorityFeePerGas: tip, blockNumber: 1n, updatedAt: 0 })

describe('replacementBid', () => {
  test('behavior: the current fees when they are above the bump', () => {
    expect(replacementBid({ maxFee: 2n * GWEI, tip: GWEI }, fees(5n * GWEI, 11n * GWEI, 2n * GWEI))).toEqual({ maxFee: 11n * GWEI, tip: 2n * GWEI })
  })

  test('behavior: at least +10 % (and 1 wei) on both the cap and the tip, what geth and reth require', () => {
    const bid = replacementBid({ maxFee: 10n * GWEI, tip: GWEI }, fees(GWEI, 3n * GWEI, GWEI))!
    expect(bid.maxFee).toBe(bumpedBid(10n * GWEI))
    expect(bid.maxFee * 100n >= 10n * GWEI * 110n).toBe(true)
    expect(bid.tip * 100n >= GWEI * 110n).toBe(true)
  })

  test('behavior: --max-fee caps the bid; undefined when it cannot pay the bump or the base fee', () => {
    expect(replacementBid({ maxFee: 2n * GWEI, tip: GWEI }, fees(GWEI, 8n * GWEI, GWEI), 5n * GWEI)).toEqual({ maxFee: 5n * GWEI, tip: bumpedBid(GWEI) })
    expect(replacementBid({ maxFee: 5n * GWEI, tip: GWEI }, fees(GWEI, 8n * GWEI, GWEI), 5n * GWEI)).toBeUndefined()
    expect(replacementBid({ maxFee: 2n * GWEI, tip: GWEI }, fees(6n * GWEI, 14n * GWEI, GWEI), 5n * GWEI)).toBeUndefined()
  })

  test('behavior: the tip never exceeds the cap', () => {
    const bid = replacementBid({ maxFee: 2n * GWEI, tip: GWEI }, fees(GWEI, 3n * GWEI, 9n * GWEI), 4n * GWEI)!
    expect(bid.tip <= bid.maxFee).toBe(true)
  })

  test('behavior: snapshotWith makes buildTx bid exactly the bid (gas price on a legacy chain)', () => {
    expect(snapshotWith(fees(GWEI, 3n * GWEI, GWEI), { maxFee: 7n, tip: 2n })).toMatchObject({ maxFeePerGas: 7n, maxPriorityFeePerGas: 2n })
    expect(snapshotWith({ type: 'legacy', gasPrice: 5n, blockNumber: 1n, updatedAt: 0 }, { maxFee: 7n, tip: 7n })).toMatchObject({ gasPrice: 7n })
  })
})
