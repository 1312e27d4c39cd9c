/** A scenario's spam stream: its entries interleaved by weight, placeholders resolved, fuzz applied. */
import { createHash } from 'node:crypto'
import { type AbiFunction, parseAbiItem } from 'viem'
import { type TemplateContext, substitute, substituteDeep, withHexPrefix } from './template.js'
import { type CallDef, type Scenario, SPAM_POOL, ScenarioError } from './types.js'

/**
 * The spam stream of a scenario: one stream-spec object per tx, placeholders resolved,
 * fuzz applied. Deterministic: the same scenario, contract addresses and seed give the same
 * lines, in the same order.
 *
 * Order: [[spam]] entries are interleaved by smooth weighted round robin (weights default 1,
 * so equal entries alternate: a, b, c, a, b, c…), which gives every entry exactly its share
 * in each cycle of sum(weights) specs. contender instead sends each entry's txs in a block
 * of their own; interleaving keeps a mix a mix at any run length.
 *
 * Fuzz: contender's `fuzz = [{ param | value | max_priority_fee_per_gas, min, max }]`; the
 * n-th spec of entry e gets, for its fuzz f, min + H(seed, e, f, n) mod (max - min), where H
 * is SHA-256 (contender: keccak of its seed, same range).
 */

export interface CompiledStep {
  where: string
  weight: number
  /** The pool whose accounts send it. */
  pool: string
  /** Resolved spec fields, before fuzz. */
  base: Record<string, unknown>
  fuzz: { apply: (spec: Record<string, unknown>, v: bigint) => void; min: bigint; span: bigint }[]
}

const FIELD_ORDER = ['to', 'from', 'from_pool', 'signature', 'args', 'data', 'value', 'gas_limit', 'access_list', 'max_fee_per_gas', 'max_priority_fee_per_gas', 'kind', 'id']

const FUNCTION_KEYWORD_RE = /^(function|event|error|constructor|fallback|receive|struct)\b/

function parseFunction(signature: string, where: string): AbiFunction {
  const t = signature.trim()
  try {
    const item = parseAbiItem(FUNCTION_KEYWORD_RE.test(t) ? t : `function ${t}`) as { type: string }
    if (item.type === 'function') return item as AbiFunction
  } catch {
    // reported below
  }
  throw new ScenarioError(`${where}.signature: ${JSON.stringify(signature)} is not a function signature`)
}

/**
 * A [[setup]] or [spam.tx] entry with its placeholders resolved (`{_sender}` too when
 * `ctx.sender` is set), as a stream-spec object without from/from_pool.
 */
export function resolveCall(call: CallDef, ctx: TemplateContext): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const f = call.fields
  for (const key of [...FIELD_ORDER, ...Object.keys(f).filter((k) => !FIELD_ORDER.includes(k))]) {
    const v = f[key]
    if (v === undefined) continue
    const at = `${call.where}.${key}`
    if (key === 'to') out.to = withHexPrefix(substitute(String(v), ctx, at))
    else if (key === 'access_list' && Array.isArray(v)) {
      out.access_list = v.map((e, i) => {
        const r = substituteDeep(e, ctx, `${at}[${i}]`)
        return r !== null && typeof r === 'object' && !Array.isArray(r) && 'address' in r ? { ...r, address: withHexPrefix((r as { address: unknown }).address) } : r
      })
    } else if (key === 'kind' || key === 'id') out[key] = v
    else out[key] = substituteDeep(v, ctx, at)
  }
  return out
}

