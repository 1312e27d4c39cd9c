/**
 * Allocating RLP encoders, for the parts of a tx that nest lists (access and authorization lists,
 * blob sidecars): rare or cached, so simplicity wins over the scratch buffer serializeTx.ts uses.
 */
import { maxUint256 } from 'viem'

const HEX_QUANTITY = /^0x[0-9a-fA-F]{1,64}$/

/** How many bytes the big-endian form of `n` takes (0 for 0). */
export function byteLength(n: number): number {
  let k = 0
  while (n > 0) {
    k++
    n = Math.floor(n / 256)
  }
  return k
}

/** Items (each already RLP) as one RLP list. */
export function rlpList(items: readonly Buffer[]): Buffer {
  let len = 0
  for (const i of items) len += i.length
  let head: Buffer
  if (len <= 55) head = Buffer.from([0xc0 + len])
  else {
    const n = byteLength(len)
    head = Buffer.alloc(n + 1)
    head[0] = 0xf7 + n
    for (let i = 0; i < n; i++) head[n - i] = Math.floor(len / 256 ** i) % 256
  }
  return Buffer.concat([head, ...items])
}

/** Bytes as an RLP string item (allocating; for the rare nested lists). */
export function rlpString(b: Buffer): Buffer {
  if (b.length === 1 && b[0]! < 0x80) return b
  if (b.length <= 55) return Buffer.concat([Buffer.from([0x80 + b.length]), b])
  const n = byteLength(b.length)
  const head = Buffer.alloc(n + 1)
  head[0] = 0xb7 + n
  for (let i = 0; i < n; i++) head[n - i] = Math.floor(b.length / 256 ** i) % 256
  return Buffer.concat([head, b])
}

/** An unsigned integer (number, bigint) as an RLP string item; undefined when it is not one. */
export function rlpUint(v: unknown): Buffer | undefined {
  let hex: string
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) hex = v.toString(16)
  else if (typeof v === 'bigint' && v >= 0n && v <= maxUint256) hex = v.toString(16)
  else return undefined
  if (hex === '0') return Buffer.from([0x80])
  return rlpString(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'))
}

/** A signature scalar given as hex (leading zero bytes trimmed, as viem's `trim`). */
export function rlpScalarHex(v: unknown): Buffer | undefined {
  if (typeof v !== 'string' || !HEX_QUANTITY.test(v)) return undefined
  return rlpUint(BigInt(v))
}
