/** A fast RLP serializer for the tx types floodgate builds, byte-for-byte viem's, with a viem fallback. */
import { maxUint256, type AccessList, type BlobSidecars, type Hex, type TransactionSerializable } from 'viem'
import { HEX, validAddress } from './fieldChecks.js'
import { keccak256Bytes } from './keccak.js'
import { byteLength } from './rlp.js'
import { accessListItem, authorizationListItem, sidecarTail } from './txListItems.js'

/**
 * A fast RLP serializer for the tx types floodgate builds (EIP-1559, EIP-2930, EIP-155 legacy,
 * EIP-7702 set-code, EIP-4844 blob txs with their sidecars), producing exactly the bytes of viem's `serializeTransaction` (the unit tests
 * compare them on random txs). viem's serializer costs ≈10 µs and several KB of garbage per call
 * (hex strings, nested arrays, concatenations) and a signed tx needs two; this one writes the
 * fields once, as bytes, into one reused scratch buffer, and appends the signature.
 * The rarer nested lists (access and authorization lists, blob sidecars) are built apart, with
 * allocating encoders (txListItems.ts, rlp.ts), and copied in.
 *
 * Anything it does not handle, or that viem would reject (bad address, tip above the fee cap,
 * a value over 2^256, a tx that carries its own signature fields...), returns `undefined`: the
 * caller then uses viem, which serializes it or throws its usual error.
 *
 * Not re-entrant: every function here runs to completion without awaiting, and the scratch
 * buffer is only read before the function returns.
 */

/** r‖s (64 bytes) and the recovery id of a signature over a 32-byte digest. */
export type SignDigest = (digest: Uint8Array) => { signature: Uint8Array; recid: number }

export interface SignedTx {
  raw: Hex
  /** keccak256 of the raw bytes: the tx hash a node reports. */
  hash: Hex
}

/** Room left before the fields for the type byte and the longest list header (1 + 1 + 8). */
const HEAD = 10
let scratch = Buffer.allocUnsafe(4096)
let pos = HEAD

const TWO_53 = 2n ** 53n

function ensure(extra: number): void {
  if (pos + extra <= scratch.length) return
  const bigger = Buffer.allocUnsafe(Math.max(scratch.length * 2, pos + extra + 1024))
  scratch.copy(bigger, 0, 0, pos)
  scratch = bigger
}

/** Writes a string item's RLP header for `len` payload bytes. */
function writeStringHeader(len: number): void {
  if (len <= 55) scratch[pos++] = 0x80 + len
  else {
    const n = byteLength(len)
    scratch[pos++] = 0xb7 + n
    for (let i = n - 1; i >= 0; i--) scratch[pos++] = Math.floor(len / 256 ** i) % 256
  }
}

/** An unsigned integer below 2^256 as an RLP string (0 → empty); false when it is not one. */
function writeUint(v: unknown): boolean {
  if (v === undefined || v === 0 || v === 0n) {
    ensure(1)
    scratch[pos++] = 0x80
    return true
  }
  let n: number
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) return false
    n = v
  } else if (typeof v === 'bigint') {
    if (v < 0n || v > maxUint256) return false
    if (v >= TWO_53) {
      const hex = v.toString(16)
      return writeHexPayload(hex.length % 2 ? `0${hex}` : hex)
    }
    n = Number(v)
  } else return false
  ensure(9)
  if (n < 0x80) {
    scratch[pos++] = n
    return true
  }
  const k = byteLength(n)
  scratch[pos++] = 0x80 + k
  for (let i = k - 1; i >= 0; i--) scratch[pos++] = Math.floor(n / 256 ** i) % 256
  return true
}

/** Bytes given as even-length hex without 0x, as an RLP string. */
function writeHexPayload(hex: string): boolean {
  const len = hex.length / 2
  ensure(len + 9)
  if (len === 1) {
    const b = parseInt(hex, 16)
    if (b < 0x80) {
      scratch[pos++] = b
      return true
    }
  }
  writeStringHeader(len)
  pos += scratch.write(hex, pos, len, 'hex')
  return true
}

function writeHexData(v: unknown): boolean {
  if (v === undefined) return writeHexPayload('')
  if (typeof v !== 'string' || !HEX.test(v)) return false
  return writeHexPayload(v.slice(2))
}

/** A signature scalar (32 bytes, leading zeros trimmed) as an RLP string. */
function writeScalar(b: Uint8Array, from: number): void {
  let i = from
  const end = from + 32
  while (i < end && b[i] === 0) i++
  const len = end - i
  ensure(len + 1)
  if (len === 1 && b[i]! < 0x80) {
    scratch[pos++] = b[i]!
    return
  }
  scratch[pos++] = 0x80 + len
  for (; i < end; i++) scratch[pos++] = b[i]!
}

