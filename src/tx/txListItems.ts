/**
 * The list fields some tx types carry, as RLP items built with the allocating encoders: access
 * lists, EIP-7702 authorization lists, and an EIP-4844 tx's sidecars. Each returns undefined for
 * anything viem must judge (serializeTx.ts then falls back to viem).
 */
import type { AccessList, BlobSidecars, Hex, SignedAuthorization } from 'viem'
import { HEX, validAddress } from './fieldChecks.js'
import { rlpList, rlpScalarHex, rlpString, rlpUint } from './rlp.js'

const STORAGE_KEY = /^0x[0-9a-fA-F]{64}$/

/** A non-empty access list as one RLP list item. */
export function accessListItem(accessList: AccessList): Buffer | undefined {
  const entries: Buffer[] = []
  for (const { address, storageKeys } of accessList) {
    if (!validAddress(address, false)) return undefined
    const keys: Buffer[] = []
    for (const k of storageKeys) {
      if (typeof k !== 'string' || !STORAGE_KEY.test(k)) return undefined
      keys.push(Buffer.concat([Buffer.from([0xa0]), Buffer.from(k.slice(2), 'hex')]))
    }
    entries.push(rlpList([Buffer.concat([Buffer.from([0x94]), Buffer.from(address.slice(2), 'hex')]), rlpList(keys)]))
  }
  return rlpList(entries)
}

/** An EIP-7702 authorization list as one RLP list item. */
export function authorizationListItem(list: unknown): Buffer | undefined {
  if (!Array.isArray(list)) return undefined
  const entries: Buffer[] = []
  for (const a of list as SignedAuthorization[]) {
    if (a === null || typeof a !== 'object') return undefined
    if (!validAddress(a.address, true)) return undefined
    // viem encodes a yParity given as a number as is, and derives it from v otherwise: only the first here
    if (typeof a.yParity !== 'number' || a.v !== undefined) return undefined
    const chainId = rlpUint(a.chainId)
    const nonce = rlpUint(a.nonce)
    const yParity = rlpUint(a.yParity)
    const r = rlpScalarHex(a.r)
    const sv = rlpScalarHex(a.s)
    if (!chainId || !nonce || !yParity || !r || !sv) return undefined
    entries.push(rlpList([chainId, rlpString(Buffer.from(a.address.slice(2), 'hex')), nonce, yParity, r, sv]))
  }
  return rlpList(entries)
}

/**
 * The network form's tail of a blob tx: the RLP lists of blobs, commitments and proofs, encoded
 * once per sidecars array (they are shared by every tx of one blob payload) and kept beside it.
 */
const sidecarTails = new WeakMap<object, Buffer>()
export function sidecarTail(sidecars: BlobSidecars<Hex>): Buffer | undefined {
  const hit = sidecarTails.get(sidecars)
  if (hit) return hit
  const blobs: Buffer[] = []
  const commitments: Buffer[] = []
  const proofs: Buffer[] = []
  for (const sc of sidecars) {
    if (sc === null || typeof sc !== 'object') return undefined
    for (const v of [sc.blob, sc.commitment, sc.proof]) if (typeof v !== 'string' || !HEX.test(v)) return undefined
    blobs.push(rlpString(Buffer.from(sc.blob.slice(2), 'hex')))
    commitments.push(rlpString(Buffer.from(sc.commitment.slice(2), 'hex')))
    proofs.push(rlpString(Buffer.from(sc.proof.slice(2), 'hex')))
  }
  const tail = Buffer.concat([rlpList(blobs), rlpList(commitments), rlpList(proofs)])
  sidecarTails.set(sidecars, tail)
  return tail
}
