import { describe, expect, test } from 'vitest'
import { maxCost } from '../../../src/scenario/fundSteps.js'
import type { FeeSnapshot } from '../../../src/tx/fees.js'

const f = { chainId: 1, nonce: 0, value: 5n, gas: 100_000n }

describe('maxCost: what a step can cost at most', () => {
  test('gas × the snapshot\'s max fee (EIP-1559) or gas price (legacy), plus the value; a pinned max fee wins', () => {
    const eip1559: FeeSnapshot = { type: 'eip1559', baseFeePerGas: 7n, maxFeePerGas: 30n, maxPriorityFeePerGas: 16n, blockNumber: 1n, updatedAt: 0 }
    const legacy: FeeSnapshot = { type: 'legacy', gasPrice: 11n, blockNumber: 1n, updatedAt: 0 }
    expect(maxCost(f, eip1559)).toBe(100_000n * 30n + 5n)
    expect(maxCost(f, legacy)).toBe(100_000n * 11n + 5n)
    expect(maxCost({ ...f, maxFeePerGas: 2n }, eip1559)).toBe(200_000n + 5n)
  })
})
