import { type Command, Option } from 'commander'
import { connect } from '../startup/chainGuard.js'
import { FeeOracle } from '../chain/feeOracle.js'
import { createHttpRpc, type Rpc } from '../rpc/rpc.js'
import { chooseSigner, type SignerFactory } from '../tx/signer.js'
import { type EmbeddedDevnet, startEmbeddedDevnet } from '../devnet/embedded.js'
import { FatalError } from '../base/errors.js'
import type { Logger } from '../log.js'
import { prepareScenario, type Prepared } from '../scenario/prepare.js'
import type { Scenario } from '../scenario/types.js'
import type { SendOptions } from '../send.js'
import { defaultSeed, stateDir } from '../state.js'
import { parseCount } from './parseFlags.js'
import { type SendFlags, sendCommand } from './sendCommand.js'

/** contender's default top-up; on the embedded devnet ether is free. */
export const DEFAULT_MIN_BALANCE = 10n ** 16n
export const DEVNET_MIN_BALANCE = 1000n * 10n ** 18n

/**
 * `send`'s options (a fresh copy), except `exclude`: `run` and `setup` take the same flags for
 * the same things (RPC, pool seed, funder, fees, queues, receipts…) and parse them with
 * `send`'s own code, so the commands never drift apart.
 */
export function sendOptionsExcept(exclude: ReadonlySet<string>, only?: ReadonlySet<string>): Option[] {
  return sendCommand().options.filter((o) => !exclude.has(o.long ?? '') && (only === undefined || only.has(o.long ?? '')))
}

/** `send`'s flag defaults, so `resolveSendOptions` sees every flag it parses. */
export function sendFlagDefaults(): Partial<SendFlags> {
  return Object.fromEntries(sendCommand().options.filter((o) => o.defaultValue !== undefined).map((o) => [o.attributeName(), o.defaultValue])) as Partial<SendFlags>
}

export function scenarioOptions(): Option[] {
  return [
    new Option('--accounts-per-pool <n>', 'accounts (= workers) of each named pool (from_pool) that sends spam').default('10'),
    new Option('--label <label>', 'keeps this deployment apart from others of the same scenario on the same chain'),
    new Option('--redeploy', 'deploy the contracts and run the setup steps again, even if recorded'),
  ]
}

export interface ScenarioFlags {
  accountsPerPool: string
  label?: string
  redeploy?: boolean
}

export function accountsPerPool(flags: ScenarioFlags): number {
  return parseCount(flags.accountsPerPool, '--accounts-per-pool', 1)
}

export function signerFactory(o: Pick<SendOptions, 'signer' | 'signerFactory'>, log: Logger): SignerFactory {
  if (o.signerFactory) return o.signerFactory
  try {
    const choice = chooseSigner({ prefer: o.signer ?? 'auto' })
    if (choice.reason && o.signer !== 'viem') log.debug({ reason: choice.reason }, "signing with viem's pure-JS signer")
    return choice.factory
  } catch (err) {
    throw new FatalError('SIGNER_UNAVAILABLE', (err as Error).message)
  }
}

export interface ChainSession {
  url: string
  rpc: Rpc
  chainId: number
  devnet?: EmbeddedDevnet
  close(): Promise<void>
}

/** The target chain: `--rpc-url`, or a fresh embedded devnet. */
export async function openChain(o: SendOptions, log: Logger): Promise<ChainSession> {
  let devnet: EmbeddedDevnet | undefined
  if (o.rpcUrl === undefined) {
    log.info('no --rpc-url: starting the embedded anvil devnet')
    devnet = await startEmbeddedDevnet()
    log.info({ rpc: devnet.url, chainId: devnet.chainId }, 'embedded devnet started')
  }
  try {
    const url = devnet?.url ?? o.rpcUrl!
    const rpc = createHttpRpc(url, { timeoutMs: o.rpcTimeoutMs })
    const chainId = await connect(rpc, { allowMainnet: o.allowMainnet, timeoutMs: Math.min(o.rpcTimeoutMs, 8_000) })
    return { url, rpc, chainId, ...(devnet ? { devnet } : {}), close: async () => void (await devnet?.stop()) }
  } catch (err) {
    await devnet?.stop()
    throw err
  }
}

/** Funds the scenario's accounts, deploys its contracts and runs its setup (or reuses them). */
export async function setUpScenario(scenario: Scenario, chain: ChainSession, o: SendOptions, flags: ScenarioFlags, log: Logger): Promise<Prepared> {
  const fees = new FeeOracle(chain.rpc, {
    refreshMs: o.feeRefreshMs ?? 1_000,
    ...(o.gasPrice !== undefined ? { gasPrice: o.gasPrice } : {}),
    ...(o.priorityFee !== undefined ? { priorityFee: o.priorityFee } : {}),
  }, log)
  await fees.start()
  try {
    const funderKey = o.funderKey ?? chain.devnet?.funderKey
    return await prepareScenario({
      scenario,
      rpc: chain.rpc,
      chainId: chain.chainId,
      fees,
      log,
      seed: o.seed ?? defaultSeed(o.stateDir),
      accountsPerPool: accountsPerPool(flags),
      makeSigner: signerFactory(o, log),
      ...(funderKey ? { funderKey } : {}),
      minBalance: o.minBalance ?? (chain.devnet ? DEVNET_MIN_BALANCE : DEFAULT_MIN_BALANCE),
      skipFunding: o.skipFunding,
      // the embedded devnet is gone after this command: nothing worth recording
      ...(chain.devnet ? {} : { stateDir: o.stateDir ?? stateDir() }),
      ...(flags.label !== undefined ? { label: flags.label } : {}),
      redeploy: flags.redeploy === true,
      ...(o.signal ? { signal: o.signal } : {}),
    })
  } finally {
    fees.stop()
  }
}

export function builtinsHelp(names: readonly string[]): string {
  return names.length ? `a scenario .toml file, or a built-in name (${names.join(', ')})` : 'a scenario .toml file'
}

export type { Command }
