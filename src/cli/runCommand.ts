/** `floodgate run SCENARIO`: set a scenario up (or reuse it), then send its spam through `send`'s pipeline. */
import { Command, Option } from 'commander'
import { FundingTally } from '../accounts/fundingFigures.js'
import { UsageError } from '../base/errors.js'
import { createLogger } from '../log.js'
import { StatusLine } from '../metrics/statusLine.js'
import { fundSpam } from '../scenario/fundSpam.js'
import { estimateSteps } from '../scenario/estimate.js'
import { compileSpam, specStream } from '../scenario/generate.js'
import { builtinScenarios, loadScenario } from '../scenario/load.js'
import { validateScenario } from '../scenario/prepare.js'
import { checkLabel } from '../scenario/record.js'
import { shareOf, type Shard } from '../base/shard.js'
import { send, type SendResult } from '../send.js'
import type { Scenario } from '../scenario/types.js'
import { isCampaignFile } from '../scenario/campaign.js'
import { type CampaignRun, prepareCampaign, runCampaign } from './campaignRun.js'
import { endOfRunTable } from './endTable.js'
import { openChain } from '../startup/openChain.js'
import { assertions } from './assertOption.js'
import { withFlags } from './commandOptions.js'
import { DEFAULT_RUN_DURATION } from './options.js'
import { parseDuration } from './parseFlags.js'
import { type ScenarioFlags, builtinsHelp, setUpScenario } from './scenarioShared.js'
import { eventsOutput } from './eventsOutput.js'
import { type SendFlags, resolveSendOptions } from './sendFlags.js'
import type { SendOptions } from '../send.js'
import { shapeDurationMs, shapeSlotCount } from '../dispatch/loadShape.js'
import { exitCodeFor, installSignals } from './signals.js'

/**
 * `floodgate run SCENARIO`: set the scenario up (or reuse its recorded deployment), then send
 * its spam through the same intake, router and workers as `send`, with the same events.
 */
