/** contender's placeholders (`{name}`, `{_sender}`) and their substitution in values and bytecode. */
import type { Address } from 'viem'
import { SENDER_PLACEHOLDER } from '../stream/spec.js'
import { ScenarioError } from './types.js'

/**
 * contender's placeholders: `{name}` is an [env] value or the address of a [[create]]d
 * contract; `{_sender}` is the address that sends the tx.
 *
 * Contract addresses substitute as hex without `0x`, as in contender, so `0x{Counter}` is an
 * address. contender also accepts a bare `{Counter}` where an address goes (its parser takes
 * hex with or without `0x`); floodgate's spec format wants `0x`, so a contract placeholder that
 * does not follow `0x` substitutes with it: `{Counter}` and `0x{Counter}` give the same
 * address. In bytecode (constructor linking) it is always bare hex, and `{_sender}` is the
 * deployer padded to 32 bytes, as contender does.
 */
export interface TemplateContext {
  env: Readonly<Record<string, string>>
  /** Every [[create]] name of the scenario (known even before their addresses). */
  contractNames: ReadonlySet<string>
  /** Deployed addresses so far. */
  contracts: ReadonlyMap<string, Address>
  /** The sender, where it is known (create/setup); otherwise `{_sender}` stays for the worker. */
  sender?: Address
  /** Why an address may be missing, for the message (e.g. "run `floodgate setup` first"). */
  missingHint?: string
}

const PLACEHOLDER_RE = /\{([^{}\s]*)\}/g
const BARE_ADDRESS_RE = /^[0-9a-fA-F]{40}$/

export function substitute(text: string, ctx: TemplateContext, where: string, mode: 'value' | 'bytecode' = 'value'): string {
  if (!text.includes('{')) return text
  return text.replace(PLACEHOLDER_RE, (whole, key: string, offset: number) => {
    const after0x = offset >= 2 && (text.slice(offset - 2, offset) === '0x' || text.slice(offset - 2, offset) === '0X')
    if (whole === SENDER_PLACEHOLDER) {
      if (ctx.sender === undefined) return whole
      const hex = ctx.sender.slice(2).toLowerCase()
      if (mode === 'bytecode') return `${'0'.repeat(24)}${hex}`
      return after0x ? hex : ctx.sender
    }
    if (Object.hasOwn(ctx.env, key)) return ctx.env[key]!
    const address = ctx.contracts.get(key)
    if (address !== undefined) {
      const hex = address.slice(2).toLowerCase()
      return mode === 'bytecode' || after0x ? hex : `0x${hex}`
    }
    if (ctx.contractNames.has(key)) {
      throw new ScenarioError(`${where}: {${key}} needs the address of contract "${key}", which is not deployed${ctx.missingHint ? ` (${ctx.missingHint})` : ''}`)
    }
    if (key.startsWith('_')) throw new ScenarioError(`${where}: placeholder ${whole} is not supported (floodgate knows {_sender})`)
    throw new ScenarioError(`${where}: unknown placeholder ${whole}: not an [env] variable nor a [[create]] name`)
  })
}

/** `substitute` through strings nested in arrays and tables (args, access lists). */
export function substituteDeep(v: unknown, ctx: TemplateContext, where: string): unknown {
  if (typeof v === 'string') return substitute(v, ctx, where)
  if (Array.isArray(v)) return v.map((x, i) => substituteDeep(x, ctx, `${where}[${i}]`))
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, substituteDeep(x, ctx, `${where}.${k}`)]))
  }
  return v
}

/** contender accepts hex addresses without `0x` (alloy parses both); spec lines want `0x`. */
export function withHexPrefix(v: unknown): unknown {
  return typeof v === 'string' && BARE_ADDRESS_RE.test(v) ? `0x${v}` : v
}