/** Compiles the [[spam]] entries. `fromPool`: put each entry's pool in its lines (for `run`). */
export function compileSpam(s: Scenario, ctx: TemplateContext, opts: { fromPool: boolean }): CompiledStep[] {
  if (s.spam.length === 0) throw new ScenarioError('no [[spam]] entries: nothing to send')
  return s.spam.map((entry) => {
    const call = entry.tx
    const pool = call.fromPool ?? SPAM_POOL
    const base = resolveCall(call, ctx)
    if (call.from !== undefined) base.from = withHexPrefix(substitute(call.from, ctx, `${call.where}.from`))
    else if (opts.fromPool) base.from_pool = pool
    const ordered: Record<string, unknown> = {}
    for (const k of [...FIELD_ORDER, ...Object.keys(base)]) if (base[k] !== undefined && !(k in ordered)) ordered[k] = base[k]

    const fuzz = call.fuzz.map((fz, i) => {
      const at = `${call.where}.fuzz[${i}]`
      const span = fz.max - fz.min
      const t = fz.target
      if ('value' in t) return { apply: (o: Record<string, unknown>, v: bigint) => void (o.value = v.toString()), min: fz.min, span }
      if ('tip' in t) return { apply: (o: Record<string, unknown>, v: bigint) => void (o.max_priority_fee_per_gas = v.toString()), min: fz.min, span }
      if (typeof call.fields.signature !== 'string') throw new ScenarioError(`${at}: param "${t.param}" needs a signature to name it`)
      const fn = parseFunction(call.fields.signature, call.where)
      const index = fn.inputs.findIndex((p) => p.name === t.param)
      if (index < 0) {
        const names = fn.inputs.map((p) => p.name).filter(Boolean)
        throw new ScenarioError(`${at}: "${t.param}" is not a named parameter of ${fn.name}(${fn.inputs.map((p) => `${p.type}${p.name ? ` ${p.name}` : ''}`).join(', ')})${names.length ? '' : ' (name the parameters in the signature to fuzz them)'}`)
      }
      const args = ordered.args
      if (!Array.isArray(args) || args.length <= index) throw new ScenarioError(`${at}: "${t.param}" is argument ${index}, but args has ${Array.isArray(args) ? args.length : 0}`)
      const isAddress = fn.inputs[index]!.type === 'address'
      const mask = (1n << 160n) - 1n
      return {
        apply: (o: Record<string, unknown>, v: bigint) => {
          const a = (o.args as unknown[]).slice()
          a[index] = isAddress ? `0x${(v & mask).toString(16).padStart(40, '0')}` : v.toString()
          o.args = a
        },
        min: fz.min,
        span,
      }
    })
    return { where: entry.where, weight: entry.weight, pool, base: ordered, fuzz }
  })
}

/** Deterministic fuzz value in [min, min + span) (min when span is 0). */
function fuzzValue(seed: string, step: number, fuzz: number, n: number, min: bigint, span: bigint): bigint {
  if (span === 0n) return min
  const h = createHash('sha256').update(`floodgate/fuzz/v1\0${seed}\0${step}\0${fuzz}\0${n}`).digest('hex')
  return min + (BigInt(`0x${h}`) % span)
}

/** Endless spec objects, in order (smooth weighted round robin over the entries). */
export function* specObjects(steps: readonly CompiledStep[], seed: string): Generator<Record<string, unknown>> {
  const total = steps.reduce((t, s) => t + s.weight, 0)
  const current = steps.map(() => 0)
  const counts = steps.map(() => 0)
  for (;;) {
    let best = 0
    for (let i = 0; i < steps.length; i++) {
      current[i]! += steps[i]!.weight
      if (current[i]! > current[best]!) best = i
    }
    current[best]! -= total
    const step = steps[best]!
    const n = counts[best]!++
    if (step.fuzz.length === 0) {
      yield step.base
      continue
    }
    const spec = { ...step.base }
    step.fuzz.forEach((f, i) => f.apply(spec, fuzzValue(seed, best, i, n, f.min, f.span)))
    yield spec
  }
}

/**
 * The spam stream as JSON-line chunks, for `send`'s intake: stops after `count` specs, or
 * once `deadlineMs` has passed since the first chunk was pulled (lines are produced only as
 * the intake pulls them, so a paced run never runs far ahead).
 */
export async function* specStream(steps: readonly CompiledStep[], seed: string, opts: { count?: number; durationMs?: number }): AsyncGenerator<string> {
  const it = specObjects(steps, seed)
  let left = opts.count ?? Number.POSITIVE_INFINITY
  let deadline: number | undefined
  while (left > 0) {
    if (opts.durationMs !== undefined) {
      deadline ??= performance.now() + opts.durationMs
      if (performance.now() >= deadline) return
    }
    const n = Math.min(left, 64)
    let chunk = ''
    for (let i = 0; i < n; i++) chunk += `${JSON.stringify(it.next().value)}\n`
    left -= n
    yield chunk
  }
}
