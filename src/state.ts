/** What outlives a run: the state directory and the default pool seed kept in it. */
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { SEED_HINT, seedProblem } from './accounts/seedRules.js'
import { FatalError } from './base/errors.js'
import { readSmallFile, SmallFileError, warnIfReadableByOthers, type SmallFile } from './base/smallFile.js'

/** The largest seed file read (a seed is a line; the one floodgate writes is 65 bytes). */
export const MAX_SEED_FILE_BYTES = 4096

/**
 * Where floodgate keeps what must outlive a run (the default pool seed):
 * $FLOODGATE_STATE_DIR, else $XDG_STATE_HOME/floodgate, else ~/.local/state/floodgate.
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLOODGATE_STATE_DIR) return env.FLOODGATE_STATE_DIR
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state')
  return join(base, 'floodgate')
}

const STATE_HINT = 'set FLOODGATE_STATE_DIR to a directory you can write, or give --seed'

/**
 * The default pool seed: random, created once and kept (mode 0600) so repeated runs
 * reuse an already funded pool. Two runs racing to create it agree on the first one.
 * The file is read bounded ({@link MAX_SEED_FILE_BYTES}); a seed it holds that is empty, short or
 * guessable is refused (`SEED_REFUSED`), a file others may read is warned of once (`warn`), and a
 * state dir that cannot hold it is one `STATE_DIR_UNUSABLE` line.
 */
export function defaultSeed(dir: string = stateDir(), warn: (message: string) => void = () => {}): string {
  const file = join(dir, 'seed')
  const existing = readSeedFile(file)
  if (existing !== undefined) return checkedSeed(file, existing, warn)
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EEXIST') throw new FatalError('STATE_DIR_UNUSABLE', `cannot keep the default seed in the state dir ${dir} (${code ?? 'error'})`, { hint: STATE_HINT, cause: err })
  }
  return checkedSeed(file, readSeedFile(file)!, warn)
}

/** The seed file's content, undefined when there is none yet. */
function readSeedFile(file: string): SmallFile | undefined {
  try {
    return readSmallFile(file, MAX_SEED_FILE_BYTES)
  } catch (err) {
    if (!(err instanceof SmallFileError)) throw err
    if (err.reason === 'missing') return undefined
    throw new FatalError('STATE_DIR_UNUSABLE', `the default seed file ${err.message}`, { hint: STATE_HINT })
  }
}

function checkedSeed(file: string, content: SmallFile, warn: (message: string) => void): string {
  warnIfReadableByOthers(file, content, 'the seed file', warn)
  const seed = content.text.trim()
  const problem = seedProblem(seed)
  if (problem !== undefined) throw new FatalError('SEED_REFUSED', `the seed in ${file} ${problem}`, { hint: `${SEED_HINT} (delete the file to get a new one)` })
  return seed
}
