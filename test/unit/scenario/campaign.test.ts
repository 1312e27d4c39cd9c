import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { campaignShape } from '../../../src/cli/campaignRun.js'
import { isCampaignFile, loadCampaign } from '../../../src/scenario/campaign.js'
import { campaignStream } from '../../../src/scenario/campaignStream.js'
import type { CompiledStep } from '../../../src/scenario/generate.js'
import { CONTENDER_CAMPAIGNS, CONTENDER_SCENARIOS } from '../../helpers/compat.js'

/** A campaign file in a fresh folder, with contender's layout beside it (campaigns/, scenarios/). */
function campaign(text: string, scenarios: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'floodgate-campaign-'))
  mkdirSync(join(root, 'campaigns'))
  mkdirSync(join(root, 'scenarios'))
  for (const [name, body] of Object.entries(scenarios)) writeFileSync(join(root, 'scenarios', name), body)
  const file = join(root, 'campaigns', 'c.toml')
  writeFileSync(file, text)
  return file
}

const SPAM_ONLY = '[[spam]]\n[spam.tx]\nto = "0x000000000000000000000000000000000000dEaD"\nvalue = "1 wei"\n'

describe('loadCampaign', () => {
  test('behavior: stages with defaults from [spam], shares normalised, references resolved beside the campaign', () => {
    const file = campaign(
      `name = "x"\n[spam]\nmode = "tps"\nrate = 150\nduration = 60\nseed = 7\n\n[[spam.stage]]\nname = "warm"\n[[spam.stage.mix]]\nscenario = "erc20"\nshare_pct = 3\n[[spam.stage.mix]]\nscenario = "scenarios/mine.toml"\nshare_pct = 1\n\n[[spam.stage]]\nrate = 20\nduration_secs = 5\n[[spam.stage.mix]]\nscenario = "scenario:transfers.toml"\n`,
      { 'mine.toml': SPAM_ONLY },
    )
    expect(isCampaignFile(file)).toBe(true)
    const c = loadCampaign(file)
    expect(c).toMatchObject({ name: 'x', mode: 'tps', seed: '7' })
    expect(c.stages.map((s) => [s.name, s.rate, s.durationMs])).toEqual([['warm', 150, 60_000], ['2', 20, 5_000]])
    expect(c.stages[0]!.mix.map((m) => [m.label, m.share])).toEqual([['erc20', 0.75], ['mine', 0.25]])
    expect(c.scenarios.map((s) => s.label)).toEqual(['erc20', 'mine', 'transfers'])
    expect(campaignShape(c, 0.1)).toEqual([
      { kind: 'rate', from: 150, to: 150, durationMs: 6_000, name: 'warm' },
      { kind: 'rate', from: 20, to: 20, durationMs: 500, name: '2' },
    ])
  })

  test('behavior: contender\'s built-in names stand for its scenario files; the shorthand [[spam.mix]] is one stage', () => {
    const file = campaign('[spam]\nmode = "tpb"\nrate = 4\nduration = 10\n[[spam.mix]]\nscenario = "uni_v2"\n[[spam.mix]]\nscenario = "stress"\n', { 'uniV2.toml': SPAM_ONLY, 'stress.toml': SPAM_ONLY })
    const c = loadCampaign(file)
    expect(c.mode).toBe('tpb')
    expect(c.stages).toHaveLength(1)
    expect(c.stages[0]!.mix.map((m) => [m.label, m.share])).toEqual([['uniV2', 0.5], ['stress', 0.5]])
    // contender counts a tpb stage's duration in blocks: 10 blocks, whatever the block time
    expect(c.stages[0]!.blocks).toBe(10)
    expect(campaignShape(c, 1, 2_000)).toEqual([{ kind: 'block', perBlock: 4, blocks: 10, durationMs: 20_000, name: 'spam' }])
    expect(campaignShape(c, 0.1)).toEqual([{ kind: 'block', perBlock: 4, blocks: 1, durationMs: 1_000, name: 'spam' }])
    // duration_secs stays seconds: 10 s of 2 s blocks
    const secs = loadCampaign(campaign('[spam]\nmode = "tpb"\nrate = 4\nduration_secs = 10\n[[spam.mix]]\nscenario = "uni_v2"\n', { 'uniV2.toml': SPAM_ONLY }))
    expect(secs.stages[0]!.blocks).toBeUndefined()
    expect(campaignShape(secs, 1, 2_000)).toEqual([{ kind: 'block', perBlock: 4, blocks: 5, durationMs: 10_000, name: 'spam' }])
  })

  test('error: an unknown scenario, an unknown key, a missing duration are refused naming the place', () => {
    const mix = (ref: string) => `[spam]\nrate = 1\nduration = 1\n[[spam.mix]]\nscenario = "${ref}"\n`
    expect(() => loadCampaign(campaign(mix('fill_blok')))).toThrow(/campaign c.toml: spam.stage\[0\].mix\[0\].scenario: unknown scenario "fill_blok"/)
    expect(() => loadCampaign(campaign(mix('uni_v2')))).toThrow(/stands for contender's uniV2.toml, which is not found/)
    expect(() => loadCampaign(campaign(mix('scenarios/none.toml')))).toThrow(/"scenarios\/none.toml": no such file/)
    expect(() => loadCampaign(campaign('[spam]\nrate = 1\nduraton = 1\n[[spam.mix]]\nscenario = "erc20"\n'))).toThrow(/spam: unknown field "duraton" \(did you mean "duration"\?\)/)
    expect(() => loadCampaign(campaign('[spam]\nrate = 1\n[[spam.mix]]\nscenario = "erc20"\n'))).toThrow(/spam.stage\[0\].duration: give a duration/)
    expect(isCampaignFile(campaign(SPAM_ONLY))).toBe(false)
  })

  test('behavior: contender\'s staged-example.toml reads as it is (skipped when ../shared is absent)', (ctx) => {
    const file = join(CONTENDER_CAMPAIGNS, 'staged-example.toml')
    if (!existsSync(file)) return ctx.skip()
    const c = loadCampaign(file)
    expect(c.stages.map((s) => [s.name, s.rate, s.durationMs])).toEqual([['warmup', 100, 60_000], ['steady', 500, 120_000], ['cooldown', 20, 60_000]])
    expect(c.scenarios.find((s) => s.label === 'groth16Verify')!.path).toBe(join(CONTENDER_SCENARIOS, 'groth16Verify.toml'))
  })
})

describe('campaignStream', () => {
  const step = (to: string, kind?: string): CompiledStep => ({ where: 'x', weight: 1, pool: 'spammers', base: { to, from_pool: 'spammers', ...(kind ? { kind } : {}) }, fuzz: [] })
  test('behavior: each stage its count, its scenarios by share in every stretch, kinds prefixed by scenario', async () => {
    const a = [step('0x01', 'ka')]
    const b = [step('0x02')]
    let text = ''
    for await (const chunk of campaignStream([
      { name: 's1', count: 100, mix: [{ label: 'a', steps: a, share: 0.8 }, { label: 'b', steps: b, share: 0.2 }] },
      { name: 's2', count: 10, mix: [{ label: 'b', steps: b, share: 1 }] },
    ], 'seed')) text += chunk
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { kind: string })
    expect(lines).toHaveLength(110)
    const first = lines.slice(0, 100).map((l) => l.kind)
    expect(first.filter((k) => k === 'a/ka')).toHaveLength(80)
    // every 5 consecutive specs of stage 1 hold 4 of a and 1 of b
    for (let i = 0; i < 100; i += 5) expect(first.slice(i, i + 5).filter((k) => k === 'b')).toHaveLength(1)
    expect(lines.slice(100).every((l) => l.kind === 'b')).toBe(true)
  })
})
