/** Finding and reading scenario files (a path or a built-in name) and validating their TOML. */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseToml } from './toml.js'
import { UsageError } from '../base/errors.js'
import { KNOWN_FIELDS } from '../stream/parseSpec.js'
import { AmountError, parseAmount } from '../stream/parseValue.js'
import { nearest } from '../stream/suggest.js'
import { type CallDef, type CreateDef, type FuzzDef, type Scenario, ScenarioError, type SpamDef } from './types.js'

const UINT256_MAX = (1n << 256n) - 1n

/** The floodgate package's root (holds package.json and the built-in scenarios/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'floodgate') return dir
      } catch {
        // not ours; keep looking
      }
    }
    const up = dirname(dir)
    if (up === dir) throw new Error('cannot find the floodgate package root')
    dir = up
  }
}

export function builtinScenarioDir(): string {
  return join(packageRoot(), 'scenarios')
}

/** Names of the built-in scenarios (`scenarios/*.toml`). */
export function builtinScenarios(): string[] {
  try {
    return readdirSync(builtinScenarioDir())
      .filter((f) => f.endsWith('.toml'))
      .map((f) => f.slice(0, -'.toml'.length))
      .sort()
  } catch {
    return []
  }
}

/** A path to a .toml file, or the name of a built-in scenario (`erc20`). */
export function resolveScenarioPath(arg: string): string {
  const looksLikePath = arg.endsWith('.toml') || arg.includes('/') || arg.includes('\\')
  if (existsSync(arg) && statSync(arg).isFile()) return resolve(arg)
  if (looksLikePath) throw new UsageError(`scenario ${arg}: no such file`)
  const builtin = join(builtinScenarioDir(), `${arg}.toml`)
  if (/^[A-Za-z0-9_.-]+$/.test(arg) && existsSync(builtin)) return builtin
  throw new UsageError(`scenario ${JSON.stringify(arg)}: not a file, and not a built-in scenario (built-in: ${builtinScenarios().join(', ')})`)
}

/** Reads and validates a scenario file (path or built-in name). */
export function loadScenario(arg: string): Scenario {
  const path = resolveScenarioPath(arg)
  const text = readFileSync(path, 'utf8')
  const name = basename(path).replace(/\.toml$/i, '')
  try {
    return parseScenario(text, name, path)
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(`scenario ${name} (${basename(path)}): ${err.message}`)
    throw err
  }
}

// ---------------------------------------------------------------------------------------------

type Table = Record<string, unknown>

const isTable = (v: unknown): v is Table => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'an array'
  if (isTable(v)) return 'a table'
  return `a ${typeof v}`
}

function unknownKey(where: string, key: string, known: readonly string[]): ScenarioError {
  const hint = nearest(key, known)
  return new ScenarioError(`${where}: unknown field "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`)
}

function str(v: unknown, where: string): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint') return String(v)
  throw new ScenarioError(`${where}: expected a string, got ${kindOf(v)}`)
}

function optStr(t: Table, key: string, where: string): string | undefined {
  return t[key] === undefined ? undefined : str(t[key], `${where}.${key}`)
}

/** Scenario-only fields of a [[setup]] / [spam.tx] entry, beside the stream-spec fields. */
const SCENARIO_CALL_FIELDS = ['fuzz', 'for_all_accounts']
const CALL_FIELDS: readonly string[] = [...new Set([...KNOWN_FIELDS, ...SCENARIO_CALL_FIELDS])]

function amount(v: unknown, where: string): bigint {
  if (typeof v !== 'string' && typeof v !== 'number') throw new ScenarioError(`${where}: expected an amount string, got ${kindOf(v)}`)
  try {
    return parseAmount(v, where)
  } catch (err) {
    if (err instanceof AmountError) throw new ScenarioError(`${where}: ${err.message}`)
    throw err
  }
}

