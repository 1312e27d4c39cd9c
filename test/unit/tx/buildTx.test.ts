import { serializeTransaction } from 'viem'
import { describe, expect, test } from 'vitest'
import { buildTx, type TxFields } from '../../../src/tx/buildTx.js'
import type { FeeSnapshot } from '../../../src/tx/fees.js'
import { intrinsicGas } from '../../../src/tx/txTypeFields.js'

const fees: FeeSnapshot = { type: 'eip1559', baseFeePerGas: 7n, maxFeePerGas: 2_000_000_014n, maxPriorityFeePerGas: 1_000_000_000n, blockNumber: 1n, updatedAt: 0 }
const base: TxFields = { chainId: 31337, nonce: 0, to: '0x000000000000000000000000000000000000dEaD', value: 0n, gas: 21_000n }
const MAX = (1n << 256n) - 1n

describe('buildTx: fee fields that always serialize', () => {
  test.each([
    ['a pinned max fee of 1 wei, below the default tip: the tip is capped at it', { maxFeePerGas: 1n }, 1n, 1n],
    ['a pinned max fee of 0: tip 0', { maxFeePerGas: 0n }, 0n, 0n],
    ['a spec tip of 2^256-1 with no max fee: the raised cap stays within 2^256-1', { maxPriorityFeePerGas: MAX }, MAX, MAX],
    ['a spec tip above the default max fee: the cap is raised to 2 × base + tip', { maxPriorityFeePerGas: 5_000_000_000n }, 5_000_000_014n, 5_000_000_000n],
  ])('%s', (_, over, maxFee, tip) => {
    const tx = buildTx({ ...base, ...over }, fees) as { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }
    expect([tx.maxFeePerGas, tx.maxPriorityFeePerGas]).toEqual([maxFee, tip])
    expect(() => serializeTransaction(tx as never)).not.toThrow()
  })
})

describe('intrinsicGas', () => {
  test('21000 + 4 per zero byte + 16 per other byte + access list; Prague floor 21000 + 10 per token', () => {
    const data = `0x00${'ab'.repeat(1000)}` as const
    expect(intrinsicGas({ data })).toBe(21_000n + 4n + 16_000n)
    expect(intrinsicGas({ data }, true)).toBe(21_000n + 10n * (1n + 4_000n))
    expect(intrinsicGas({ accessList: [{ address: base.to!, storageKeys: [`0x${'00'.repeat(32)}`] }] })).toBe(21_000n + 2_400n + 1_900n)
    // no calldata: the floor is 21000, never above the standard cost
    expect(intrinsicGas({}, true)).toBe(21_000n)
  })
})
