/** What outlives a run: the state directory and the default pool seed kept in it. */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * Where floodgate keeps what must outlive a run (the default pool seed):
 * $FLOODGATE_STATE_DIR, else $XDG_STATE_HOME/floodgate, else ~/.local/state/floodgate.
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLOODGATE_STATE_DIR) return env.FLOODGATE_STATE_DIR
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state')
  return join(base, 'floodgate')
}

/**
 * The default pool seed: random, created once and kept (mode 0600) so repeated runs
 * reuse an already funded pool. Two runs racing to create it agree on the first one.
 */
export function defaultSeed(dir: string = stateDir()): string {
  const file = join(dir, 'seed')
  try {
    return readFileSync(file, 'utf8').trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  return readFileSync(file, 'utf8').trim()
}
