/** contender campaign files: `[spam]` with stages and per-scenario mixes, read and checked; scenario references resolved to files. */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import { parseToml } from './toml.js'
import { UsageError } from '../base/errors.js'
import { nearest } from '../stream/suggest.js'
import { builtinScenarioDir, builtinScenarios } from './load.js'

export interface MixShare {
  /** The reference as the file gives it (`erc20`, `scenario:stress.toml`, `scenarios/x.toml`). */
  ref: string
  /** The scenario file it stands for. */
  path: string
  /** A short name for events (`kind` prefix) and the report: the file's name without `.toml`. */
  label: string
  /** Share of the stage's txs, normalised to sum 1 over the stage's mix. */
  share: number
}

export interface CampaignStage {
  name: string
  /** tx/s (`mode = "tps"`) or txs per block (`tpb`). */
  rate: number
  /** `duration` (s) or `duration_secs`; in `tpb` mode a `duration` counts blocks (`blocks`), as contender counts it, and this is 1 s a block. */
  durationMs: number
  /** `tpb` mode: the blocks the stage lasts, when the file gives its `duration` (not `duration_secs`). */
  blocks?: number
  mix: MixShare[]
}

export interface Campaign {
  name: string
  mode: 'tps' | 'tpb'
  /** The fuzz seed (`[spam].seed`), when the file gives one. */
  seed?: string
  /** Every scenario to set up: `[setup].scenarios`, then those the mixes name, each once. */
  scenarios: { ref: string; path: string; label: string }[]
  stages: CampaignStage[]
}

type Table = Record<string, unknown>
const isTable = (v: unknown): v is Table => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)

/**
 * contender's built-in scenario names → a floodgate built-in (`scenarios/NAME.toml`) of that
 * name, else the contender scenario file they stand for (looked up like a path).
 */
const CONTENDER_BUILTINS: Record<string, string> = {
  erc20: 'erc20',
  transfers: 'transfers',
  reverts: 'reverts',
  revert: 'reverts',
  storage: 'storage',
  uni_v2: 'uniV2.toml',
  univ2: 'uniV2.toml',
  stress: 'stress.toml',
  blobs: 'blobs.toml',
  set_code: 'setCode.toml',
  setcode: 'setCode.toml',
  simple: 'simple.toml',
  mempool: 'mempool.toml',
}

/** A .toml file whose `spam` is one table (a campaign), not an array of `[[spam]]` entries (a scenario). */
export function isCampaignFile(path: string): boolean {
  if (!path.endsWith('.toml') || !existsSync(path) || !statSync(path).isFile()) return false
  try {
    return isTable((parseToml(readFileSync(path, 'utf8')) as Table).spam)
  } catch {
    return false
  }
}