export function runCommand(): Command {
  const cmd = new Command('run')
    .description('run a scenario (or a contender campaign): fund, deploy and set up (or reuse), then send its spam mix; events on stdout')
    .argument('<scenario>', `${builtinsHelp(builtinScenarios())}; or a contender campaign .toml (docs/campaigns.md)`)
  return withFlags(cmd, 'run').action(async (scenarioArg: string, flags: SendFlags & ScenarioFlags, command: Command) => {
    // a live status line when stderr is a terminal and the events are not printed there (they would break it)
    const events = eventsOutput(flags.events)
    const statusLine = events.onTerminal ? undefined : StatusLine.for(process.stderr)
    const log = createLogger({ level: flags.logLevel as 'info', ...(statusLine ? { destination: statusLine.logStream, pretty: true } : {}) })
    if (events.note) log.info(events.note)
    // everything that can be wrong with the command line or the file is found before anything is sent
    const campaign = isCampaignFile(scenarioArg) ? prepareCampaign(scenarioArg, flags, command) : undefined
    if (flags.forever === true) checkForever(flags, command, campaign !== undefined)
    // the file first: a campaign that does not exist is "no such file", not a misused flag
    const scenario = campaign ? undefined : loadScenario(scenarioArg)
    if (!campaign && flags.durationScale !== undefined) throw new UsageError('--duration-scale is for campaigns: a scenario runs for --duration')
    if (scenario) validateScenario(scenario)
    checkLabel(flags.label)
    const checks = assertions(flags.assert)
    const controller = new AbortController()
    const base = { ...resolveSendOptions(flags, command, log, controller.signal, (async function* () {})()), output: events.stream }
    const signals = installSignals(controller, log)
    const chain = await openChain(base)
    try {
      const table = endOfRunTable()
      // what the funder sends, from the setup's funding on (the summary's `funding`)
      const tally = !base.skipFunding && !base.dryRun && chain.funderKey ? { fundingTally: new FundingTally() } : {}
      const run = { base: { ...base, observers: table.observers, ...tally }, flags, chain, log, ...(statusLine ? { statusLine } : {}), ...(checks.onSummary ? { onSummary: checks.onSummary } : {}) }
      const result = campaign ? await runCampaign({ ...campaign, ...run }) : await runScenario(scenario!, run)
      table.print(scenarioArg)
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


/** The fuzz values' seed of a shard: shard 0 (and an unsharded run) keeps the run's, the others get their own. */
const shardSeed = (seed: string, s: Shard | undefined): string => (s && s.index > 0 ? `${seed}#shard${s.index}` : seed)
/** One scenario: set it up (or reuse it), then send its spam. */
async function runScenario(scenario: Scenario, r: Omit<CampaignRun, 'campaign' | 'scale'>): Promise<SendResult> {
  const { base, chain, log } = r
  const length = spamLength(base, chain.blockTimeMs, r.flags.forever === true)
  const generateFor = length.generateFor
  // a shard generates its share of the count (the whole mix, its own fuzz values) and sends it at tps / n
  const count = base.shard && length.count !== undefined && Number.isFinite(length.count) ? shareOf(length.count, base.shard) : length.count
  const prepared = await setUpScenario(scenario, chain, base, r.flags, log)
  if (prepared.pools.spam.length === 0) throw new UsageError(`scenario ${scenario.name}: every [[spam]] entry names a literal from; give them a from_pool`)
  const steps = compileSpam(scenario, { env: scenario.env, contractNames: new Set(prepared.contracts.keys()), contracts: prepared.contracts }, { fromPool: true })
  const pools = prepared.pools.spam
  await estimateSteps(steps, chain.rpc, base, (pool) => prepared.poolAddresses.get(pool)?.[0], log)
  const spamWindowCost = base.skipFunding || base.dryRun ? 0n : await fundSpam({ chain, steps, pools, poolAddresses: prepared.poolAddresses, tps: base.tps, inFlight: base.inFlight, retries: base.retries, maxOutageMs: base.maxOutageMs, ...(base.signal ? { signal: base.signal } : {}), ...(base.fundingTally ? { tally: base.fundingTally } : {}), log })
  log.info({ scenario: scenario.name, pools: pools.map((p) => `${p.name}×${p.size}`).join(' '), tps: base.tps || 'unpaced', ...(count !== undefined && Number.isFinite(count) ? { txs: count } : {}), ...(generateFor !== undefined ? { duration_ms: generateFor } : {}) }, 'spamming')
  const { durationMs: _hardStop, ...rest } = base
  return send({
    ...rest,
    ...(r.statusLine ? { statusLine: r.statusLine } : {}),
    chain,
    ...(base.shard ? { ownInput: true } : {}),
    input: specStream(steps, shardSeed(base.seed ?? scenario.name, base.shard), { ...(count !== undefined && Number.isFinite(count) ? { count } : {}), ...(generateFor !== undefined ? { durationMs: generateFor } : {}) }),
    pools,
    skipFunding: true, // the scenario's accounts were funded with its setup, and for the spam above
    spamWindowCost,
    keepFundedMs: base.skipFunding ? 0 : (base.keepFundedMs ?? 0), // the background top-up follows --skip-funding
    ...(r.onSummary ? { onSummary: r.onSummary } : {}),
  })
}

/**
 * How much spam `run` generates. Paced by a rate: exactly rate × duration specs (a load shape:
 * its slots), spread by the pacer; per block: n per block time of the shape; unpaced, or a
 * per-block shape on a chain of unknown block time: generate until the time is up.
 */
function spamLength(base: SendOptions, blockTimeMs: number | undefined, forever: boolean): { count?: number; generateFor?: number } {
  if (forever) return {} // an endless stream, pulled only as the pacer (or the workers) take it
  const durationMs = base.durationMs ?? (base.maxTxs === undefined ? parseDuration(DEFAULT_RUN_DURATION, '--duration') : undefined)
  const cap = (n: number | undefined) => (n === undefined ? base.maxTxs : Math.min(base.maxTxs ?? Number.POSITIVE_INFINITY, n))
  if (base.shape) {
    const slots = shapeSlotCount(base.shape, blockTimeMs)
    const length = shapeDurationMs(base.shape)
    return slots !== undefined ? { count: cap(slots)! } : { ...(base.maxTxs !== undefined ? { count: base.maxTxs } : {}), ...(Number.isFinite(length) ? { generateFor: length } : {}) }
  }
  if (durationMs !== undefined && base.tps > 0) return { count: cap(Math.max(1, Math.ceil((base.tps * durationMs) / 1000)))! }
  return { ...(base.maxTxs !== undefined ? { count: base.maxTxs } : {}), ...(durationMs !== undefined && base.tps === 0 ? { generateFor: durationMs } : {}) }
}

/** `--forever` runs until a signal: nothing may give it a length. */
function checkForever(flags: Record<string, unknown>, cmd: Command, campaign: boolean): void {
  if (campaign) throw new UsageError('--forever: a campaign has its own stages; run it with --duration-scale instead')
  for (const long of ['duration', 'max-txs', 'ramp', 'stage']) {
    const attr = new Option(`--${long}`).attributeName()
    if (flags[attr] !== undefined && cmd.getOptionValueSource(attr) !== 'default') throw new UsageError(`--forever and --${long} are exclusive: --forever runs until a signal`)
  }
}
