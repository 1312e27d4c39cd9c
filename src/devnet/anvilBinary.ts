/** Finding the anvil binary the @foundry-rs/anvil npm package ships, and how to run it. */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { FloodgateError } from '../base/errors.js'
import type { NodeCommand } from './nodeProcess.js'

/** How to run anvil (the npm wrapper needs TARGET_TOOL=anvil in `env`). */
export interface AnvilCommand extends NodeCommand {
  /** Which of the two ways was found, for diagnostics. */
  via: 'platform-package' | 'npm-wrapper'
}

const ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'amd64', arm64: 'arm64' }

/** `@foundry-rs/anvil-<linux|darwin|win32>-<amd64|arm64>`, the optional dependency that carries the binary. */
export function anvilPlatformPackage(platform: NodeJS.Platform = process.platform, arch: NodeJS.Architecture = process.arch): string {
  return `@foundry-rs/anvil-${platform}-${ARCH[arch] ?? arch}`
}

/**
 * Locates the anvil shipped by the `@foundry-rs/anvil` npm package.
 *
 * 1. The platform package's binary (`@foundry-rs/anvil-<plat>-<arch>/bin/anvil`): spawned directly,
 *    so signals reach anvil itself.
 * 2. Otherwise the package's node wrapper (`@foundry-rs/anvil/bin.mjs`) under this node, with
 *    TARGET_TOOL=anvil (it looks for the binary in other places too, e.g. where its postinstall
 *    downloaded one).
 *
 * Throws a FloodgateError('ANVIL_NOT_FOUND') naming both places when neither is installed.
 */
export function anvilBinary(): AnvilCommand {
  const require = createRequire(import.meta.url)
  const pkg = anvilPlatformPackage()
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil'

  let platformProblem: string
  try {
    const dir = path.dirname(require.resolve(`${pkg}/package.json`))
    const bin = path.join(dir, 'bin', exe)
    if (existsSync(bin)) return { command: bin, args: [], env: {}, via: 'platform-package' }
    platformProblem = `${pkg} is installed but has no ${path.join('bin', exe)}`
  } catch {
    platformProblem = `${pkg} is not installed`
  }

  let wrapperProblem: string
  try {
    const wrapper = require.resolve('@foundry-rs/anvil/bin.mjs')
    if (existsSync(wrapper)) {
      return { command: process.execPath, args: [wrapper], env: { TARGET_TOOL: 'anvil' }, via: 'npm-wrapper' }
    }
    wrapperProblem = `${wrapper} is missing`
  } catch {
    wrapperProblem = '@foundry-rs/anvil is not installed'
  }

  throw new FloodgateError(
    'ANVIL_NOT_FOUND',
    `cannot find anvil for ${process.platform}-${process.arch}: ${platformProblem}, and ${wrapperProblem}. ` +
      `Reinstall with optional dependencies (npm install --include=optional), ` +
      `or point floodgate at an RPC node you run yourself.`,
  )
}