/** Wraps the bytes from `start` to `pos` in a list header written just before `start`; returns where it begins. */
function listBefore(start: number): number {
  const len = pos - start
  if (len <= 55) {
    scratch[start - 1] = 0xc0 + len
    return start - 1
  }
  const n = byteLength(len)
  let at = start
  for (let i = 0; i < n; i++) scratch[--at] = Math.floor(len / 256 ** i) % 256
  scratch[--at] = 0xf7 + n
  return at
}

/** The access list as one RLP list item at `pos`; false when viem must judge it. */
function writeAccessList(accessList: AccessList | undefined): boolean {
  ensure(9)
  if (!accessList || accessList.length === 0) {
    scratch[pos++] = 0xc0
    return true
  }
  // nested lists: encoded into a side buffer by the allocating encoder; rare
  return writeItem(accessListItem(accessList))
}

/** An RLP item built elsewhere, copied in at `pos`; false when there is none (viem must judge). */
function writeItem(item: Buffer | undefined): boolean {
  if (!item) return false
  ensure(item.length)
  item.copy(scratch, pos)
  pos += item.length
  return true
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/

/** The versioned hashes as one RLP list item at `pos`; false when viem must judge them. */
function writeHashList(hashes: unknown): boolean {
  if (!Array.isArray(hashes) || hashes.length === 0) return false
  ensure(9 + 33 * hashes.length)
  const start = pos + 9
  pos = start
  for (const h of hashes) {
    if (typeof h !== 'string' || !BYTES32.test(h)) return false
    scratch[pos++] = 0xa0
    pos += scratch.write(h.slice(2), pos, 32, 'hex')
  }
  // move the items right after their header
  const len = pos - start
  const headerAt = listBefore(start)
  const dest = start - 9
  scratch.copy(scratch, dest, headerAt, pos)
  pos = dest + (start - headerAt) + len
  return true
}

interface Layout {
  /** 0 for legacy, else the EIP-2718 type byte. */
  typeByte: number
  chainId: number
  /** Where the fields end (before legacy's chainId/0/0 or the signature). */
  fieldsEnd: number
  /** EIP-4844 with sidecars: the network form's blobs, commitments and proofs lists. */
  sidecars?: Buffer
}

/** Writes the fields of `tx` after HEAD; undefined when viem must handle the tx. */
function writeFields(tx: TransactionSerializable): Layout | undefined {
  const t = tx as Record<string, unknown>
  if (t.r !== undefined || t.s !== undefined || t.v !== undefined || t.yParity !== undefined) return undefined
  const type = t.type
  if (type !== 'eip1559' && type !== 'eip2930' && type !== 'legacy' && type !== 'eip7702' && type !== 'eip4844') return undefined
  const chainId = t.chainId
  if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId <= 0) return undefined
  const to = t.to
  if (to !== undefined && to !== null && !validAddress(to, true)) return undefined
  pos = HEAD
  let ok: boolean
  if (type === 'legacy') {
    if (t.maxFeePerGas !== undefined || t.maxPriorityFeePerGas !== undefined || t.accessList !== undefined) return undefined
    ok = writeUint(t.nonce) && writeUint(t.gasPrice) && writeUint(t.gas) && writeHexPayload(to ? (to as string).slice(2) : '') && writeUint(t.value) && writeHexData(t.data)
    return ok ? { typeByte: 0, chainId, fieldsEnd: pos } : undefined
  }
  if (type === 'eip1559' || type === 'eip7702' || type === 'eip4844') {
    if (t.gasPrice !== undefined) return undefined
    // viem's 7702 and 4844 serializers need a recipient
    if (type !== 'eip1559' && !to) return undefined
    const maxFee = t.maxFeePerGas
    const tip = t.maxPriorityFeePerGas
    // viem throws TipAboveFeeCapError: let it
    if (typeof maxFee === 'bigint' && typeof tip === 'bigint' && tip > maxFee) return undefined
    ok = writeUint(chainId) && writeUint(t.nonce) && writeUint(tip) && writeUint(maxFee) && writeUint(t.gas)
  } else {
    if (t.maxFeePerGas !== undefined || t.maxPriorityFeePerGas !== undefined) return undefined
    ok = writeUint(chainId) && writeUint(t.nonce) && writeUint(t.gasPrice) && writeUint(t.gas)
  }
  ok = ok && writeHexPayload(to ? (to as string).slice(2) : '') && writeUint(t.value) && writeHexData(t.data) && writeAccessList(t.accessList as AccessList | undefined)
  if (!ok) return undefined
  if (type === 'eip7702') {
    return writeItem(authorizationListItem(t.authorizationList)) ? { typeByte: 0x04, chainId, fieldsEnd: pos } : undefined
  }
  if (type === 'eip4844') {
    if (t.blobs !== undefined || t.kzg !== undefined) return undefined
    if (!writeUint(t.maxFeePerBlobGas) || !writeHashList(t.blobVersionedHashes)) return undefined
    const l: Layout = { typeByte: 0x03, chainId, fieldsEnd: pos }
    if (t.sidecars !== undefined && t.sidecars !== false) {
      if (!Array.isArray(t.sidecars) || t.sidecars.length === 0) return undefined
      const tail = sidecarTail(t.sidecars as BlobSidecars<Hex>)
      if (!tail) return undefined
      l.sidecars = tail
    }
    return l
  }
  return { typeByte: type === 'eip1559' ? 0x02 : type === 'eip2930' ? 0x01 : 0x00, chainId, fieldsEnd: pos }
}

