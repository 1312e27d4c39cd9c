/** The signing seam (an address and a sign function): viem's JS signer, the native libsecp256k1 one, and the choice between them. */
import { createRequire } from 'node:module'
import { getAddress, serializeTransaction, type Address, type Hex, type SignedAuthorization, type TransactionSerializable } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { hashAuthorization } from 'viem/utils'
import { bytesHex, hexBytes, keccak256Bytes, keccak256Hex } from './keccak.js'
import { authorizationDigest, signTxFast, type SignDigest } from './serializeTx.js'

/** What an EIP-7702 authority signs: delegate to `address` on `chainId` (0: any chain) at `nonce`. */
export interface AuthorizationRequest {
  chainId: number
  address: Address
  nonce: number
}

/**
 * The signing seam: a worker only ever sees an address and a function that turns a tx
 * into signed bytes. The key stays inside the closure and never reaches an event or log.
 */
export interface Signer {
  readonly address: Address
  signTransaction(tx: TransactionSerializable): Promise<Hex>
  /**
   * Optional, for backends that sign synchronously: the signed bytes and their hash at once
   * (no promise and no second hashing on the hot path). Same bytes as `signTransaction`.
   */
  signNow?(tx: TransactionSerializable): { raw: Hex; hash: Hex }
  /** EIP-7702: this account's signed authorization to delegate its code. */
  signAuthorization?(a: AuthorizationRequest): SignedAuthorization | Promise<SignedAuthorization>
}

export type SignerFactory = (privateKey: Hex) => Signer

/** viem's pure-JS signer (@noble/curves): ≈300-500 µs of CPU per tx on the bench machine. */
export const viemSigner: SignerFactory = (privateKey) => {
  const account = privateKeyToAccount(privateKey)
  return {
    address: account.address,
    signTransaction: (tx) => account.signTransaction(tx),
    signAuthorization: async (a) => {
      const { r, s, yParity } = await account.signAuthorization({ chainId: a.chainId, address: a.address, nonce: a.nonce })
      return { chainId: a.chainId, address: a.address, nonce: a.nonce, r, s, yParity: yParity ?? 0 }
    },
  }
}

/** The part of the `secp256k1` package (libsecp256k1 through N-API) the native signer uses. */
export interface NativeSecp256k1 {
  ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array, options?: object, output?: Uint8Array): { signature: Uint8Array; recid: number }
  publicKeyCreate(privateKey: Uint8Array, compressed: boolean): Uint8Array
  privateKeyVerify(privateKey: Uint8Array): boolean
}

/**
 * Loads the prebuilt libsecp256k1 addon that the `secp256k1` package ships (node-gyp-build picks
 * the binary for this platform). `secp256k1/bindings` throws when no binary fits, instead of
 * silently falling back to the package's slow `elliptic` code, so the fallback is ours: viem.
 */
export function loadNativeSecp256k1(): NativeSecp256k1 {
  const require = createRequire(import.meta.url)
  return require('secp256k1/bindings') as NativeSecp256k1
}

/** ecdsaSign's options and output, reused: the signature is copied out before the next call. */
const NO_OPTIONS = Object.freeze({})
const SIGNATURE_OUT = new Uint8Array(64)

/**
 * A signer on libsecp256k1. The tx is RLP-encoded once into a reused buffer ({@link signTxFast}:
 * the bytes of viem's serializer; viem's own serializer for other tx types), keccak-hashed
 * ({@link keccak256Bytes}), the addon signs the hash (RFC 6979 nonce, low S: the signature
 * viem/noble give), and the signature is appended. Same bytes as {@link viemSigner}.
 */
