/** What `run` and `setup` share: the scenario flags' values, the scenario's setup, the scenario argument's help. */
import type { Logger } from '../log.js'
import { prepareScenario, type Prepared } from '../scenario/prepare.js'
import type { Scenario } from '../scenario/types.js'
import type { SendOptions } from '../send.js'
import type { Chain } from '../startup/openChain.js'
import { defaultSeed, stateDir } from '../state.js'
import { parseCount } from './parseFlags.js'

export interface ScenarioFlags {
  accountsPerPool: string
  label?: string
  redeploy?: boolean
  /** `run --forever`: until a signal. */
  forever?: boolean
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
    seed: o.seed ?? defaultSeed(o.stateDir, (m) => log.warn(m)),
    ...(o.keyDerivation ? { keyDerivation: o.keyDerivation } : {}),
    accountsPerPool: accountsPerPool(flags),
    retries: o.retries,
    maxOutageMs: o.maxOutageMs,
    skipFunding: o.skipFunding,
    // the embedded devnet is gone after this command: nothing worth recording
    ...(chain.devnet ? {} : { stateDir: o.stateDir ?? stateDir() }),
    ...(flags.label !== undefined ? { label: flags.label } : {}),
    redeploy: flags.redeploy === true,
    ...(o.shard ? { shard: o.shard } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.fundingTally ? { onFunded: o.fundingTally.funded } : {}),
  })
}

export function builtinsHelp(names: readonly string[]): string {
  return names.length ? `a scenario .toml file, or a built-in name (${names.join(', ')})` : 'a scenario .toml file'
}
