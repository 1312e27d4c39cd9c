/** A scenario entry's template context, parsed spec, bytecode and constructor arguments: what its tx carries. */
import { type Address, type Hex, zeroAddress } from 'viem'
import { parseSpec } from '../stream/parseSpec.js'
import { NO_POOLS, type Spec } from '../stream/spec.js'
import { type TemplateContext, substitute } from './template.js'
import { type CreateDef, type Scenario, ScenarioError } from './types.js'

/** The template context every entry shares; a tx's `sender` is added to it. */
export function baseContext(s: Scenario, contracts: ReadonlyMap<string, Address>, hint?: string): TemplateContext {
  return { env: s.env, contractNames: new Set(s.creates.map((c) => c.name)), contracts, ...(hint ? { missingHint: hint } : {}) }
}

/** A spec object (no from/from_pool) through the stream parser, as a worker would get it. */
export function parseCallSpec(obj: Record<string, unknown>, where: string): Spec {
  const r = parseSpec(JSON.stringify(obj), 0, NO_POOLS)
  if (!r.ok) throw new ScenarioError(`${where}: ${r.problem.error}`)
  return r.spec
}

/** A [[setup]] step's spec: setup sends plain txs (the chain's default type), so no blobs or set-code. */
export function setupSpec(obj: Record<string, unknown>, where: string): Spec {
  const spec = parseCallSpec(obj, where)
  if (spec.txType !== undefined) {
    throw new ScenarioError(`${where}: [[setup]] steps are sent as the chain's default tx type; tx_type, blob_data and authorization_address are for [[spam]] entries`)
  }
  return spec
}

/** Constructor arguments ABI-encoded (without a selector), for `signature = "(uint256 supply)"`. */
export function encodeConstructorArgs(c: CreateDef, args: unknown[]): Hex {
  const sig = c.signature!.trim().replace(/^(constructor|function)\s*/, '')
  const open = sig.indexOf('(')
  if (open < 0) throw new ScenarioError(`${c.where}.signature: ${JSON.stringify(c.signature)} is not a parameter list such as "(uint256 initialSupply)"`)
  const spec = parseCallSpec({ to: zeroAddress, signature: `floodgateConstructor${sig.slice(open)}`, args }, c.where)
  const data = typeof spec.calldata === 'function' ? spec.calldata(zeroAddress) : (spec.calldata ?? '0x')
  return `0x${data.slice(10)}`
}

/** A [[create]] entry's bytecode with its placeholders filled in, checked to be hex. */
export function bytecodeHex(c: CreateDef, ctx: TemplateContext): Hex {
  const code = substitute(c.bytecode, ctx, `${c.where}.bytecode`, 'bytecode').replace(/^0x/i, '')
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(code)) throw new ScenarioError(`${c.where}.bytecode: not hex bytecode`)
  return `0x${code.toLowerCase()}`
}