function parseFuzz(v: unknown, where: string): FuzzDef[] {
  if (v === undefined) return []
  if (!Array.isArray(v)) throw new ScenarioError(`${where}.fuzz: expected an array of {param|value|max_priority_fee_per_gas, min, max}, got ${kindOf(v)}`)
  return v.map((f, i) => {
    const at = `${where}.fuzz[${i}]`
    if (!isTable(f)) throw new ScenarioError(`${at}: expected a table, got ${kindOf(f)}`)
    const known = ['param', 'value', 'max_priority_fee_per_gas', 'min', 'max']
    for (const k of Object.keys(f)) if (!known.includes(k)) throw unknownKey(at, k, known)
    const targets: FuzzDef['target'][] = []
    if (f.param !== undefined) targets.push({ param: str(f.param, `${at}.param`) })
    if (f.value === true) targets.push({ value: true })
    if (f.max_priority_fee_per_gas === true) targets.push({ tip: true })
    if (targets.length !== 1) {
      throw new ScenarioError(`${at}: give exactly one of param = "name", value = true, max_priority_fee_per_gas = true`)
    }
    const min = f.min === undefined ? 0n : amount(f.min, `${at}.min`)
    const max = f.max === undefined ? UINT256_MAX : amount(f.max, `${at}.max`)
    if (min > max) throw new ScenarioError(`${at}: min ${min} is above max ${max}`)
    return { target: targets[0]!, min, max }
  })
}

function parseCall(v: unknown, where: string): CallDef {
  if (!isTable(v)) throw new ScenarioError(`${where}: expected a table, got ${kindOf(v)}`)
  const fields: Record<string, unknown> = {}
  for (const [k, val] of Object.entries(v)) {
    if (!CALL_FIELDS.includes(k)) throw unknownKey(where, k, CALL_FIELDS)
    if (SCENARIO_CALL_FIELDS.includes(k) || k === 'from' || k === 'from_pool') continue
    fields[k] = val
  }
  if (fields.to === undefined) throw new ScenarioError(`${where}: to: missing (an address, "{ContractName}" or "{_sender}")`)
  if (v.for_all_accounts !== undefined && typeof v.for_all_accounts !== 'boolean') {
    throw new ScenarioError(`${where}.for_all_accounts: expected true or false, got ${kindOf(v.for_all_accounts)}`)
  }
  const from = optStr(v, 'from', where)
  const fromPool = optStr(v, 'from_pool', where)
  if (from !== undefined && fromPool !== undefined) throw new ScenarioError(`${where}: give from or from_pool, not both`)
  return {
    where,
    fields,
    ...(from !== undefined ? { from } : {}),
    ...(fromPool !== undefined ? { fromPool } : {}),
    fuzz: parseFuzz(v.fuzz, where),
    forAllAccounts: v.for_all_accounts === true,
  }
}

function label(t: Table): string {
  const kind = typeof t.kind === 'string' ? t.kind : typeof t.name === 'string' ? t.name : typeof t.signature === 'string' ? t.signature : undefined
  return kind ? ` (${kind.length > 60 ? `${kind.slice(0, 59)}…` : kind})` : ''
}

function parseCreate(v: unknown, i: number): CreateDef {
  let where = `create[${i}]`
  if (!isTable(v)) throw new ScenarioError(`${where}: expected a table, got ${kindOf(v)}`)
  where += label(v)
  const known = ['name', 'bytecode', 'signature', 'args', 'from', 'from_pool']
  for (const k of Object.keys(v)) if (!known.includes(k)) throw unknownKey(where, k, known)
  if (v.name === undefined) throw new ScenarioError(`${where}: name: missing (the name other entries use as {name})`)
  const name = str(v.name, `${where}.name`)
  if (!/^[A-Za-z0-9_.$-]+$/.test(name) || name.startsWith('_')) {
    throw new ScenarioError(`${where}.name: ${JSON.stringify(name)} must be letters, digits, _ . $ - and not start with _`)
  }
  if (v.bytecode === undefined) throw new ScenarioError(`${where}: bytecode: missing`)
  const bytecode = str(v.bytecode, `${where}.bytecode`).trim()
  if (v.args !== undefined && !Array.isArray(v.args)) throw new ScenarioError(`${where}.args: expected an array, got ${kindOf(v.args)}`)
  const args = (v.args as unknown[] | undefined) ?? []
  const signature = optStr(v, 'signature', where)
  if (args.length > 0 && signature === undefined) throw new ScenarioError(`${where}: args need a signature, e.g. "(uint256 initialSupply)"`)
  const from = optStr(v, 'from', where)
  const fromPool = optStr(v, 'from_pool', where)
  if (from !== undefined && fromPool !== undefined) throw new ScenarioError(`${where}: give from or from_pool, not both`)
  return {
    where,
    name,
    bytecode,
    ...(signature !== undefined ? { signature } : {}),
    args,
    ...(from !== undefined ? { from } : {}),
    ...(fromPool !== undefined ? { fromPool } : {}),
  }
}

