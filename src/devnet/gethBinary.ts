/** Finding the geth binary for `--node geth`: FLOODGATE_GETH, else `geth` on the PATH, else the copy the test suite builds. */
import { accessSync, constants, statSync } from 'node:fs'
import { homedir } from 'node:os'
import path from 'node:path'
import { FloodgateError } from '../base/errors.js'
import type { NodeCommand } from './nodeProcess.js'

/**
 * The geth release floodgate is tested against: the newest the Go module proxy served when it
 * was pinned (`go list -m -versions github.com/ethereum/go-ethereum`).
 */
export const GETH_VERSION = 'v1.17.10'

/** The command that builds it (Go 1.24 or later). */
export const GETH_INSTALL = `go install github.com/ethereum/go-ethereum/cmd/geth@${GETH_VERSION}`

/**
 * Where the test suite keeps the geth it builds (outside any clone, once per machine):
 * `$XDG_CACHE_HOME/floodgate/geth-<version>/geth`, `~/.cache/…` without XDG_CACHE_HOME.
 */
export function gethCachePath(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME || path.join(homedir(), '.cache')
  return path.join(cache, 'floodgate', `geth-${GETH_VERSION}`, 'geth')
}

/**
 * How to run geth: `FLOODGATE_GETH` (a path) when set, else the first `geth` on the PATH, else
 * the test suite's cached build. Throws GETH_NOT_FOUND with the line that says how to get it.
 */
export function gethBinary(env: NodeJS.ProcessEnv = process.env): NodeCommand {
  const given = env.FLOODGATE_GETH
  if (given) {
    if (executable(given)) return { command: given, args: [], env: {}, via: 'FLOODGATE_GETH' }
    throw new FloodgateError('GETH_NOT_FOUND', `FLOODGATE_GETH is ${given}, which is not an executable file`)
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue
    const bin = path.join(dir, 'geth')
    if (executable(bin)) return { command: bin, args: [], env: {}, via: 'PATH' }
  }
  const cached = gethCachePath(env)
  if (executable(cached)) return { command: cached, args: [], env: {}, via: 'cache' }
  throw new FloodgateError('GETH_NOT_FOUND', `--node geth: no geth found (FLOODGATE_GETH unset, none on the PATH); install it with \`${GETH_INSTALL}\` (it lands in $(go env GOPATH)/bin), or set FLOODGATE_GETH to its path`)
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return statSync(file).isFile()
  } catch {
    return false
  }
}
