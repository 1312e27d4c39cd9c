/** Deriving one pool's private keys: from a seed string (keccak) or a BIP-39 mnemonic (m/44'/60'/0'/0/i). */
import { pbkdf2Sync } from 'node:crypto'
import { concatBytes, keccak256, numberToBytes, stringToBytes, toHex, type Hex } from 'viem'
import { HDKey } from 'viem/accounts'

/** secp256k1 group order: a valid private key is in [1, n). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/**
 * Private keys of a pool, derived deterministically from a seed string:
 * key_i = keccak256("floodgate/pool/v1" ‖ pool name ‖ 0x00 ‖ i as 4 bytes ‖ seed), re-hashed
 * in the (astronomically rare) case it is not a valid scalar. Same seed + pool → same accounts.
 */
export function poolKeysFromSeed(seed: string, poolName: string, count: number): Hex[] {
  const keys: Hex[] = []
  for (let i = 0; i < count; i++) {
    let k = keccak256(
      concatBytes([stringToBytes('floodgate/pool/v1'), stringToBytes(poolName), new Uint8Array([0]), numberToBytes(i, { size: 4 }), stringToBytes(seed)]),
    )
    while (BigInt(k) === 0n || BigInt(k) >= SECP256K1_N) k = keccak256(k)
    keys.push(k)
  }
  return keys
}

/**
 * Private keys m/44'/60'/0'/0/i of a BIP-39 mnemonic (the path wallets and anvil use).
 * The BIP-39 seed is computed once (PBKDF2 is the slow part), then each index derived.
 */
export function poolKeysFromMnemonic(mnemonic: string, count: number, passphrase = ''): Hex[] {
  const normalized = mnemonic.normalize('NFKD').trim().split(/\s+/).join(' ')
  const seed = pbkdf2Sync(normalized, `mnemonic${passphrase}`.normalize('NFKD'), 2048, 64, 'sha512')
  const root = HDKey.fromMasterSeed(seed)
  const keys: Hex[] = []
  for (let i = 0; i < count; i++) {
    const child = root.derive(`m/44'/60'/0'/0/${i}`)
    if (!child.privateKey) throw new Error(`mnemonic: no private key at index ${i}`)
    keys.push(toHex(child.privateKey))
  }
  return keys
}
