/** `floodgate run SCENARIO`: set a scenario up (or reuse it), then send its spam through `send`'s pipeline. */
import { Command } from 'commander'
import { UsageError } from '../base/errors.js'
import { createLogger } from '../log.js'
import { StatusLine } from '../metrics/statusLine.js'
import { estimateSteps } from '../scenario/estimate.js'
import { compileSpam, specStream } from '../scenario/generate.js'
import { builtinScenarios, loadScenario } from '../scenario/load.js'
import { validateScenario } from '../scenario/prepare.js'
import { checkLabel } from '../scenario/record.js'
import { send } from '../send.js'
import { openChain } from '../startup/openChain.js'
import { assertions } from './assertOption.js'
import { withFlags } from './commandOptions.js'
import { DEFAULT_RUN_DURATION } from './options.js'
import { parseDuration } from './parseFlags.js'
import { type ScenarioFlags, builtinsHelp, setUpScenario } from './scenarioShared.js'
import { type SendFlags, resolveSendOptions } from './sendFlags.js'
import { exitCodeFor, installSignals } from './signals.js'

/**
 * `floodgate run SCENARIO`: set the scenario up (or reuse its recorded deployment), then send
 * its spam through the same intake, router and workers as `send`, with the same events.
 */
export function runCommand(): Command {
  const cmd = new Command('run')
    .description('run a scenario: fund, deploy and set up (or reuse), then send its spam mix; events on stdout')
    .argument('<scenario>', builtinsHelp(builtinScenarios()))
  return withFlags(cmd, 'run').action(async (scenarioArg: string, flags: SendFlags & ScenarioFlags, command: Command) => {
    const statusLine = process.stdout.isTTY ? undefined : StatusLine.for(process.stderr)
    const log = createLogger({ level: flags.logLevel as 'info', ...(statusLine ? { destination: statusLine.logStream, pretty: true } : {}) })
    // everything that can be wrong with the command line or the file is found before anything is sent
    const scenario = loadScenario(scenarioArg)
    validateScenario(scenario)
    checkLabel(flags.label)
    const checks = assertions(flags.assert)
    const controller = new AbortController()
    const base = resolveSendOptions(flags, command, log, controller.signal, (async function* () {})())
    const durationMs = base.durationMs ?? (base.maxTxs === undefined ? parseDuration(DEFAULT_RUN_DURATION, '--duration') : undefined)
    // paced: exactly rate × duration specs, spread by the pacer; unpaced: generate until the time is up
    let count = base.maxTxs
    if (durationMs !== undefined && base.tps > 0) count = Math.min(count ?? Number.POSITIVE_INFINITY, Math.max(1, Math.ceil((base.tps * durationMs) / 1000)))
    const generateFor = durationMs !== undefined && base.tps === 0 ? durationMs : undefined

    const signals = installSignals(controller, log)
    const chain = await openChain(base)
    try {
      const prepared = await setUpScenario(scenario, chain, base, flags, log)
      if (prepared.pools.spam.length === 0) throw new UsageError(`scenario ${scenario.name}: every [[spam]] entry names a literal from; give them a from_pool`)
      const steps = compileSpam(scenario, { env: scenario.env, contractNames: new Set(prepared.contracts.keys()), contracts: prepared.contracts }, { fromPool: true })
      const pools = prepared.pools.spam
      await estimateSteps(steps, chain.rpc, (pool) => prepared.poolAddresses.get(pool)?.[0], log)
      log.info({ scenario: scenario.name, pools: pools.map((p) => `${p.name}×${p.size}`).join(' '), tps: base.tps || 'unpaced', ...(count !== undefined && Number.isFinite(count) ? { txs: count } : {}), ...(generateFor !== undefined ? { duration_ms: generateFor } : {}) }, 'spamming')
      const { durationMs: _hardStop, ...rest } = base
      const result = await send({
        ...rest,
        ...(statusLine ? { statusLine } : {}),
        chain,
        input: specStream(steps, base.seed ?? scenario.name, { ...(count !== undefined && Number.isFinite(count) ? { count } : {}), ...(generateFor !== undefined ? { durationMs: generateFor } : {}) }),
        pools,
        skipFunding: true, // the scenario's accounts were funded with its setup
        keepFundedMs: base.skipFunding ? 0 : (base.keepFundedMs ?? 0), // the background top-up follows --skip-funding
        ...(checks.onSummary ? { onSummary: checks.onSummary } : {}),
      })
      process.exitCode = checks.finish(exitCodeFor(result.reason, signals.received()))
    } catch (err) {
      // stopped by a signal during funding or setup: exit as for a signal, not as a failure
      const sig = signals.received()
      if (sig === undefined) throw err
      log.warn({ signal: sig }, 'stopped before the spam started')
      process.exitCode = exitCodeFor('signal', sig)
    } finally {
      signals.remove()
      await chain.close()
    }
  })
}