/** Reads and checks a campaign; every scenario it names must resolve (else refused by name, before anything is sent). */
export function loadCampaign(path: string): Campaign {
  const file = basename(path)
  const fail = (msg: string) => new UsageError(`campaign ${file}: ${msg}`)
  let doc: Table
  try {
    doc = parseToml(readFileSync(path, 'utf8')) as Table
  } catch (err) {
    throw fail(`not valid TOML: ${(err as Error).message}`)
  }
  known(doc, ['name', 'description', 'setup', 'spam'], '', fail)
  const spam = doc.spam
  if (!isTable(spam)) throw fail('[spam] is missing')
  known(spam, ['mode', 'rate', 'duration', 'duration_secs', 'seed', 'mix', 'stage'], 'spam', fail)
  const mode = spam.mode ?? 'tps'
  if (mode !== 'tps' && mode !== 'tpb') throw fail(`spam.mode: ${JSON.stringify(mode)} is not "tps" or "tpb"`)
  const defaults = { rate: optNumber(spam.rate, 'spam.rate', fail), seconds: optNumber(spam.duration ?? spam.duration_secs, 'spam.duration', fail), inBlocks: spam.duration !== undefined }
  const resolveRef = (ref: string, at: string) => resolveCampaignScenario(ref, dirname(resolve(path)), (m) => fail(`${at}: ${m}`))

  let stageTables: unknown[]
  if (spam.stage !== undefined) {
    if (spam.mix !== undefined) throw fail('give [[spam.stage]] or the shorthand [[spam.mix]], not both')
    if (!Array.isArray(spam.stage) || spam.stage.length === 0) throw fail('[[spam.stage]]: expected one or more stages')
    stageTables = spam.stage
  } else if (spam.mix !== undefined) stageTables = [{ name: 'spam', mix: spam.mix }]
  else throw fail('[spam] has neither [[spam.stage]] nor [[spam.mix]]: nothing to send')

  const stages = stageTables.map((t, i): CampaignStage => {
    const at = `spam.stage[${i}]`
    if (!isTable(t)) throw fail(`${at}: expected a table`)
    known(t, ['name', 'rate', 'duration', 'duration_secs', 'mix'], at, fail)
    const rate = optNumber(t.rate, `${at}.rate`, fail) ?? defaults.rate
    const own = optNumber(t.duration ?? t.duration_secs, `${at}.duration`, fail)
    const seconds = own ?? defaults.seconds
    if (rate === undefined || rate <= 0) throw fail(`${at}.rate: give a rate above 0 (here or in [spam])`)
    if (seconds === undefined || seconds <= 0) throw fail(`${at}.duration: give a duration above 0 in seconds (in blocks in tpb mode; here or in [spam])`)
    if (mode === 'tpb' && !Number.isInteger(rate)) throw fail(`${at}.rate: txs per block must be a whole number, got ${rate}`)
    // contender counts a tpb stage's `duration` in blocks (`duration_secs` stays seconds)
    const inBlocks = mode === 'tpb' && (own !== undefined ? t.duration !== undefined : defaults.inBlocks)
    if (!Array.isArray(t.mix) || t.mix.length === 0) throw fail(`${at}.mix: expected one or more [[…mix]] entries`)
    const raw = t.mix.map((m, j) => {
      const mat = `${at}.mix[${j}]`
      if (!isTable(m)) throw fail(`${mat}: expected a table`)
      known(m, ['scenario', 'share_pct'], mat, fail)
      if (typeof m.scenario !== 'string') throw fail(`${mat}.scenario: expected a string`)
      const share = optNumber(m.share_pct, `${mat}.share_pct`, fail) ?? 1
      if (share <= 0) throw fail(`${mat}.share_pct: must be above 0`)
      return { ref: m.scenario, ...resolveRef(m.scenario, `${mat}.scenario`), share }
    })
    const total = raw.reduce((s, m) => s + m.share, 0)
    const name = t.name === undefined ? String(i + 1) : String(t.name)
    return { name, rate, durationMs: Math.round(seconds * 1000), ...(inBlocks ? { blocks: seconds } : {}), mix: raw.map((m) => ({ ...m, share: m.share / total })) }
  })
  if (new Set(stages.map((s) => s.name)).size !== stages.length) throw fail('two stages have the same name')

  const scenarios = new Map<string, { ref: string; path: string; label: string }>()
  const setup = doc.setup
  if (setup !== undefined) {
    if (!isTable(setup)) throw fail('[setup]: expected a table')
    known(setup, ['scenarios'], 'setup', fail)
    const list = setup.scenarios ?? []
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) throw fail('setup.scenarios: expected an array of scenario names or paths')
    list.forEach((ref: string, i) => {
      const r = resolveRef(ref, `setup.scenarios[${i}]`)
      scenarios.set(r.path, { ref, ...r })
    })
  }
  for (const st of stages) for (const m of st.mix) if (!scenarios.has(m.path)) scenarios.set(m.path, { ref: m.ref, path: m.path, label: m.label })
  const labels = new Map<string, string>()
  for (const s of scenarios.values()) {
    const other = labels.get(s.label)
    if (other !== undefined && other !== s.path) throw fail(`two different scenario files are both named ${s.label}`)
    labels.set(s.label, s.path)
  }
  return {
    name: typeof doc.name === 'string' ? doc.name : file.replace(/\.toml$/i, ''),
    mode,
    ...(spam.seed !== undefined ? { seed: String(spam.seed) } : {}),
    scenarios: [...scenarios.values()],
    stages,
  }
}

