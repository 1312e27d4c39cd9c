/** `floodgate run CAMPAIGN.toml`: set up every scenario a contender campaign names, then send its stages, scenarios mixed by share, through one `send()`. */
import type { Command } from 'commander'
import { UsageError } from '../base/errors.js'
import type { PoolSize } from '../accounts/derivePoolKeys.js'
import { type LoadShape, rateSlotCount } from '../dispatch/loadShape.js'
import type { Logger } from '../log.js'
import type { StatusLine } from '../metrics/statusLine.js'
import { type Campaign, loadCampaign } from '../scenario/campaign.js'
import { campaignStream, type StagePlan } from '../scenario/campaignStream.js'
import { estimateSteps } from '../scenario/estimate.js'
import { compileSpam, type CompiledStep } from '../scenario/generate.js'
import { loadScenario } from '../scenario/load.js'
import { validateScenario } from '../scenario/prepare.js'
import { send, type SendOptions, type SendResult } from '../send.js'
import type { Chain } from '../startup/openChain.js'
import { parseRate } from './parseFlags.js'
import { type ScenarioFlags, setUpScenario } from './scenarioShared.js'

/** Flags that set the rate or length of a run: a campaign sets its own. */
const PACING_FLAGS = ['tps', 'tpb', 'ramp', 'stage', 'duration', 'max-txs']

/** The campaign, read and checked with every scenario it names (nothing is sent yet); refuses flags that would pace it otherwise. */
export function prepareCampaign(path: string, flags: Record<string, unknown>, cmd: Command): { campaign: Campaign; scale: number } {
  for (const long of PACING_FLAGS) {
    const attr = long.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())
    if (flags[attr] !== undefined && cmd.getOptionValueSource(attr) !== 'default') throw new UsageError(`--${long}: a campaign sets its own rates and durations (scale them with --duration-scale)`)
  }
  const scale = flags.durationScale === undefined ? 1 : parseRate(String(flags.durationScale), '--duration-scale')
  if (!(scale > 0)) throw new UsageError('--duration-scale: must be above 0')
  const campaign = loadCampaign(path)
  for (const s of campaign.scenarios) validateScenario(loadScenario(s.path))
  return { campaign, scale }
}

/** A stage's length for the log: its blocks, or its ms. */
const shapeLength = (s: LoadShape[number]) => (s.kind === 'block' && s.blocks !== undefined ? `${s.blocks} blocks` : `${s.durationMs} ms`)

/** Each stage's length after `--duration-scale` (at least 1 ms). */
const scaled = (ms: number, scale: number) => Math.max(1, Math.round(ms * scale))

/**
 * The campaign's stages as a load shape: a constant rate per stage, or n per block for the
 * stage's blocks (its `duration` in blocks, or its seconds over the block time), each scaled.
 */
export function campaignShape(c: Campaign, scale: number, blockMs = 1_000): LoadShape {
  return c.stages.map((s) => {
    if (c.mode === 'tps') return { kind: 'rate', from: s.rate, to: s.rate, durationMs: scaled(s.durationMs, scale), name: s.name }
    const blocks = Math.max(1, Math.round((s.blocks ?? s.durationMs / blockMs) * scale))
    return { kind: 'block', perBlock: s.rate, blocks, durationMs: blocks * blockMs, name: s.name }
  })
}

export interface CampaignRun {
  campaign: Campaign
  scale: number
  base: SendOptions
  flags: ScenarioFlags
  chain: Chain
  log: Logger
  statusLine?: StatusLine
  onSummary?: SendOptions['onSummary']
}

/** Sets every scenario up, then sends the stages through one pipeline; the pools of all scenarios, merged by name. */
export async function runCampaign(r: CampaignRun): Promise<SendResult> {
  const { campaign, base, chain, log } = r
  const compiled = new Map<string, CompiledStep[]>()
  const pools = new Map<string, number>()
  for (const ref of campaign.scenarios) {
    const scenario = loadScenario(ref.path)
    const prepared = await setUpScenario(scenario, chain, base, r.flags, log)
    if (!campaign.stages.some((st) => st.mix.some((m) => m.path === ref.path))) continue // set up only
    if (prepared.pools.spam.length === 0) throw new UsageError(`scenario ${scenario.name}: every [[spam]] entry names a literal from; give them a from_pool`)
    const steps = compileSpam(scenario, { env: scenario.env, contractNames: new Set(prepared.contracts.keys()), contracts: prepared.contracts }, { fromPool: true })
    await estimateSteps(steps, chain.rpc, base, (pool) => prepared.poolAddresses.get(pool)?.[0], log)
    compiled.set(ref.path, steps)
    for (const p of prepared.pools.spam) pools.set(p.name, Math.max(pools.get(p.name) ?? 0, p.size))
  }
  const shape = campaignShape(campaign, r.scale, chain.blockTimeMs)
  const plans: StagePlan[] = campaign.stages.map((st, i) => {
    const stage = shape[i]!
    const count = stage.kind === 'rate' ? rateSlotCount(stage) : stage.perBlock * stage.blocks!
    return { name: st.name, count, mix: st.mix.map((m) => ({ label: m.label, steps: compiled.get(m.path)!, share: m.share })) }
  })
  const poolList: PoolSize[] = [...pools].map(([name, size]) => ({ name, size }))
  log.info({ campaign: campaign.name, mode: campaign.mode, stages: plans.map((p, i) => `${p.name}: ${campaign.stages[i]!.rate}${campaign.mode === 'tps' ? ' tx/s' : '/block'} × ${shapeLength(shape[i]!)} = ${p.count} txs`).join('; '), pools: poolList.map((p) => `${p.name}×${p.size}`).join(' ') }, 'campaign')
  const { durationMs: _hardStop, ...rest } = base
  return send({
    ...rest,
    ...(r.statusLine ? { statusLine: r.statusLine } : {}),
    chain,
    shape,
    input: campaignStream(plans, campaign.seed ?? base.seed ?? campaign.name),
    pools: poolList,
    skipFunding: true, // each scenario's setup funded its accounts
    keepFundedMs: base.skipFunding ? 0 : (base.keepFundedMs ?? 0), // the background top-up follows --skip-funding
    ...(r.onSummary ? { onSummary: r.onSummary } : {}),
  })
}
