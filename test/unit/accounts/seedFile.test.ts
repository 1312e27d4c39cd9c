import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { seedProblem } from '../../../src/accounts/seedRules.js'
import { errorLine, FatalError } from '../../../src/base/errors.js'
import { readKeyFile } from '../../../src/cli/parseFlags.js'
import { defaultSeed } from '../../../src/state.js'

/** Issue 23, seeds and keys: the default seed file and key files are read bounded, checked, and warned of. */
const dir = () => mkdtempSync(join(tmpdir(), 'floodgate-seed-'))
const KEY = `0x${'11'.repeat(32)}`

function thrown(fn: () => unknown): FatalError {
  try {
    fn()
  } catch (err) {
    return err as FatalError
  }
  throw new Error('expected a throw')
}

describe('seed rules', () => {
  test('behavior: empty, short and guessable seeds are refused; the ones the tests and the state dir use pass', () => {
    expect(seedProblem('')).toBe('is empty')
    expect(seedProblem(' \n\t ')).toBe('is empty')
    expect(seedProblem('abc1234')).toMatch(/shorter than 8/)
    expect(seedProblem('aaaaaaaaaaaaaaaaaaaaaaaa')).toMatch(/too easy to guess/)
    expect(seedProblem('abababababababab')).toMatch(/too easy to guess/)
    for (const ok of ['scn-erc20', 'scn-mixed', 'bad-input-at-scale', `in-process-${Math.random()}`, 'a'.repeat(0) + 'f3b2c9d81e0a4c57']) expect(seedProblem(ok), ok).toBeUndefined()
  })
})

describe('the default seed file', () => {
  test('behavior: created once, mode 0600, 64 hex digits; read back the same; no warning', () => {
    const d = dir()
    const warnings: string[] = []
    const seed = defaultSeed(d, (m) => warnings.push(m))
    expect(seed).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(join(d, 'seed')).mode & 0o777).toBe(0o600)
    expect(defaultSeed(d, (m) => warnings.push(m))).toBe(seed)
    expect(warnings).toEqual([])
  })

  test('error: an empty or whitespace seed file is SEED_REFUSED naming the file, not a pool from a public constant', () => {
    for (const content of ['', '  \n', 'abc\n', 'zzzzzzzzzzzzzzzzzzzz\n']) {
      const d = dir()
      writeFileSync(join(d, 'seed'), content, { mode: 0o600 })
      const err = thrown(() => defaultSeed(d))
      expect(err).toBeInstanceOf(FatalError)
      expect(err.code).toBe('SEED_REFUSED')
      expect(errorLine(err)).toMatch(new RegExp(`^\\[SEED_REFUSED\\] the seed in ${join(d, 'seed')} (is empty|is shorter|is too easy).* — .*delete the file`))
      if (content.trim()) expect(err.message).not.toContain(content.trim())
    }
  })

  test('error: a seed path that is a directory, a state dir under a file or that cannot be written (/sys), a seed file over 4 KiB: STATE_DIR_UNUSABLE, one line', () => {
    const d1 = dir()
    mkdirSync(join(d1, 'seed'))
    expect(errorLine(thrown(() => defaultSeed(d1)))).toMatch(/^\[STATE_DIR_UNUSABLE\] the default seed file .*seed is a directory, not a file — set FLOODGATE_STATE_DIR/)
    const file = join(dir(), 'a-file')
    writeFileSync(file, 'x')
    expect(errorLine(thrown(() => defaultSeed(join(file, 'state'))))).toMatch(/^\[STATE_DIR_UNUSABLE\] the default seed file .*cannot open .* \(ENOTDIR\) — /)
    // a state dir that cannot be written: sysfs refuses a new file even to root (these tests run as root)
    expect(errorLine(thrown(() => defaultSeed('/sys')))).toMatch(/^\[STATE_DIR_UNUSABLE\] cannot keep the default seed in the state dir \/sys \(EACCES\) — set FLOODGATE_STATE_DIR/)
    const d3 = dir()
    writeFileSync(join(d3, 'seed'), 'f'.repeat(5000))
    expect(errorLine(thrown(() => defaultSeed(d3)))).toMatch(/^\[STATE_DIR_UNUSABLE\] the default seed file .* is larger than 4096 bytes/)
  })

  test('behavior: a seed file readable by others is warned of once (as ssh does), without the seed', () => {
    const d = dir()
    const seed = defaultSeed(d)
    chmodSync(join(d, 'seed'), 0o644)
    const warnings: string[] = []
    expect(defaultSeed(d, (m) => warnings.push(m))).toBe(seed)
    expect(defaultSeed(d, (m) => warnings.push(m))).toBe(seed)
    expect(warnings).toEqual([`the seed file ${join(d, 'seed')} is readable by other users: chmod 600 ${join(d, 'seed')}`])
    expect(readFileSync(join(d, 'seed'), 'utf8').trim()).toBe(seed)
  })
})

describe('key files', () => {
  test('behavior: a key file readable by others is warned of once; a 0600 one is not', () => {
    const d = dir()
    const open = join(d, 'open.key')
    const closed = join(d, 'closed.key')
    writeFileSync(open, `${KEY}\n`, { mode: 0o644 })
    chmodSync(open, 0o644)
    writeFileSync(closed, `${KEY}\n`, { mode: 0o600 })
    const warnings: string[] = []
    expect(readKeyFile(open, '--funder-key-file', (m) => warnings.push(m))).toBe(KEY)
    expect(readKeyFile(open, '--funder-key-file', (m) => warnings.push(m))).toBe(KEY)
    expect(readKeyFile(closed, '--funder-key-file', (m) => warnings.push(m))).toBe(KEY)
    expect(warnings).toEqual([`--funder-key-file: ${open} is readable by other users: chmod 600 ${open}`])
  })
})
