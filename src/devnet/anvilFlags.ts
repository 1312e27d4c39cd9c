/** anvil's command-line flags for startAnvil's options, and which of them carry secrets. */
import { FloodgateError } from '../base/errors.js'
import type { AnvilOptions } from './anvilOptions.js'

/** anvil's command-line flags for the options (validated). */
export function anvilFlags(opts: AnvilOptions): string[] {
  const bad = (what: string): never => {
    throw new FloodgateError('ANVIL_OPTIONS', `invalid anvil option: ${what}`)
  }
  const flags = ['--host', opts.host ?? '127.0.0.1']
  const port = opts.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65_535) bad(`port ${port}`)
  flags.push('--port', String(port))
  if (opts.blockTime !== undefined) {
    if (!Number.isFinite(opts.blockTime) || opts.blockTime <= 0) bad(`blockTime ${opts.blockTime} (seconds, > 0)`)
    flags.push('--block-time', String(opts.blockTime))
  }
  if (opts.noMining) flags.push('--no-mining')
  if (opts.gasLimit !== undefined) {
    if (opts.gasLimit <= 0n) bad(`gasLimit ${opts.gasLimit}`)
    flags.push('--gas-limit', opts.gasLimit.toString())
  }
  if (opts.chainId !== undefined) {
    if (!Number.isSafeInteger(opts.chainId) || opts.chainId <= 0) bad(`chainId ${opts.chainId}`)
    flags.push('--chain-id', String(opts.chainId))
  }
  if (opts.hardfork !== undefined) flags.push('--hardfork', opts.hardfork)
  if (opts.accounts !== undefined) {
    if (!Number.isInteger(opts.accounts) || opts.accounts < 0) bad(`accounts ${opts.accounts}`)
    flags.push('--accounts', String(opts.accounts))
  }
  if (opts.balance !== undefined) {
    if (!Number.isSafeInteger(opts.balance) || opts.balance < 0) bad(`balance ${opts.balance} (whole ether)`)
    flags.push('--balance', String(opts.balance))
  }
  if (opts.loadState !== undefined) flags.push('--load-state', opts.loadState)
  if (opts.dumpState !== undefined) flags.push('--dump-state', opts.dumpState)
  flags.push(...(opts.extraArgs ?? []))
  return flags
}

/** Values of secret-bearing flags in extra args, so that an echo of them in an error is withheld too. */
export function secretArgs(args: readonly string[]): string[] {
  const flagsWithSecret = new Set(['-m', '--mnemonic', '--mnemonic-seed-unsafe', '--fork-url', '--rpc-url', '-f', '--fork-header'])
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const eq = a.indexOf('=')
    if (eq > 0 && flagsWithSecret.has(a.slice(0, eq))) out.push(a.slice(eq + 1))
    else if (flagsWithSecret.has(a) && args[i + 1] !== undefined) out.push(args[++i]!)
  }
  return out
}
