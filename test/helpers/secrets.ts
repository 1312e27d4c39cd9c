import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { poolKeysFromMnemonic, poolKeysFromSeed } from '../../src/accounts/poolKeys.js'

/**
 * Issue 4, security: every end-to-end run's stdout and stderr (the helpers runCli and runSend
 * call this on each run) must not hold a private key, a mnemonic or a seed: not the funder
 * key, not the pool's seed or mnemonic, not one of the pool keys derived from them, not the
 * default seed kept in the state dir.
 */
export interface RunSecrets {
  keys: string[]
  seeds: string[]
  mnemonics: string[]
}

const HEX_KEY = /^(0x)?[0-9a-fA-F]{64}$/
/** At most this many pool keys are derived to look for (the pools of the tests are smaller). */
const MAX_POOL = 64

function poolKeys(s: { seed?: string; mnemonic?: string; poolName: string; poolSize: number }): string[] {
  const n = Math.min(MAX_POOL, s.poolSize)
  try {
    if (s.mnemonic) return poolKeysFromMnemonic(s.mnemonic, n)
    if (s.seed) return poolKeysFromSeed(s.seed, s.poolName, n)
  } catch {
    // not a valid mnemonic: the run refused it; the words are still looked for
  }
  return []
}

/** The secrets a CLI run was given: flags, env vars, and the default seed its state dir holds after it. */
export function cliSecrets(args: string[], env: Record<string, string | undefined>, stateDir: string): RunSecrets {
  const flag = (...names: string[]) => {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!
      for (const n of names) {
        if (a === n && args[i + 1] !== undefined) return args[i + 1]
        if (a.startsWith(`${n}=`)) return a.slice(n.length + 1)
      }
    }
    return undefined
  }
  const seedFile = join(stateDir, 'seed')
  const defaultSeed = existsSync(seedFile) ? readFileSync(seedFile, 'utf8').trim() : undefined
  const seed = flag('--seed') ?? env.FLOODGATE_SEED ?? defaultSeed
  const mnemonic = flag('--mnemonic') ?? env.FLOODGATE_MNEMONIC
  const funder = flag('--funder-key', '-p', '--priv-key') ?? env.FLOODGATE_FUNDER_KEY
  const poolSize = Number(flag('--pool-size') ?? 10)
  const poolName = flag('--from-pool') ?? 'executors'
  return {
    keys: [...(funder ? [funder] : []), ...poolKeys({ ...(seed ? { seed } : {}), ...(mnemonic ? { mnemonic } : {}), poolName, poolSize })],
    seeds: [seed, defaultSeed].filter((s): s is string => s !== undefined),
    mnemonics: mnemonic ? [mnemonic] : [],
  }
}

/** The secrets of an in-process send(). */
export function sendSecrets(o: { seed?: string; mnemonic?: string; funderKey?: string; poolName?: string; poolSize?: number }): RunSecrets {
  const poolName = o.poolName ?? 'executors'
  const poolSize = o.poolSize ?? 4
  return {
    keys: [...(o.funderKey ? [o.funderKey] : []), ...poolKeys({ ...(o.seed ? { seed: o.seed } : {}), ...(o.mnemonic ? { mnemonic: o.mnemonic } : {}), poolName, poolSize })],
    seeds: o.seed ? [o.seed] : [],
    mnemonics: o.mnemonic ? [o.mnemonic] : [],
  }
}

/** Asserts `text` holds none of the secrets (keys with or without 0x, any case; seeds of 6+ characters; mnemonics). */
export function assertNoSecrets(text: string, s: RunSecrets, where: string): void {
  const lower = text.toLowerCase()
  for (const k of s.keys) {
    if (!HEX_KEY.test(k)) continue
    const body = k.replace(/^0x/, '').toLowerCase()
    expect(lower.includes(body), `${where}: a private key (of ${privateKeyToAccount(`0x${body}`).address}) appears in the output`).toBe(false)
  }
  for (const seed of s.seeds) if (seed.length >= 6) expect(text.includes(seed), `${where}: the pool seed appears in the output`).toBe(false)
  for (const m of s.mnemonics) {
    const words = m.trim().split(/\s+/)
    expect(lower.includes(words.join(' ').toLowerCase()), `${where}: the mnemonic appears in the output`).toBe(false)
    // a run of 4 of its words in a row is enough to call it leaked
    for (let i = 0; i + 4 <= words.length; i++) expect(lower.includes(words.slice(i, i + 4).join(' ').toLowerCase()), `${where}: words of the mnemonic appear in the output`).toBe(false)
  }
}
