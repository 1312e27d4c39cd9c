import { type Command, Option } from 'commander'
import type { Logger } from '../log.js'
import { prepareScenario, type Prepared } from '../scenario/prepare.js'
import type { Scenario } from '../scenario/types.js'
import type { SendOptions } from '../send.js'
import type { Chain } from '../startup/openChain.js'
import { defaultSeed, stateDir } from '../state.js'
import { parseCount } from './parseFlags.js'
import { type SendFlags, sendCommand } from './sendCommand.js'

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

/** Funds the scenario's accounts, deploys its contracts and runs its setup (or reuses them). */
export async function setUpScenario(scenario: Scenario, chain: Chain, o: SendOptions, flags: ScenarioFlags, log: Logger): Promise<Prepared> {
  return prepareScenario({
    scenario,
    chain,
    log,
    seed: o.seed ?? defaultSeed(o.stateDir),
    accountsPerPool: accountsPerPool(flags),
    retries: o.retries,
    maxOutageMs: o.maxOutageMs,
    skipFunding: o.skipFunding,
    // the embedded devnet is gone after this command: nothing worth recording
    ...(chain.devnet ? {} : { stateDir: o.stateDir ?? stateDir() }),
    ...(flags.label !== undefined ? { label: flags.label } : {}),
    redeploy: flags.redeploy === true,
    ...(o.signal ? { signal: o.signal } : {}),
  })
}

export function builtinsHelp(names: readonly string[]): string {
  return names.length ? `a scenario .toml file, or a built-in name (${names.join(', ')})` : 'a scenario .toml file'
}

export type { Command }
