import { Command } from 'commander'
import { UsageError } from '../base/errors.js'
import { createLogger } from '../log.js'
import { builtinScenarios, loadScenario } from '../scenario/load.js'
import { validateScenario } from '../scenario/prepare.js'
import { checkLabel } from '../scenario/record.js'
import { type SendFlags, resolveSendOptions } from './sendCommand.js'
import { type ScenarioFlags, builtinsHelp, scenarioOptions, sendFlagDefaults, sendOptionsExcept, setUpScenario } from './scenarioShared.js'
import { exitCodeFor, installSignals } from './signals.js'
import { openChain } from '../startup/openChain.js'

/** The `send` flags that matter for deploying and setting up. */
const FOR_SETUP = new Set([
  '--rpc-url', '--seed', '--funder-key', '--priv-key', '--funder-key-file', '--min-balance', '--skip-funding',
  '--rpc-timeout', '--priority-fee', '--gas-price', '--allow-mainnet', '--signer', '--log-level',
])

/**
 * `floodgate setup SCENARIO --rpc-url URL`: fund the scenario's accounts, deploy its contracts,
 * run its setup steps, and record the addresses in the state directory (per chain id,
 * scenario and --label) for later `run` and `gen`. Already recorded and still on chain: reused.
 */
export function setupCommand(): Command {
  const cmd = new Command('setup')
    .description('deploy a scenario\'s contracts and run its setup steps; record them for later runs (logs on stderr)')
    .argument('<scenario>', builtinsHelp(builtinScenarios()))
  for (const opt of sendOptionsExcept(new Set(), FOR_SETUP)) cmd.addOption(opt)
  for (const opt of scenarioOptions()) cmd.addOption(opt)
  return cmd.action(async (scenarioArg: string, rawFlags: SendFlags & ScenarioFlags, command: Command) => {
    const flags = { ...sendFlagDefaults(), ...rawFlags, from: 'stdin', poolSize: '1', fromPool: 'spammers' } as SendFlags & ScenarioFlags
    const log = createLogger({ level: flags.logLevel as 'info' })
    const scenario = loadScenario(scenarioArg)
    validateScenario(scenario)
    checkLabel(flags.label)
    const controller = new AbortController()
    const base = resolveSendOptions(flags, command, log, controller.signal, (async function* () {})())
    if (base.rpcUrl === undefined) {
      throw new UsageError('setup needs --rpc-url (or RPC_URL): the embedded devnet lives only as long as one command, so `floodgate run` sets a scenario up on it by itself')
    }
    const signals = installSignals(controller, log)
    const chain = await openChain(base)
    try {
      const p = await setUpScenario(scenario, chain, base, flags, log)
      log.info(
        { scenario: scenario.name, chainId: chain.chainId, contracts: Object.fromEntries(p.contracts), reused: p.reusedContracts, ...(p.recordFile ? { record: p.recordFile } : {}) },
        p.reusedContracts ? 'scenario already set up' : 'scenario set up',
      )
      if (signals.received()) process.exitCode = exitCodeFor('signal', signals.received())
    } catch (err) {
      const sig = signals.received()
      if (sig === undefined) throw err
      log.warn({ signal: sig }, 'setup stopped')
      process.exitCode = exitCodeFor('signal', sig)
    } finally {
      signals.remove()
      await chain.close()
    }
  })
}
