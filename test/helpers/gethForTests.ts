/**
 * The pinned geth for the geth tests: FLOODGATE_GETH when set, else the build cached outside the
 * clone (gethCachePath), else built there once with the machine's Go toolchain, by the first geth
 * test that needs it (the other worker goes on with other files meanwhile). Without Go the geth
 * tests are skipped, and say so; under CI=true the global setup fails the run instead.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { inject } from 'vitest'
import { GETH_INSTALL, GETH_VERSION, gethCachePath } from '../../src/devnet/gethBinary.js'

/** What the geth tests get from the global setup: where geth is (or will be built), or why there is none. */
export interface GethForTests {
  /** The binary (absent until built when `build` is set). */
  path?: string
  /** No binary yet: the first geth test builds it there with Go. */
  build?: boolean
  /** Why there is no geth (the tests skip, naming it). */
  missing?: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    geth: GethForTests
  }
}

/** Where geth is, or that Go can build it, or why neither (global setup; no build started here). */
export function locateGeth(env: NodeJS.ProcessEnv = process.env): GethForTests {
  if (env.FLOODGATE_GETH) return existsSync(env.FLOODGATE_GETH) ? { path: env.FLOODGATE_GETH } : { missing: `FLOODGATE_GETH is ${env.FLOODGATE_GETH}, which does not exist` }
  const bin = gethCachePath(env)
  if (existsSync(bin)) return { path: bin }
  if (spawnSync('go', ['version']).status === 0) return { path: bin, build: true }
  return { missing: `no geth (FLOODGATE_GETH unset, none in ${path.dirname(bin)}) and no Go toolchain to build it: \`${GETH_INSTALL}\`, then FLOODGATE_GETH=$(go env GOPATH)/bin/geth` }
}

/** The geth the global setup found (inside a test file): `describe.skipIf(!gethForTests().path)`. */
export function gethForTests(): GethForTests {
  return inject('geth') ?? { missing: 'the geth global setup did not run' }
}

/**
 * geth's path once it exists: built now if needed (one builder at a time across workers and
 * runs: a lock folder beside the cache entry; the others wait for the binary). Sets
 * FLOODGATE_GETH for floodgate and the CLI children.
 */
export async function gethReady(timeoutMs = 15 * 60_000): Promise<string> {
  const g = gethForTests()
  if (!g.path) throw new Error(`no geth: ${g.missing}`)
  const bin = g.path
  const deadline = Date.now() + timeoutMs
  while (!existsSync(bin)) {
    if (!g.build) throw new Error(`no geth at ${bin}`)
    if (takeLock(bin)) await build(bin)
    else await new Promise((r) => setTimeout(r, 500))
    if (Date.now() > deadline) throw new Error(`no geth at ${bin} after ${timeoutMs / 1000} s`)
  }
  process.env.FLOODGATE_GETH = bin
  return bin
}

const lockOf = (bin: string) => `${bin}.lock`

/** The build lock (a folder: mkdir is atomic); one older than 20 min is a dead builder's and is taken over. */
function takeLock(bin: string): boolean {
  mkdirSync(path.dirname(bin), { recursive: true })
  try {
    mkdirSync(lockOf(bin))
    return true
  } catch {
    try {
      if (Date.now() - statSync(lockOf(bin)).mtimeMs > 20 * 60_000) rmSync(lockOf(bin), { recursive: true, force: true })
    } catch {
      // gone meanwhile
    }
    return false
  }
}

/** `go install` into a fresh GOBIN, renamed into place (a reader never sees half a binary); throws with the log's tail on failure. */
async function build(bin: string): Promise<void> {
  const dir = path.dirname(bin)
  const gobin = path.join(lockOf(bin), 'bin')
  const logFile = path.join(dir, 'build.log')
  process.stderr.write(`geth tests: building geth ${GETH_VERSION} into ${dir} (once per machine, a few minutes; log: ${logFile})\n`)
  try {
    const code = await new Promise<number | string>((resolve) => {
      const log = openSync(logFile, 'w')
      const child = spawn('go', ['install', '-trimpath', `github.com/ethereum/go-ethereum/cmd/geth@${GETH_VERSION}`], { env: { ...process.env, GOBIN: gobin }, stdio: ['ignore', log, log] })
      child.once('error', (err) => resolve(err.message))
      child.once('exit', (c, signal) => resolve(c ?? String(signal)))
    })
    if (code !== 0 || !existsSync(path.join(gobin, 'geth'))) throw new Error(`${GETH_INSTALL} failed (${code}): ${readFileSync(logFile, 'utf8').slice(-2_000)}`)
    renameSync(path.join(gobin, 'geth'), bin)
  } finally {
    rmSync(lockOf(bin), { recursive: true, force: true })
  }
}