export function nativeSignerFactory(lib: NativeSecp256k1): SignerFactory {
  return (privateKey) => {
    const key = hexBytes(privateKey)
    if (key.length !== 32 || !lib.privateKeyVerify(key)) throw new Error('invalid private key')
    const pub = lib.publicKeyCreate(key, false)
    const address = getAddress(bytesHex(keccak256Bytes(pub.subarray(1)).subarray(12)))
    const signDigest: SignDigest = (digest) => lib.ecdsaSign(digest, key, NO_OPTIONS, SIGNATURE_OUT)
    const signSlow = (tx: TransactionSerializable): Hex => {
      // EIP-4844: the signature covers the payload body without the sidecars (as viem does)
      const signable = tx.type === 'eip4844' ? { ...tx, sidecars: false as const } : tx
      const digest = keccak256Bytes(hexBytes(serializeTransaction(signable)))
      const { signature, recid } = lib.ecdsaSign(digest, key)
      const rs = Buffer.from(signature.buffer, signature.byteOffset, 64).toString('hex')
      return serializeTransaction(tx, { r: `0x${rs.slice(0, 64)}`, s: `0x${rs.slice(64)}`, v: recid ? 28n : 27n, yParity: recid })
    }
    const signAuthorization = (a: AuthorizationRequest): SignedAuthorization => {
      const digest = authorizationDigest(a.chainId, a.address, a.nonce) ?? hashAuthorization({ chainId: a.chainId, address: a.address, nonce: a.nonce, to: 'bytes' })
      const { signature, recid } = lib.ecdsaSign(digest, key)
      const rs = Buffer.from(signature.buffer, signature.byteOffset, 64).toString('hex')
      return { chainId: a.chainId, address: a.address, nonce: a.nonce, r: `0x${rs.slice(0, 64)}`, s: `0x${rs.slice(64)}`, yParity: recid }
    }
    return {
      address,
      signTransaction: async (tx) => signTxFast(tx, signDigest)?.raw ?? signSlow(tx),
      signNow: (tx) => {
        const fast = signTxFast(tx, signDigest)
        if (fast) return fast
        const raw = signSlow(tx)
        return { raw, hash: txHash(raw) }
      },
      signAuthorization,
    }
  }
}

export type SignerBackend = 'native' | 'viem'

export interface SignerChoice {
  factory: SignerFactory
  backend: SignerBackend
  /** Why the native signer is not used, when it is not. */
  reason?: string
}

/**
 * The signer for a run: native libsecp256k1 when its addon loads, else viem's pure-JS signer
 * (same bytes, slower). `prefer: 'viem'` forces the fallback; `prefer: 'native'` makes a
 * missing addon an error.
 */
export function chooseSigner(opts: { prefer?: 'auto' | SignerBackend; load?: () => NativeSecp256k1 } = {}): SignerChoice {
  const prefer = opts.prefer ?? 'auto'
  if (prefer === 'viem') return { factory: viemSigner, backend: 'viem', reason: 'asked for' }
  let lib: NativeSecp256k1
  try {
    lib = (opts.load ?? loadNativeSecp256k1)()
  } catch (err) {
    const reason = `the native secp256k1 addon cannot be loaded (${(err as Error)?.message ?? String(err)})`
    if (prefer === 'native') throw new Error(reason)
    return { factory: viemSigner, backend: 'viem', reason }
  }
  return { factory: nativeSignerFactory(lib), backend: 'native' }
}

/**
 * The hash a node reports for signed tx bytes: keccak256 of the bytes, except for a blob tx in its
 * network form (0x03 ‖ rlp([signed payload, blobs, commitments, proofs])), whose hash is that of
 * 0x03 ‖ the signed payload alone.
 */
export function txHash(signed: Hex): Hex {
  if (!signed.startsWith('0x03')) return keccak256Hex(signed)
  const b = hexBytes(signed)
  const outer = b[1]!
  if (outer < 0xc0) return keccak256Hex(signed)
  const at = outer <= 0xf7 ? 2 : 2 + (outer - 0xf7)
  const first = b[at]!
  if (first < 0xc0) return keccak256Hex(signed) // the payload itself: its first item is the chain id
  let len: number
  let head: number
  if (first <= 0xf7) {
    head = 1
    len = first - 0xc0
  } else {
    const n = first - 0xf7
    head = 1 + n
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + b[at + 1 + i]!
  }
  const inner = b.subarray(at - 1, at + head + len)
  inner[0] = 0x03
  return bytesHex(keccak256Bytes(inner))
}
