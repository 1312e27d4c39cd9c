import fc from 'fast-check'
import { getAddress, keccak256, parseTransaction, recoverTransactionAddress, serializeTransaction, type Hex, type TransactionSerializable } from 'viem'
import { describe, expect, test } from 'vitest'
import { keccak256Bytes, keccak256BytesJs, keccakBackend } from '../../../src/tx/keccak.js'
import { serializeSignedFast, serializeUnsignedFast } from '../../../src/tx/serializeTx.js'
import { chooseSigner, loadNativeSecp256k1, nativeSignerFactory, txHash, viemSigner } from '../../../src/tx/signer.js'

const KEY: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
const SINK = '0x000000000000000000000000000000000000dEaD'
const native = nativeSignerFactory(loadNativeSecp256k1())

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => `0x${Buffer.from(b).toString('hex')}` as Hex)
/** lower-case or checksummed, as viem accepts them */
const address = fc.tuple(hex(20), fc.boolean()).map(([a, checksum]) => (checksum ? getAddress(a) : a))
const big = fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 2n ** 64n }), fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }))
const data = fc.oneof(fc.constant(undefined), fc.constant('0x' as Hex), fc.uint8Array({ maxLength: 300 }).map((b) => `0x${Buffer.from(b).toString('hex')}` as Hex))
const accessList = fc.oneof(
  fc.constant(undefined),
  fc.array(fc.record({ address, storageKeys: fc.array(hex(32), { maxLength: 3 }) }), { maxLength: 3 }),
)
const common = {
  chainId: fc.oneof(fc.constant(1), fc.constant(31337), fc.integer({ min: 1, max: 2 ** 40 })),
  nonce: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 ** 32 })),
  to: fc.oneof(address, fc.constant(SINK as Hex)),
  value: big,
  gas: fc.bigInt({ min: 0n, max: 2n ** 64n }),
  data,
}
const eip1559 = fc
  .record({ ...common, maxFeePerGas: big, tip: big, accessList })
  .map(({ tip, maxFeePerGas, accessList: al, data: d, ...c }): TransactionSerializable => ({
    ...c,
    type: 'eip1559',
    maxFeePerGas,
    maxPriorityFeePerGas: tip > maxFeePerGas ? maxFeePerGas : tip,
    ...(d !== undefined ? { data: d } : {}),
    ...(al ? { accessList: al } : {}),
  }))
const eip2930 = fc
  .record({ ...common, gasPrice: big, accessList })
  .map(({ accessList: al, data: d, ...c }): TransactionSerializable => ({ ...c, type: 'eip2930', accessList: al ?? [], ...(d !== undefined ? { data: d } : {}) }))
const legacy = fc
  .record(common)
  .chain((c) => big.map((gasPrice) => ({ ...c, gasPrice })))
  .map(({ data: d, ...c }): TransactionSerializable => ({ ...c, type: 'legacy', ...(d !== undefined ? { data: d } : {}) }))
/** r / s of a signature as viem types them: 32 bytes, possibly with leading zeros (trimmed on the wire). */
const scalar = fc.tuple(hex(32), fc.integer({ min: 0, max: 3 })).map(([h, zeros]) => `0x${'00'.repeat(zeros)}${h.slice(2 + 2 * zeros)}` as Hex)
const authorizationList = fc.array(
  fc.record({
    chainId: fc.oneof(fc.constant(0), fc.constant(31337), fc.integer({ min: 0, max: 2 ** 40 })),
    address,
    nonce: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 ** 40 })),
    yParity: fc.integer({ min: 0, max: 1 }),
    r: scalar,
    s: scalar,
  }),
  { maxLength: 3 },
)
const eip7702 = fc
  .record({ ...common, maxFeePerGas: big, tip: big, accessList, authorizationList })
  .map(({ tip, maxFeePerGas, accessList: al, data: d, ...c }): TransactionSerializable => ({
    ...c,
    type: 'eip7702',
    maxFeePerGas,
    maxPriorityFeePerGas: tip > maxFeePerGas ? maxFeePerGas : tip,
    ...(d !== undefined ? { data: d } : {}),
    ...(al ? { accessList: al } : {}),
  }))
