/** Checks serializeTx.ts makes as viem would, so that it hands viem every tx viem would reject. */
import { isAddress, type Hex } from 'viem'

/** 0x and whole bytes. */
export const HEX = /^0x(?:[0-9a-fA-F]{2})*$/

/** Addresses viem's `isAddress` accepted; they repeat (pool, sinks, contracts). */
const goodAddresses = new Set<string>()
export function validAddress(a: unknown, strict: boolean): a is Hex {
  if (typeof a !== 'string') return false
  const key = strict ? a : `~${a}`
  if (goodAddresses.has(key)) return true
  if (!isAddress(a, { strict })) return false
  if (goodAddresses.size >= 4096) goodAddresses.clear()
  goodAddresses.add(key)
  return true
}
