/**
 * `--key-derivation contender`: a pool's private keys as contender derives them from its `--seed`
 * and the pool's name (flashbots/contender v0.10.3, read from `SignerStore::new` in
 * crates/core/src/agent_controller.rs and `RandSeed` in crates/core/src/generator/seeder/rand_seed.rs):
 *
 * 1. the seed S is a number, decimal or `0x` hex (`RandSeed::seed_from_str`), below 2^256;
 * 2. the pool's seed P = S + N mod 2^256, N the pool name's UTF-8 bytes read as a big-endian
 *    number (so a name has at most 32 bytes);
 * 3. key i (i = 0, 1, …) = keccak256(the 32 bytes of P + i, little-endian), read big-endian,
 *    mod 2^256 − 1 (`seed_values` with no bounds: `% (max − min) + min`, min 0, max 2^256 − 1),
 *    written as 32 big-endian bytes.
 *
 * A key that is 0 or not below secp256k1's order is not a key: contender stops there, so do we.
 */
import { bytesToHex, hexToBigInt, keccak256, numberToBytes, stringToBytes, type Hex } from 'viem'
import { UsageError } from '../base/errors.js'

const TWO_256 = 1n << 256n
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** contender's seed (`--seed`): a decimal or 0x-hex number below 2^256. */
export function contenderSeed(seed: string): bigint {
  const s = seed.trim()
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(s)) throw new UsageError(`--key-derivation contender: the seed must be a number, decimal or 0x hex (contender's --seed), not "${seed}"`)
  const n = BigInt(s)
  if (n >= TWO_256) throw new UsageError('--key-derivation contender: the seed must fit in 32 bytes')
  return n
}

/** The first `count` keys of pool `poolName` for contender's seed `seed`. */
export function poolKeysContender(seed: string, poolName: string, count: number): Hex[] {
  const name = stringToBytes(poolName)
  if (name.length > 32) throw new UsageError(`--key-derivation contender: pool name "${poolName}" is over 32 bytes (contender reads it as a 256-bit number)`)
  const poolSeed = (contenderSeed(seed) + (name.length > 0 ? hexToBigInt(bytesToHex(name)) : 0n)) % TWO_256
  const keys: Hex[] = []
  for (let i = 0; i < count; i++) {
    const le = numberToBytes((poolSeed + BigInt(i)) % TWO_256, { size: 32 }).reverse()
    const k = hexToBigInt(keccak256(le)) % (TWO_256 - 1n)
    if (k === 0n || k >= SECP256K1_N) throw new UsageError(`--key-derivation contender: key ${i} of pool "${poolName}" is not a valid secp256k1 key (contender cannot use it either)`)
    keys.push(bytesToHex(numberToBytes(k, { size: 32 })))
  }
  return keys
}
