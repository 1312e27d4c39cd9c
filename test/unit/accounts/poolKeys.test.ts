import { describe, expect, test } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { poolKeysFromMnemonic, poolKeysFromSeed } from '../../../src/accounts/poolKeys.js'

describe('poolKeysFromSeed', () => {
  test('behavior: 256 keys of one seed are all distinct (no index aliasing)', () => {
    const keys = poolKeysFromSeed('some seed', 'executors', 256)
    expect(new Set(keys).size).toBe(256)
    expect(new Set(keys.map((k) => privateKeyToAccount(k).address)).size).toBe(256)
  })

  test('behavior: deterministic, and a prefix of a larger pool', () => {
    expect(poolKeysFromSeed('s', 'executors', 4)).toEqual(poolKeysFromSeed('s', 'executors', 12).slice(0, 4))
  })

  test('behavior: another seed or pool name gives other keys', () => {
    const a = poolKeysFromSeed('s', 'executors', 8)
    const b = poolKeysFromSeed('t', 'executors', 8)
    const c = poolKeysFromSeed('s', 'relayers', 8)
    expect(new Set([...a, ...b, ...c]).size).toBe(24)
  })

  test('behavior: keys are valid secp256k1 scalars', () => {
    for (const k of poolKeysFromSeed('x', 'executors', 64)) {
      expect(k).toMatch(/^0x[0-9a-f]{64}$/)
      expect(BigInt(k)).toBeGreaterThan(0n)
    }
  })
})

describe('poolKeysFromMnemonic', () => {
  test('behavior: matches the wallet path m/44\'/60\'/0\'/0/i (anvil\'s dev accounts)', () => {
    const keys = poolKeysFromMnemonic('test test test test test test test test test test test junk', 3)
    expect(keys.map((k) => privateKeyToAccount(k).address)).toEqual([
      '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
      '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    ])
  })
})