function parseSpam(v: unknown, i: number): SpamDef {
  let where = `spam[${i}]`
  if (!isTable(v)) throw new ScenarioError(`${where}: expected a table, got ${kindOf(v)}`)
  if (v.bundle !== undefined) {
    const first = isTable(v.bundle) && Array.isArray(v.bundle.tx) && isTable(v.bundle.tx[0]) ? label(v.bundle.tx[0]) : ''
    throw new ScenarioError(
      `${where}${first}: [[spam.bundle.tx]] (a bundle) is not supported; floodgate sends single transactions: write each as its own [[spam]] with [spam.tx]`,
    )
  }
  const known = ['tx', 'weight']
  for (const k of Object.keys(v)) if (!known.includes(k)) throw unknownKey(where, k, known)
  if (v.tx === undefined) throw new ScenarioError(`${where}: missing [spam.tx]`)
  if (isTable(v.tx)) where += label(v.tx)
  let weight = 1
  if (v.weight !== undefined) {
    if (typeof v.weight !== 'number' || !Number.isInteger(v.weight) || v.weight < 1 || v.weight > 1_000_000) {
      throw new ScenarioError(`${where}.weight: expected a whole number from 1 to 1000000, got ${JSON.stringify(v.weight)}`)
    }
    weight = v.weight
  }
  return { where, tx: parseCall(v.tx, `${where}.tx`), weight }
}

/** Validates a scenario's TOML text. Throws ScenarioError naming the entry at fault. */
export function parseScenario(text: string, name: string, path = name): Scenario {
  let doc: Table
  try {
    doc = parseToml(text) as Table
  } catch (err) {
    throw new ScenarioError(`not valid TOML: ${(err as Error).message}`)
  }
  const known = ['env', 'create', 'setup', 'spam']
  for (const k of Object.keys(doc)) if (!known.includes(k)) throw unknownKey('top level', k, known)
  const env: Record<string, string> = {}
  if (doc.env !== undefined) {
    if (!isTable(doc.env)) throw new ScenarioError(`[env]: expected a table, got ${kindOf(doc.env)}`)
    for (const [k, v] of Object.entries(doc.env)) env[k] = str(v, `env.${k}`)
  }
  const list = (key: string): unknown[] => {
    const v = doc[key]
    if (v === undefined) return []
    if (!Array.isArray(v)) throw new ScenarioError(`${key}: expected [[${key}]] entries, got ${kindOf(v)}`)
    return v
  }
  const creates = list('create').map(parseCreate)
  const seen = new Set<string>()
  for (const c of creates) {
    if (seen.has(c.name)) throw new ScenarioError(`${c.where}: a contract named "${c.name}" is created twice`)
    seen.add(c.name)
  }
  const setups = list('setup').map((s, i) => parseCall(s, `setup[${i}]${isTable(s) ? label(s) : ''}`))
  const spam = list('spam').map(parseSpam)
  return {
    name,
    path,
    sourceHash: createHash('sha256').update(text).digest('hex'),
    env,
    creates,
    setups,
    spam,
  }
}