/**
 * A campaign's scenario reference → its file. `scenario:NAME.toml` and a contender built-in
 * name (`erc20`, `uni_v2`, `stress`, …): a floodgate built-in of that name, else the contender
 * file it stands for; a path: as given (from the working directory), beside the campaign, or
 * beside one of the campaign's parent folders (contender's layout: campaigns/ and scenarios/
 * side by side).
 */
export function resolveCampaignScenario(ref: string, campaignDir: string, fail: (msg: string) => Error): { path: string; label: string } {
  const found = (path: string) => ({ path, label: basename(path).replace(/\.toml$/i, '') })
  const prefixed = /^scenario:(.+)$/.exec(ref)
  const bare = prefixed ? prefixed[1]! : ref
  const looksLikePath = !prefixed && (bare.includes('/') || bare.includes('\\') || bare.endsWith('.toml'))
  if (!looksLikePath) {
    const name = bare.replace(/\.toml$/i, '')
    const builtin = join(builtinScenarioDir(), `${name}.toml`)
    if (/^[A-Za-z0-9_.-]+$/.test(name) && existsSync(builtin)) return found(builtin)
    const mapped = CONTENDER_BUILTINS[name.toLowerCase()] ?? (prefixed ? bare : undefined)
    if (mapped !== undefined) {
      if (!mapped.endsWith('.toml')) return found(join(builtinScenarioDir(), `${mapped}.toml`))
      const file = lookUp(join('scenarios', mapped), campaignDir) ?? lookUp(mapped, campaignDir)
      if (file) return found(file)
      throw fail(`scenario ${JSON.stringify(ref)} stands for contender's ${mapped}, which is not found beside the campaign (in a scenarios/ folder)`)
    }
    const known = [...builtinScenarios(), ...Object.keys(CONTENDER_BUILTINS)]
    const hint = nearest(name, known)
    throw fail(`unknown scenario ${JSON.stringify(ref)}${hint ? ` (did you mean "${hint}"?)` : ''}: give a .toml path, scenario:NAME.toml, or one of ${[...new Set(known)].sort().join(', ')}`)
  }
  const file = lookUp(bare, campaignDir)
  if (file) return found(file)
  throw fail(`scenario ${JSON.stringify(ref)}: no such file (looked in the working directory and beside the campaign)`)
}

/** `rel` from the working directory, else from `dir` and each of its parents. */
function lookUp(rel: string, dir: string): string | undefined {
  const isFile = (p: string) => existsSync(p) && statSync(p).isFile()
  if (isAbsolute(rel)) return isFile(rel) ? rel : undefined
  if (isFile(rel)) return resolve(rel)
  for (let d = dir; ; d = dirname(d)) {
    if (isFile(join(d, rel))) return join(d, rel)
    if (dirname(d) === d) return undefined
  }
}

function known(t: Table, keys: readonly string[], where: string, fail: (m: string) => Error): void {
  for (const k of Object.keys(t)) {
    if (keys.includes(k)) continue
    const hint = nearest(k, keys)
    throw fail(`${where ? `${where}: ` : ''}unknown field "${k}"${hint ? ` (did you mean "${hint}"?)` : ''}`)
  }
}

function optNumber(v: unknown, where: string, fail: (m: string) => Error): number | undefined {
  if (v === undefined) return undefined
  const n = typeof v === 'bigint' ? Number(v) : v
  if (typeof n !== 'number' || !Number.isFinite(n)) throw fail(`${where}: expected a number, got ${JSON.stringify(v)}`)
  return n
}