/** Blob txs with (small, fake) sidecars: serialization does not look inside blobs. */
const sidecar = fc.record({ blob: fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => `0x${Buffer.from(b).toString('hex')}` as Hex), commitment: hex(48), proof: hex(48) })
const eip4844 = fc
  .record({ ...common, maxFeePerGas: big, tip: big, maxFeePerBlobGas: big, accessList, sidecars: fc.array(sidecar, { minLength: 1, maxLength: 3 }) })
  .map(({ tip, maxFeePerGas, accessList: al, data: d, sidecars, ...c }): TransactionSerializable => ({
    ...c,
    type: 'eip4844',
    maxFeePerGas,
    maxPriorityFeePerGas: tip > maxFeePerGas ? maxFeePerGas : tip,
    blobVersionedHashes: sidecars.map((sc) => `0x01${keccak256(sc.commitment).slice(4)}` as Hex),
    sidecars,
    ...(d !== undefined ? { data: d } : {}),
    ...(al ? { accessList: al } : {}),
  }))
const anyTx = fc.oneof(eip1559, eip2930, legacy, eip7702)

describe('native signer (libsecp256k1) against viem', () => {
  test('behavior: the same tx gives the same signed bytes as viem (RFC 6979 is deterministic), on random txs of every type floodgate builds', async () => {
    const viem = viemSigner(KEY)
    const mine = native(KEY)
    expect(mine.address).toBe(viem.address)
    await fc.assert(
      fc.asyncProperty(anyTx, async (tx) => {
        const a = await viem.signTransaction(tx)
        const b = await mine.signTransaction(tx)
        expect(b).toBe(a)
        expect(txHash(b)).toBe(keccak256(a))
        expect(mine.signNow!(tx)).toEqual({ raw: a, hash: keccak256(a) })
      }),
      { numRuns: 300 },
    )
  })

  test('behavior: the fast encoder gives viem serializeTransaction bytes (unsigned and signed), and undefined for what it leaves to viem', () => {
    const rsArb = fc.tuple(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1 }))
    fc.assert(
      fc.property(anyTx, rsArb, (tx, [rs, zeros, recid]) => {
        rs.fill(0, 0, zeros) // leading zero bytes of r are trimmed
        expect(serializeUnsignedFast(tx)).toBe(serializeTransaction(tx))
        const r = `0x${Buffer.from(rs.subarray(0, 32)).toString('hex')}` as Hex
        const s = `0x${Buffer.from(rs.subarray(32)).toString('hex')}` as Hex
        expect(serializeSignedFast(tx, rs, recid)).toBe(serializeTransaction(tx, { r, s, v: recid ? 28n : 27n, yParity: recid }))
      }),
      { numRuns: 500 },
    )
    const base = { chainId: 1, nonce: 0, to: SINK as Hex, value: 0n, gas: 21000n }
    // viem's own errors stay viem's: tip above cap, bad checksum, no explicit type, blob txs that ask for KZG
    expect(serializeUnsignedFast({ ...base, type: 'eip1559', maxFeePerGas: 1n, maxPriorityFeePerGas: 2n })).toBeUndefined()
    expect(serializeUnsignedFast({ ...base, to: '0x000000000000000000000000000000000000DEAD', type: 'eip1559', maxFeePerGas: 1n, maxPriorityFeePerGas: 1n })).toBeUndefined()
    expect(serializeUnsignedFast({ ...base, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n })).toBeUndefined()
    expect(serializeUnsignedFast({ ...base, type: 'legacy', gasPrice: 1n, chainId: 0 } as TransactionSerializable)).toBeUndefined()
    expect(serializeUnsignedFast({ ...base, type: 'eip1559', maxFeePerGas: 2n ** 256n, maxPriorityFeePerGas: 1n })).toBeUndefined()
    // long payloads: list and string headers over 55 bytes, and a scratch buffer that must grow
    const big: TransactionSerializable = { ...base, type: 'eip1559', maxFeePerGas: 5n, maxPriorityFeePerGas: 1n, data: `0x${'ab'.repeat(70_000)}` }
    expect(serializeUnsignedFast(big)).toBe(serializeTransaction(big))
  })

  test('behavior: blob txs: the network form (with sidecars) is viem\'s bytes, the hash is that of the payload without them', async () => {
    const viem = viemSigner(KEY)
    const mine = native(KEY)
    const rsArb = fc.tuple(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.integer({ min: 0, max: 1 }))
    fc.assert(
      fc.property(eip4844, rsArb, (tx, [rs, recid]) => {
        const bare = { ...tx, sidecars: false } as TransactionSerializable
        expect(serializeUnsignedFast(bare)).toBe(serializeTransaction(bare))
        const sig = { r: `0x${Buffer.from(rs.subarray(0, 32)).toString('hex')}` as Hex, s: `0x${Buffer.from(rs.subarray(32)).toString('hex')}` as Hex, yParity: recid }
        const network = serializeSignedFast(tx, rs, recid)
        expect(network).toBe(serializeTransaction(tx, sig))
        expect(txHash(network!)).toBe(keccak256(serializeTransaction(bare, sig)))
      }),
      { numRuns: 200 },
    )
    await fc.assert(
      fc.asyncProperty(eip4844, async (tx) => {
        const a = await viem.signTransaction(tx)
        expect(await mine.signTransaction(tx)).toBe(a)
        expect(mine.signNow!(tx)).toEqual({ raw: a, hash: txHash(a) })
      }),
      { numRuns: 50 },
    )
  })

  test('behavior: an authorization signed natively is the one viem signs (EIP-7702 digest, RFC 6979)', async () => {
    const viem = viemSigner(KEY)
    const mine = native(KEY)
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 40 }), address, fc.integer({ min: 0, max: 2 ** 40 }), async (chainId, to, nonce) => {
        const a = { chainId, address: getAddress(to), nonce }
        expect(await mine.signAuthorization!(a)).toEqual(await viem.signAuthorization!(a))
      }),
      { numRuns: 100 },
    )
  })

  test('behavior: txs the fast encoder leaves to viem are still signed like viem signs them, and viem errors still throw', async () => {
    const viem = viemSigner(KEY)
    const mine = native(KEY)
    const base = { chainId: 31337, nonce: 7, to: SINK as Hex, value: 5n, gas: 21000n }
    const untyped: TransactionSerializable = { ...base, maxFeePerGas: 10n, maxPriorityFeePerGas: 1n }
    expect(await mine.signTransaction(untyped)).toBe(await viem.signTransaction(untyped))
    const bad: TransactionSerializable = { ...base, type: 'eip1559', maxFeePerGas: 1n, maxPriorityFeePerGas: 2n }
    await expect(mine.signTransaction(bad)).rejects.toThrow(/maxPriorityFeePerGas|tip/i)
  })

  test('behavior: a signed tx recovers to the signer and parses back to its fields', async () => {
    const mine = native(KEY)
    const tx: TransactionSerializable = { type: 'eip1559', chainId: 31337, nonce: 3, to: SINK, value: 1n, gas: 21000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }
    const raw = await mine.signTransaction(tx)
    expect(await recoverTransactionAddress({ serializedTransaction: raw as `0x02${string}` })).toBe(mine.address)
    expect(parseTransaction(raw)).toMatchObject({ nonce: 3, to: SINK.toLowerCase(), value: 1n, gas: 21000n, chainId: 31337 })
  })

  test('behavior: an invalid key is refused at creation, not at the first send', () => {
    expect(() => native(`0x${'00'.repeat(32)}`)).toThrow(/invalid private key/)
  })
})