/** Finishes the payload written after the fields: list header and type byte; returns the start. */
function wrap(l: Layout): number {
  let start = listBefore(HEAD)
  if (l.typeByte) scratch[--start] = l.typeByte
  return start
}

/** The unsigned (signing) payload, as a view into the scratch buffer valid until the next call. */
function unsignedView(l: Layout): Buffer {
  pos = l.fieldsEnd
  if (l.typeByte === 0) {
    // EIP-155: chainId, 0, 0
    writeUint(l.chainId)
    ensure(2)
    scratch[pos++] = 0x80
    scratch[pos++] = 0x80
  }
  const start = wrap(l)
  return scratch.subarray(start, pos)
}

function appendSignature(l: Layout, rs: Uint8Array, recid: number): number {
  pos = l.fieldsEnd
  ensure(1)
  if (l.typeByte === 0) writeUint(BigInt(l.chainId) * 2n + 35n + BigInt(recid))
  else scratch[pos++] = recid ? 0x01 : 0x80
  writeScalar(rs, 0)
  writeScalar(rs, 32)
  return wrap(l)
}

/**
 * A blob tx's network form: type ‖ rlp([signed payload list, blobs, commitments, proofs]), from the
 * signed payload (type byte and list) at `start`..`pos`.
 */
function networkForm(start: number, tail: Buffer): string {
  const inner = scratch.subarray(start + 1, pos)
  const len = inner.length + tail.length
  const n = byteLength(len)
  const head = Buffer.alloc(2 + n)
  head[0] = 0x03
  head[1] = 0xf7 + n
  for (let i = 0; i < n; i++) head[1 + n - i] = Math.floor(len / 256 ** i) % 256
  return `0x${Buffer.concat([head, inner, tail]).toString('hex')}`
}

/**
 * Serializes, hashes, signs (through `sign`) and serializes with the signature; also returns the
 * tx hash (of the signed payload: for a blob tx, without its sidecars). Undefined when the tx is
 * not one this encoder handles (use viem).
 */
export function signTxFast(tx: TransactionSerializable, sign: SignDigest): SignedTx | undefined {
  const l = writeFields(tx)
  if (!l) return undefined
  const { signature, recid } = sign(keccak256Bytes(unsignedView(l)))
  const start = appendSignature(l, signature, recid)
  const signed = scratch.subarray(start, pos)
  const hash: Hex = `0x${Buffer.from(keccak256Bytes(signed)).toString('hex')}`
  return { raw: l.sidecars ? (networkForm(start, l.sidecars) as Hex) : `0x${scratch.toString('hex', start, pos)}`, hash }
}

/** EIP-7702: the digest an authority signs, keccak256(0x05 ‖ rlp([chain_id, address, nonce])); undefined when viem must judge. */
export function authorizationDigest(chainId: number, address: string, nonce: number): Uint8Array | undefined {
  if (!validAddress(address, true)) return undefined
  pos = HEAD
  if (!writeUint(chainId) || !writeHexPayload(address.slice(2)) || !writeUint(nonce)) return undefined
  let start = listBefore(HEAD)
  scratch[--start] = 0x05
  return keccak256Bytes(scratch.subarray(start, pos))
}

/** The unsigned serialization (what viem's `serializeTransaction(tx)` gives), or undefined. For tests. */
export function serializeUnsignedFast(tx: TransactionSerializable): Hex | undefined {
  const l = writeFields(tx)
  if (!l || l.sidecars) return undefined
  return `0x${unsignedView(l).toString('hex')}`
}

/** The signed serialization for a given r‖s and recovery id, or undefined. For tests. */
export function serializeSignedFast(tx: TransactionSerializable, rs: Uint8Array, recid: number): Hex | undefined {
  const l = writeFields(tx)
  if (!l) return undefined
  const start = appendSignature(l, rs, recid)
  return l.sidecars ? (networkForm(start, l.sidecars) as Hex) : `0x${scratch.toString('hex', start, pos)}`
}
