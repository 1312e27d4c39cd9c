import { afterAll, describe, expect, test } from 'vitest'
import { type Address, parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import { fundAccounts } from '../../src/accounts/fundAccounts.js'
import { FeeOracle } from '../../src/chain/feeOracle.js'
import type { AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { createLogger } from '../../src/log.js'
import { createHttpRpc, type Rpc } from '../../src/rpc/rpc.js'
import { SendSession } from '../../src/sender/sendSession.js'
import { viemSigner } from '../../src/tx/signer.js'
import { rpc, useAnvil } from '../helpers/anvil.js'

/**
 * Funding waits for its top-ups through the session's receipt tracker (no nonce polling): each
 * top-up must be mined and must succeed, and the phase's owner closes the session. Real anvils:
 * one mining a block per tx, one that mines nothing.
 */
const log = createLogger({ level: 'silent' })
const opened: { rpc: Rpc; fees: FeeOracle }[] = []
afterAll(async () => {
  for (const o of opened) {
    o.fees.stop()
    await o.rpc.close?.()
  }
})

async function session(anvil: AnvilInstance, over: { receiptTimeoutMs?: number; signal?: AbortSignal } = {}) {
  const r = createHttpRpc(anvil.url)
  const fees = new FeeOracle(r, { refreshMs: 60_000 })
  opened.push({ rpc: r, fees })
  await fees.start()
  return new SendSession({ chain: { rpc: r, chainId: 31337, fees, blockTimeMs: undefined }, retries: 2, maxOutageMs: 5_000, log, ...over })
}

const fresh = (n: number): Address[] => Array.from({ length: n }, () => privateKeyToAddress(generatePrivateKey()))
const funder = viemSigner(DEVNET_FUNDER_KEY)
const balance = async (url: string, a: Address) => BigInt(await rpc<string>(url, 'eth_getBalance', [a, 'latest']))

describe('funding waits through the session\'s receipt tracker (anvil mining a block per tx)', () => {
  const anvil = useAnvil({ hardfork: 'prague' })

  test('behavior: every top-up is mined before fundAccounts returns; after close, a wait is null at once', async () => {
    const s = await session(anvil())
    const accounts = fresh(5)
    try {
      const r = await fundAccounts({ session: s, chainId: 31337, funder, accounts, minBalance: parseEther('0.5'), log })
      expect(r.toppedUp).toBe(5)
      for (const a of accounts) expect(await balance(anvil().url, a)).toBe(parseEther('0.5'))
    } finally {
      await s.close()
    }
    expect(await s.receipt('0x'.padEnd(66, '1') as `0x${string}`)).toBeNull()
  })

  test('error: a top-up that reverts (the account\'s code refuses the value) is FUNDING_FAILED naming the account and the tx', async () => {
    const s = await session(anvil())
    const [ok, refusing] = fresh(2) as [Address, Address]
    // PUSH0 PUSH0 REVERT: every call to it reverts
    await rpc(anvil().url, 'anvil_setCode', [refusing, '0x5f5ffd'])
    try {
      const err = await fundAccounts({ session: s, chainId: 31337, funder, accounts: [ok, refusing], minBalance: parseEther('0.5'), log }).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'FUNDING_FAILED' })
      expect((err as Error).message).toMatch(new RegExp(`funding ${refusing} failed: tx 0x[0-9a-f]{64} reverted \\(block \\d+\\)`))
      expect(await balance(anvil().url, ok)).toBe(parseEther('0.5'))
    } finally {
      await s.close()
    }
  })
})

describe('funding waits through the session\'s receipt tracker (anvil mining nothing)', () => {
  const anvil = useAnvil({ hardfork: 'prague', noMining: true })

  test('error: top-ups never mined are FUNDING_TIMEOUT after the session\'s receipt timeout, naming one', async () => {
    const s = await session(anvil(), { receiptTimeoutMs: 1_000 })
    const t0 = performance.now()
    try {
      const err = await fundAccounts({ session: s, chainId: 31337, funder, accounts: fresh(2), minBalance: parseEther('0.5'), log }).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'FUNDING_TIMEOUT' })
      expect((err as Error).message).toMatch(/^funding transactions not mined after 1 s \(2 still pending: tx 0x[0-9a-f]{64} to 0x[0-9a-fA-F]{40} and others\)$/)
    } finally {
      await s.close()
    }
    expect(performance.now() - t0).toBeLessThan(6_000)
  })

  test('error: cancelled while waiting: CANCELLED at once, not at the timeout', async () => {
    const cancel = new AbortController()
    const s = await session(anvil(), { signal: cancel.signal })
    try {
      const funding = fundAccounts({ session: s, chainId: 31337, funder, accounts: fresh(2), minBalance: parseEther('0.5'), log }).catch((e: unknown) => e)
      await new Promise((r) => setTimeout(r, 1_000))
      const t0 = performance.now()
      cancel.abort()
      const err = await funding
      expect(err).toMatchObject({ code: 'CANCELLED' })
      expect(performance.now() - t0).toBeLessThan(1_000)
    } finally {
      await s.close()
    }
  })
})
