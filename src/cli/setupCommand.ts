/** `floodgate setup SCENARIO`: fund, deploy and set a scenario up on a node, and record it. */
import { Command } from 'commander'
import { UsageError } from '../base/errors.js'
import { createLogger } from '../log.js'
import { builtinScenarios, loadScenario } from '../scenario/load.js'
import { validateScenario } from '../scenario/prepare.js'
import { checkLabel } from '../scenario/record.js'
import { openChain } from '../startup/openChain.js'
import { withFlags } from './commandOptions.js'
import { type ScenarioFlags, builtinsHelp, setUpScenario } from './scenarioShared.js'
import { type SendFlags, resolveSendOptions } from './sendFlags.js'
import { exitCodeFor, installSignals } from './signals.js'

/**
 * `floodgate setup SCENARIO --rpc-url URL`: fund the scenario's accounts, deploy its contracts,
 * run its setup steps, and record the addresses in the state directory (per chain id,
 * scenario and --label) for later `run` and `gen`. Already recorded and still on chain: reused.
 */
export function setupCommand(): Command {
  const cmd = new Command('setup')
    .description('deploy a scenario\'s contracts and run its setup steps; record them for later runs (logs on stderr)')
    .argument('<scenario>', builtinsHelp(builtinScenarios()))
  return withFlags(cmd, 'setup').action(async (scenarioArg: string, flags: SendFlags & ScenarioFlags, command: Command) => {
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
