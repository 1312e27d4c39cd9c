// Owns a spec's calldata: raw `data`, or `signature` + `args` encoded once here (per send when args use `{_sender}`).
import { type Address, type Hex, concatHex, zeroAddress } from 'viem'
import { type CoerceState, HEX_BYTES_RE, encodeParams, hexProblem, substituteSender } from './abiArgs.js'
import { quoteInput } from './parseValue.js'
import { ArgRejection, cut, errorText, invalidType, reject } from './rejections.js'
import { lookupSignature } from './signatureCache.js'
import type { Spec } from './spec.js'
import { field } from './specFields.js'

/** `data`, `signature` and `args` → `spec.calldata` and `spec.selector` (both stay unset without calldata). */
export function parseCalldata(obj: Record<string, unknown>, spec: Spec): void {
  const data = field(obj, 'data')
  const signature = field(obj, 'signature')
  const args = field(obj, 'args')
  if (data !== undefined && signature !== undefined) {
    throw reject('CONFLICTING_FIELDS', 'data', 'data: cannot be combined with signature; give raw calldata or signature + args, not both')
  }
  if (args !== undefined && signature === undefined) {
    throw reject('MISSING_FIELD', 'signature', 'signature: required when args is given (e.g. "transfer(address,uint256)")')
  }
  if (data !== undefined) {
    const hex = parseData(data)
    if (hex.length > 2) {
      spec.calldata = hex
      if (hex.length >= 10) spec.selector = hex.slice(0, 10) as Hex
    }
  } else if (signature !== undefined) {
    const { calldata, selector } = buildCalldata(signature, args)
    spec.calldata = calldata
    spec.selector = selector
  }
}

function parseData(v: unknown): Hex {
  if (typeof v !== 'string') throw invalidType('data', 'a 0x hex string', v)
  if (!HEX_BYTES_RE.test(v)) throw reject('INVALID_HEX', 'data', `data: ${quoteInput(v)} ${hexProblem(v)}`)
  return v.toLowerCase() as Hex
}

function buildCalldata(signature: unknown, args: unknown): { calldata: Hex | ((sender: Address) => Hex); selector: Hex } {
  if (typeof signature !== 'string') throw invalidType('signature', 'a string such as "transfer(address,uint256)"', signature)
  const compiled = lookupSignature(signature)
  if (args !== undefined && !Array.isArray(args)) throw invalidType('args', 'an array', args)
  const given = args ?? []
  const expected = compiled.coercers.length
  if (given.length !== expected) {
    throw reject(
      'INVALID_ARGS',
      'args',
      `args: ${cut(compiled.display, 80)} takes ${expected} argument${expected === 1 ? '' : 's'}, got ${args === undefined ? 'none' : given.length}`,
    )
  }
  const st: CoerceState = { usesSender: false }
  const values = new Array<unknown>(expected)
  try {
    for (let k = 0; k < expected; k++) values[k] = compiled.coercers[k]!(given[k], `args[${k}]`, st)
  } catch (err) {
    if (err instanceof ArgRejection) {
      throw reject('INVALID_ARGS', err.path, `${err.path} (${cut(err.type, 60)}): ${err.message}`)
    }
    throw err
  }
  const { inputs, selector } = compiled
  const encode = (vals: readonly unknown[]): Hex => concatHex([selector, encodeParams(inputs, vals)])
  try {
    if (!st.usesSender) return { calldata: encode(values), selector }
    encode(substituteSender(values, zeroAddress) as unknown[])
  } catch (err) {
    throw reject('INVALID_ARGS', 'args', `args: cannot encode for ${cut(compiled.display, 80)}: ${cut(errorText(err), 160)}`)
  }
  return { calldata: (sender: Address) => encode(substituteSender(values, sender) as unknown[]), selector }
}
