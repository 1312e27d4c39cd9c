import { privateKeyToAddress } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { poolKeysContender } from '../../../src/accounts/contenderKeys.js'
import { derivePoolKeys } from '../../../src/accounts/derivePoolKeys.js'

/**
 * Vectors computed by hand from contender's algorithm (src/accounts/contenderKeys.ts), with a
 * pure-Python Keccak-256 and secp256k1 written for the purpose (nothing shared with floodgate):
 * key i = keccak256(LE32((seed + BE(pool name) + i) mod 2^256)) mod (2^256 − 1).
 */
const VECTORS = [
  { seed: '1', pool: 'spammers', keys: [
    ['0x6677d13cef1b124be823d04b0fc079177bd825eb4347b885ad09e6d4501b37fa', '0x84353F897526f5AA82587814339FB13d647269Dc'],
    ['0x70c547d8b5c0e8a7e41fdff845813199ed0b8cf88cd103376943607af865f761', '0xD1468fB0A6A51BC8B4De5A00C51ceD7dE21A56ee'],
  ] },
  { seed: '0x2a', pool: 'executors', keys: [
    ['0x45a4c0d72fbbc2e60327aa297b5dd1afffb72ebc0050a656092904b922430c5b', '0x149d3C164d61E0efa39Da938aE3688D6Ac109268'],
    ['0xab7542c2b4f2d9ce478fbad4814ab67ea973bdec64983fb54e9080c22c5c7176', '0xEf001Ed2f9097f5B6ABBE8F7b619Ee1fCAcb2Ce3'],
  ] },
  // seed 0, empty name: key 0 = keccak256 of 32 zero bytes (the well-known 0x290d…e563)
  { seed: '0', pool: '', keys: [
    ['0x290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563', '0xa433f323541CF82f97395076B5F83a7A06F1646c'],
    ['0x48078cfed56339ea54962e72c37c7f588fc4f8e5bc173827ba75cb10a63a96a5', '0x1B19C7C158839EaFA1352085cB226570288B6cA2'],
  ] },
]

describe('--key-derivation contender', () => {
  test.each(VECTORS)('behavior: seed $seed, pool "$pool": the keys and addresses computed by hand from contender\'s algorithm', ({ seed, pool, keys }) => {
    const got = poolKeysContender(seed, pool, keys.length)
    expect(got).toEqual(keys.map(([k]) => k))
    expect(got.map((k) => privateKeyToAddress(k))).toEqual(keys.map(([, a]) => a))
  })

  test('behavior: derivePoolKeys with derivation contender gives contender\'s keys; the default stays floodgate\'s own', () => {
    const pools = [{ name: 'spammers', size: 2 }]
    expect(derivePoolKeys(pools, { seed: '1', derivation: 'contender' })[0]).toEqual(VECTORS[0]!.keys.map(([k]) => k))
    const own = derivePoolKeys(pools, { seed: '1' })[0]!
    expect(own).toHaveLength(2)
    expect(own).not.toContain(VECTORS[0]!.keys[0]![0])
  })

  test('usage: a seed that is not a number, or a pool name over 32 bytes, is refused', () => {
    expect(() => poolKeysContender('my-seed', 'spammers', 1)).toThrow(/must be a number/)
    expect(() => poolKeysContender('1', 'x'.repeat(33), 1)).toThrow(/over 32 bytes/)
  })
})
