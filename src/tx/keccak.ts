/** Keccak-256 on the hot path: hash-wasm's WebAssembly hasher, else viem's pure JS. */
import { createKeccak, type IHasher } from 'hash-wasm'
import { keccak256 as viemKeccak256, type Hex } from 'viem'

/**
 * Keccak-256 on the hot path: two hashes per tx (the signing hash and the tx hash).
 * hash-wasm's WebAssembly Keccak, one hasher reused (≈1 µs for a 110-byte tx on the bench
 * machine), else viem's pure-JS one (@noble/hashes, ≈9 µs: a new state object per call).
 * Both give the same digest; the unit tests check it.
 */
let wasm: IHasher | undefined
try {
  wasm = await createKeccak(256)
} catch {
  wasm = undefined
}

/** Which implementation is in use: 'wasm' or 'js'. */
export const keccakBackend: 'wasm' | 'js' = wasm ? 'wasm' : 'js'

/** keccak256 of bytes, as 32 bytes. Synchronous; not re-entrant across awaits (it has none). */
export function keccak256Bytes(data: Uint8Array): Uint8Array {
  if (wasm) {
    wasm.init()
    wasm.update(data)
    return wasm.digest('binary')
  }
  return viemKeccak256(data, 'bytes')
}

/** The pure-JS digest, for tests and as the reference. */
export function keccak256BytesJs(data: Uint8Array): Uint8Array {
  return viemKeccak256(data, 'bytes')
}

/** 0x-hex → bytes, without validation (callers pass viem-serialized hex). */
export function hexBytes(hex: Hex): Buffer {
  return Buffer.from(hex.slice(2), 'hex')
}

/** bytes → 0x-hex. */
export function bytesHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}

/** keccak256 of 0x-hex data, as 0x-hex: what a node reports as the hash of signed tx bytes. */
export function keccak256Hex(hex: Hex): Hex {
  return bytesHex(keccak256Bytes(hexBytes(hex)))
}
