import { createRequire } from 'node:module'
import { describe, expect, test } from 'vitest'
import { BlobCache, BYTES_PER_BLOB, blobDataBytes, loadKzg, MAX_BLOB_DATA_BYTES, toBlobs, versionedHash, type Kzg } from '../../../src/tx/blobs.js'

describe('blobDataBytes', () => {
  test('behavior: hex with or without 0x is decoded; anything else is UTF-8 text (as contender reads blob_data)', () => {
    expect(Buffer.from(blobDataBytes('f00d')).toString('hex')).toBe('f00d')
    expect(Buffer.from(blobDataBytes('0xF00D')).toString('hex')).toBe('f00d')
    expect(Buffer.from(blobDataBytes('0x')).length).toBe(0)
    expect(Buffer.from(blobDataBytes('f00')).toString()).toBe('f00')
    expect(Buffer.from(blobDataBytes('héllo')).toString()).toBe('héllo')
  })
})

describe('toBlobs', () => {
  test('behavior: a length header element, then 31 data bytes per element after a zero byte', () => {
    const data = Buffer.from(Array.from({ length: 70 }, (_, i) => i + 1))
    const [blob, ...rest] = toBlobs(data)
    expect(rest).toHaveLength(0)
    expect(blob!.length).toBe(BYTES_PER_BLOB)
    expect(blob!.readBigUInt64BE(24)).toBe(70n)
    expect(blob!.subarray(0, 24).every((b) => b === 0)).toBe(true)
    for (let fe = 1; fe <= 3; fe++) expect(blob![fe * 32]).toBe(0)
    expect(blob!.subarray(33, 64)).toEqual(data.subarray(0, 31))
    expect(blob!.subarray(65, 96)).toEqual(data.subarray(31, 62))
    expect(blob!.subarray(97, 105)).toEqual(data.subarray(62))
    expect(blob!.subarray(105).every((b) => b === 0)).toBe(true)
  })
  test('behavior: data spills into further blobs at 4095 elements of the first; the most a tx carries is 6 blobs', () => {
    expect(toBlobs(new Uint8Array(0))).toHaveLength(1)
    expect(toBlobs(new Uint8Array(4095 * 31))).toHaveLength(1)
    expect(toBlobs(new Uint8Array(4095 * 31 + 1))).toHaveLength(2)
    expect(toBlobs(new Uint8Array(MAX_BLOB_DATA_BYTES))).toHaveLength(6)
    expect(() => toBlobs(new Uint8Array(MAX_BLOB_DATA_BYTES + 1))).toThrow(/at most 6/)
  })
})

describe('BlobCache', () => {
  test('behavior: one computation per distinct payload, shared by concurrent callers; a failure is not kept', async () => {
    let commits = 0
    let fail = true
    const kzg: Kzg = {
      commit: async () => {
        commits++
        if (fail) throw new Error('boom')
        return { commitment: new Uint8Array(48).fill(7), proof: new Uint8Array(48).fill(9) }
      },
    }
    const cache = new BlobCache(() => kzg)
    await expect(cache.bundleFor(Buffer.from('a'))).rejects.toThrow('boom')
    fail = false
    const [a, b] = await Promise.all([cache.bundleFor(Buffer.from('a')), cache.bundleFor(Buffer.from('a'))])
    expect(a).toBe(b)
    expect(commits).toBe(2)
    expect(a.versionedHashes[0]).toMatch(/^0x01[0-9a-f]{62}$/)
    expect(a.sidecars[0]).toMatchObject({ commitment: `0x${'07'.repeat(48)}`, proof: `0x${'09'.repeat(48)}` })
    await cache.bundleFor(Buffer.from('b'))
    expect(commits).toBe(3)
  })
})

describe('loadKzg (the KZG thread)', () => {
  test('behavior: commitment and proof from the thread are the library\'s own, and the proof verifies', async () => {
    interface Ctx {
      blobToKzgCommitment(b: Uint8Array): Uint8Array
      verifyBlobKzgProof(b: Uint8Array, c: Uint8Array, p: Uint8Array): boolean
    }
    const { DasContextJs } = createRequire(import.meta.url)('@crate-crypto/node-eth-kzg') as { DasContextJs: { create(o: { usePrecomp: boolean }): Ctx } }
    const [blob] = toBlobs(Buffer.from('hello blobs'))
    const [{ commitment, proof }, local] = await Promise.all([loadKzg().commit(blob!), Promise.resolve().then(() => DasContextJs.create({ usePrecomp: false }))])
    expect(Buffer.from(commitment)).toEqual(Buffer.from(local.blobToKzgCommitment(blob!)))
    expect(local.verifyBlobKzgProof(blob!, commitment, proof)).toBe(true)
    expect(versionedHash(commitment)).toMatch(/^0x01[0-9a-f]{62}$/)
    // one thread for the process, shared
    expect(loadKzg()).toBe(loadKzg())
  }, 60_000)
})