describe('signer choice and fallback', () => {
  test('behavior: native when the addon loads', () => {
    const c = chooseSigner()
    expect(c.backend).toBe('native')
    expect(c.reason).toBeUndefined()
  })

  test('behavior: an addon that cannot load falls back to viem, which signs the same bytes; the reason says why', async () => {
    const c = chooseSigner({ load: () => { throw new Error('No native build was found for platform=plan9') } })
    expect(c.backend).toBe('viem')
    expect(c.reason).toMatch(/cannot be loaded.*plan9/)
    const tx: TransactionSerializable = { type: 'eip1559', chainId: 1, nonce: 0, to: SINK, value: 1n, gas: 21000n, maxFeePerGas: 3n, maxPriorityFeePerGas: 1n }
    expect(await c.factory(KEY).signTransaction(tx)).toBe(await native(KEY).signTransaction(tx))
  })

  test('behavior: prefer viem uses viem; prefer native with no addon is an error', () => {
    expect(chooseSigner({ prefer: 'viem' }).backend).toBe('viem')
    expect(() => chooseSigner({ prefer: 'native', load: () => { throw new Error('gone') } })).toThrow(/cannot be loaded \(gone\)/)
  })
})

describe('keccak', () => {
  test('behavior: the WebAssembly keccak is in use and equals the pure-JS one on random inputs', () => {
    expect(keccakBackend).toBe('wasm')
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (b) => {
        expect(Buffer.from(keccak256Bytes(b)).toString('hex')).toBe(Buffer.from(keccak256BytesJs(b)).toString('hex'))
      }),
      { numRuns: 300 },
    )
  })
})
