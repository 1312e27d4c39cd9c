import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import type { BlobSidecars, Hex } from 'viem'

/**
 * EIP-4844 blobs from a spec's `blob_data`: the bytes become blobs, each with its KZG commitment
 * and proof, and each commitment's versioned hash goes into the tx.
 *
 * KZG is `@crate-crypto/node-eth-kzg` (Rust, prebuilt N-API binaries per platform, the mainnet
 * trusted setup compiled in: nothing is read or downloaded at run time). It is loaded on the first
 * blob only, so runs without blobs never pay its start (≈2-3 s to build the setup). Commitments and
 * proofs cost ≈70-130 ms a blob and run on libuv's thread pool (the async calls), off the event
 * loop; they are computed once per distinct `blob_data` and shared by every tx that carries it.
 */

export const BYTES_PER_FIELD_ELEMENT = 32
export const FIELD_ELEMENTS_PER_BLOB = 4096
export const BYTES_PER_BLOB = BYTES_PER_FIELD_ELEMENT * FIELD_ELEMENTS_PER_BLOB
/** Data bytes per field element: the first byte stays 0 so the element is below the BLS modulus. */
const DATA_PER_FIELD_ELEMENT = 31
/** Blobs per tx at most (Osaka's per-tx cap; Prague's per-block maximum is 9). */
export const MAX_BLOBS_PER_TX = 6
/** Capacity of MAX_BLOBS_PER_TX blobs: every field element holds 31 bytes, but the first holds the length. */
export const MAX_BLOB_DATA_BYTES = (MAX_BLOBS_PER_TX * FIELD_ELEMENTS_PER_BLOB - 1) * DATA_PER_FIELD_ELEMENT

/** Distinct blob payloads kept (each up to 6 × 128 KiB of blob plus its hex). */
const CACHE_SIZE = 16

const HEX_RE = /^(?:0x)?((?:[0-9a-fA-F]{2})*)$/

/**
 * `blob_data` as contender reads it: hex (with or without `0x`) is decoded to its bytes; anything
 * else is taken as UTF-8 text.
 */
export function blobDataBytes(text: string): Uint8Array {
  const m = HEX_RE.exec(text)
  return m ? Buffer.from(m[1]!, 'hex') : Buffer.from(text, 'utf8')
}

/**
 * The blobs for `data`, in the layout of alloy's `SimpleCoder` (which contender uses): the first
 * field element holds the data length (big-endian u64 in its last 8 bytes), then the data fills
 * 31 bytes of each following field element (bytes 1-31; byte 0 stays 0), zero-padded at the end.
 */
export function toBlobs(data: Uint8Array): Buffer[] {
  const elements = 1 + Math.ceil(data.length / DATA_PER_FIELD_ELEMENT)
  const count = Math.max(1, Math.ceil(elements / FIELD_ELEMENTS_PER_BLOB))
  if (count > MAX_BLOBS_PER_TX) throw new Error(`blob data of ${data.length} bytes needs ${count} blobs; a tx carries at most ${MAX_BLOBS_PER_TX}`)
  const all = Buffer.alloc(count * BYTES_PER_BLOB)
  all.writeBigUInt64BE(BigInt(data.length), BYTES_PER_FIELD_ELEMENT - 8)
  for (let i = 0, fe = 1; i < data.length; i += DATA_PER_FIELD_ELEMENT, fe++) {
    all.set(data.subarray(i, i + DATA_PER_FIELD_ELEMENT), fe * BYTES_PER_FIELD_ELEMENT + 1)
  }
  const blobs: Buffer[] = []
  for (let b = 0; b < count; b++) blobs.push(all.subarray(b * BYTES_PER_BLOB, (b + 1) * BYTES_PER_BLOB))
  return blobs
}

/** EIP-4844: 0x01 ‖ sha256(commitment)[1:]. */
export function versionedHash(commitment: Uint8Array): Hex {
  const h = createHash('sha256').update(commitment).digest()
  h[0] = 0x01
  return `0x${h.toString('hex')}`
}

/** What a blob tx needs: the sidecars (hex, as viem types them) and the versioned hashes. */
export interface BlobBundle {
  sidecars: BlobSidecars<Hex>
  versionedHashes: Hex[]
}

/** The KZG operations floodgate uses (the async forms run on libuv's thread pool). */
export interface Kzg {
  asyncBlobToKzgCommitment(blob: Uint8Array): Promise<Uint8Array>
  asyncComputeBlobKzgProof(blob: Uint8Array, commitment: Uint8Array): Promise<Uint8Array>
}

let kzg: Kzg | undefined

/** The KZG context, created on first use (builds the compiled-in mainnet trusted setup). */
export function loadKzg(): Kzg {
  if (kzg) return kzg
  const require = createRequire(import.meta.url)
  let mod: { DasContextJs: { create(o: { usePrecomp: boolean }): Kzg } }
  try {
    mod = require('@crate-crypto/node-eth-kzg') as typeof mod
  } catch (err) {
    throw new Error(`blob transactions need KZG, and @crate-crypto/node-eth-kzg has no binary for ${process.platform}-${process.arch} (${(err as Error)?.message ?? String(err)})`)
  }
  // precomputed tables make proofs ≈5 % faster but cost seconds more at start and ≈100 MB: not worth it here
  kzg = mod.DasContextJs.create({ usePrecomp: false })
  return kzg
}

async function computeBundle(data: Uint8Array, lib: Kzg): Promise<BlobBundle> {
  const sidecars: BlobSidecars<Hex> = []
  const versionedHashes: Hex[] = []
  for (const blob of toBlobs(data)) {
    const commitment = await lib.asyncBlobToKzgCommitment(blob)
    const proof = await lib.asyncComputeBlobKzgProof(blob, commitment)
    sidecars.push({ blob: `0x${blob.toString('hex')}`, commitment: `0x${Buffer.from(commitment).toString('hex')}`, proof: `0x${Buffer.from(proof).toString('hex')}` })
    versionedHashes.push(versionedHash(commitment))
  }
  return { sidecars, versionedHashes }
}

/**
 * Blobs, commitments and proofs per distinct payload, computed once and shared (concurrent callers
 * of one payload share one computation). A failed computation is not kept.
 */
export class BlobCache {
  private readonly cache = new Map<string, Promise<BlobBundle>>()

  constructor(private readonly kzgLoader: () => Kzg = loadKzg) {}

  bundleFor(data: Uint8Array): Promise<BlobBundle> {
    const key = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')
    let hit = this.cache.get(key)
    if (hit === undefined) {
      hit = Promise.resolve().then(() => computeBundle(data, this.kzgLoader()))
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!)
      this.cache.set(key, hit)
      hit.catch(() => this.cache.delete(key))
    }
    return hit
  }
}
