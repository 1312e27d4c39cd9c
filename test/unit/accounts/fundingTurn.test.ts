import type { Address } from 'viem'
import { describe, expect, test } from 'vitest'
import { waitFundingTurn } from '../../../src/accounts/fundingTurn.js'
import { createLogger } from '../../../src/log.js'
import type { ChainReads } from '../../../src/sender/chainReads.js'

const A = '0x00000000000000000000000000000000000000a1' as Address
const B = '0x00000000000000000000000000000000000000b2' as Address

/** Reads of a chain whose balances and nonces the test sets. */
function chain() {
  const balance = new Map<Address, bigint>()
  const nonce = new Map<Address, number>()
  let reads = 0
  const r = {
    balanceOf: async (a: Address) => (reads++, balance.get(a) ?? 0n),
    nonceAt: async (a: Address) => nonce.get(a) ?? 0,
  } as unknown as ChainReads
  return { r, balance, nonce, reads: () => reads }
}

describe('waitFundingTurn', () => {
  const log = createLogger({ level: 'silent' })

  test('behavior: waits until every account of the earlier shards holds the minimum or has sent; then its turn comes', async () => {
    const c = chain()
    let done = false
    const turn = waitFundingTurn({ reads: c.r, earlier: [[A], [B]], minBalance: 10n, log, pollMs: 5, cancel: new AbortController().signal }).then((v) => ((done = true), v))
    await new Promise((r) => setTimeout(r, 30))
    expect(done).toBe(false)
    c.balance.set(A, 10n) // shard 0 funded
    await new Promise((r) => setTimeout(r, 30))
    expect(done).toBe(false)
    c.nonce.set(B, 3) // shard 1 funded and already spent below the minimum
    expect(await turn).toBe(true)
  })

  test('behavior: an earlier shard that never funds delays it only until the timeout', async () => {
    const c = chain()
    expect(await waitFundingTurn({ reads: c.r, earlier: [[A]], minBalance: 10n, log, pollMs: 5, timeoutMs: 40, cancel: new AbortController().signal })).toBe(false)
    expect(c.reads()).toBeGreaterThan(1)
  })
})
