/** The one spelling of an address or a tx hash wherever it is a map key or compared: lowercase hex, branded. */
import type { Hex } from 'viem'

declare const keyBrand: unique symbol

/**
 * An address or a tx hash as a key: lowercase, so a checksummed address (or a hash a node
 * spells in capitals) and its lowercase form are one key. Only `keyOf` makes one; a plain
 * string is not a Key, so a lookup cannot forget it.
 */
export type Key = string & { readonly [keyBrand]: true }

/** `addressOrHash` as a Key (a 0x hex stays typed as hex). */
export function keyOf(addressOrHash: Hex): Hex & Key
export function keyOf(addressOrHash: string): Key
export function keyOf(addressOrHash: string): Key {
  return addressOrHash.toLowerCase() as Key
}
