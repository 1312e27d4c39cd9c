/** EIP-4844 blobs from `blob_data`: blobs, KZG commitments and proofs (on a worker thread), versioned hashes. */
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { BlobSidecars, Hex } from 'viem'

/**
 * EIP-4844 blobs from a spec's `blob_data`: the bytes become blobs, each with its KZG commitment
 * and proof, and each commitment's versioned hash goes into the tx.
 *
 * KZG is `@crate-crypto/node-eth-kzg` (Rust, prebuilt N-API binaries per platform, the mainnet
 * trusted setup compiled in: nothing is read or downloaded at run time), on a worker thread
 * started at the first blob, so runs without blobs never pay its start (≈2-3 s to build the
 * setup) and runs with blobs never stall their event loop on it. Commitments and proofs cost
 * ≈70-130 ms a blob; they are computed once per distinct `blob_data` and shared by every tx that
 * carries it.
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

/** What floodgate needs of KZG: a blob's commitment and proof. */
export interface Kzg {
  commit(blob: Uint8Array): Promise<{ commitment: Uint8Array; proof: Uint8Array }>
}

/**
 * The KZG worker thread's code (CommonJS, evaluated): it builds the library's context (the
 * mainnet setup, ≈2-3 s of CPU) and answers { id, blob } with the blob's commitment and proof.
 */
const KZG_THREAD = `
const { parentPort, workerData } = require('node:worker_threads')
let ctx, failure
try {
  ctx = require(workerData.path).DasContextJs.create({ usePrecomp: false })
} catch (err) {
  failure = String((err && err.message) || err)
}
parentPort.on('message', ({ id, blob }) => {
  if (failure) return parentPort.postMessage({ id, error: failure })
  try {
    const commitment = ctx.blobToKzgCommitment(blob)
    const proof = ctx.computeBlobKzgProof(blob, commitment)
    parentPort.postMessage({ id, commitment, proof })
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) })
  }
})
`

let shared: Kzg | undefined

/**
 * KZG on a worker thread of its own, started on first use: the setup and every commitment and
 * proof run there, so a run's event loop (sends, receipts) never stalls on them. Throws when the
 * package has no binary for this platform.
 */
export function loadKzg(): Kzg {
  if (shared) return shared
  const require = createRequire(import.meta.url)
  let path: string
  try {
    path = require.resolve('@crate-crypto/node-eth-kzg')
  } catch (err) {
    throw new Error(`blob transactions need KZG, and @crate-crypto/node-eth-kzg is not installed (${(err as Error)?.message ?? String(err)})`)
  }
  const thread = new Worker(KZG_THREAD, { eval: true, workerData: { path } })
  thread.unref()
  const waiting = new Map<number, { resolve: (r: { commitment: Uint8Array; proof: Uint8Array }) => void; reject: (e: Error) => void }>()
  let next = 0
  let broken: Error | undefined
  thread.on('message', (m: { id: number; commitment?: Uint8Array; proof?: Uint8Array; error?: string }) => {
    const w = waiting.get(m.id)
    if (!w) return
    waiting.delete(m.id)
    if (waiting.size === 0) thread.unref()
    if (m.error !== undefined) w.reject(new Error(`KZG: ${m.error}`))
    else w.resolve({ commitment: m.commitment!, proof: m.proof! })
  })
  const fail = (err: Error) => {
    broken = new Error(`the KZG thread stopped: ${err.message}`)
    for (const w of waiting.values()) w.reject(broken)
    waiting.clear()
  }
  thread.on('error', fail)
  thread.on('exit', (code) => fail(new Error(`exit code ${code}`)))
  shared = {
    commit: (blob) => {
      if (broken) return Promise.reject(broken)
      return new Promise((resolve, reject) => {
        const id = next++
        waiting.set(id, { resolve, reject })
        // a request in flight keeps the process alive until it is answered
        thread.ref()
        thread.postMessage({ id, blob })
      })
    },
  }
  return shared
}

async function computeBundle(data: Uint8Array, lib: Kzg): Promise<BlobBundle> {
  const sidecars: BlobSidecars<Hex> = []
  const versionedHashes: Hex[] = []
  for (const blob of toBlobs(data)) {
    const { commitment, proof } = await lib.commit(blob)
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
