import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { rpcNumber } from '../helpers/anvil.js'
import { type Event, assertAccounted, ofType, runCli, tempStateDir } from '../helpers/cli.js'
import { CONTENDER_CAMPAIGNS, contenderScenarios } from '../helpers/compat.js'

/**
 * contender's own campaign files, unchanged, through `floodgate run` against a real anvil,
 * their durations scaled down with --duration-scale. Read from ../shared/compat/contender
 * (skipped, saying so, when absent; a failure under CI=true).
 */
let anvil: AnvilInstance
beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1, gasLimit: 1_000_000_000n, hardfork: 'prague', logger: null })
})
afterAll(async () => {
  await anvil?.stop()
})

const run = (file: string, seed: string, ...more: string[]) => runOn(anvil.url, file, seed, ...more)
const runOn = (url: string, file: string, seed: string, ...more: string[]) =>
  runCli(['run', file, '--rpc-url', url, '--min-balance', '5eth', '--log-level', 'warn', ...(more.includes('--accounts-per-pool') ? [] : ['--accounts-per-pool', '20']), ...more], {
    env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: seed, FLOODGATE_STATE_DIR: tempStateDir() },
    timeoutMs: 120_000,
  })

interface StageWant {
  name: string
  tps: number
  durationMs: number
  /** Scenario label → share in %. */
  mix: Record<string, number>
}

/**
 * Each stage's steady part (its middle 60 % on the schedule): the stage's own sends whose slot lies
 * in it, within ±2 % of the target rate (or ±2 txs where that is more), each scenario's share of
 * them within ±2 points.
 */
function checkStages(events: Event[], stages: StageWant[]): void {
  const results = ofType(events, 'tx_result').filter((r) => !r.error_code)
  const t0 = Math.min(...results.map((r) => r.scheduled_timestamp_ms as number))
  let at = t0
  for (const st of stages) {
    const from = at + 0.2 * st.durationMs
    const to = at + 0.8 * st.durationMs
    at += st.durationMs
    // the stage's own sends that started in its steady part (a backlog of the stage before, still
    // draining after a stall of the node, is that stage's, not this one's)
    // by their slots: a send late by more than 1 s loses its slot (missed_slots), so the count still
    // shows a floodgate that fell behind; by their start times, a CI machine also running the chaos
    // matrix made anvil's groth16 blocks shift sends across the edges (±2 % failed there)
    const inside = results.filter((r) => r.stage === st.name && r.scheduled_timestamp_ms >= from && r.scheduled_timestamp_ms < to)
    const achieved = inside.length / ((to - from) / 1000)
    // ±2 %, or ±2 txs where that is more (a 20 tx/s stage's steady part here holds 72 slots: one tx is 1.4 %)
    const want = (st.tps * (to - from)) / 1000
    expect(Math.abs(inside.length - want), `stage ${st.name}: ${achieved.toFixed(1)} tx/s in its steady part, target ${st.tps}`).toBeLessThanOrEqual(Math.max(0.02 * want, 2))
    for (const [label, pct] of Object.entries(st.mix)) {
      const share = (100 * inside.filter((r) => String(r.kind).split('/')[0] === label).length) / inside.length
      expect(Math.abs(share - pct), `stage ${st.name}: ${label} is ${share.toFixed(1)} % of the sends, the file says ${pct}`).toBeLessThanOrEqual(2)
    }
  }
}

describe("contender's campaigns run unchanged (real anvil)", () => {
  test('behavior: composite.toml (erc20 / uni_v2 / stress at 40/40/20, 100 tx/s): rate and mix hold; all included', async (ctx) => {
    if (!contenderScenarios(ctx)) return
    const r = await run(join(CONTENDER_CAMPAIGNS, 'composite.toml'), 'campaign-composite', '--duration-scale', '0.1')
    expect(r.code, r.stderr).toBe(0)
    const s = assertAccounted(r.events, 600)
    expect(s, JSON.stringify(s.errors)).toMatchObject({ sent: 600, failed: 0, included: 600, timed_out: 0 })
    checkStages(r.events, [{ name: 'spam', tps: 100, durationMs: 6_000, mix: { erc20: 40, uniV2: 40, stress: 20 } }])
  })

  test('behavior: staged-example.toml (warmup 100, steady 500, cooldown 20 tx/s; erc20 + groth16Verify): each stage holds its rate and mix', async (ctx) => {
    if (!contenderScenarios(ctx)) return
    const scale = 0.1
    // 500 groth16 verifications a second are more than anvil executes on 2 cores: blocks of the
    // usual 30M gas keep its mining (which holds every send) short; the rates checked are the sends'
    const node = await startAnvil({ blockTime: 1, gasLimit: 30_000_000n, hardfork: 'prague', logger: null })
    let r: Awaited<ReturnType<typeof run>>
    try {
      // the node stalls while it mines a block of them: with more signers than sends due in a
      // stall, every send still starts on its slot (each signer has one send in flight). A machine
      // so starved that anvil answers these sends in ≥ 0.6 s (300 / 500 tx/s) fails the steady
      // stage, as it should: its sends did fall behind (seen at a load average of 18 on 2 cores:
      // sends p50 0.7 s, 150-190 tx/s sent; 600 signers only doubled anvil's answer time)
      r = await runOn(node.url, join(CONTENDER_CAMPAIGNS, 'staged-example.toml'), 'campaign-staged', '--duration-scale', String(scale), '--no-receipts', '--accounts-per-pool', '300')
    } finally {
      await node.stop()
    }
    expect(r.code, r.stderr).toBe(0)
    const s = r.events.at(-1)!
    expect(s.type).toBe('summary')
    expect(s.pacing.stages.map((x: { name: string }) => x.name)).toEqual(['warmup', 'steady', 'cooldown'])
    checkStages(r.events, [
      { name: 'warmup', tps: 100, durationMs: 60_000 * scale, mix: { erc20: 90, groth16Verify: 10 } },
      { name: 'steady', tps: 500, durationMs: 120_000 * scale, mix: { erc20: 10, groth16Verify: 90 } },
      { name: 'cooldown', tps: 20, durationMs: 60_000 * scale, mix: { erc20: 90, groth16Verify: 10 } },
    ])
  })

  test('behavior: a campaign in tpb mode (10, then 30 of ours per 1 s block, 8 blocks each): every spec sent and included; ≥ 90 % of each stage\'s steady blocks carry exactly its count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floodgate-campaign-'))
    const file = join(dir, 'perBlock.toml')
    const stage = (name: string, rate: number) => `[[spam.stage]]\nname = "${name}"\nrate = ${rate}\nduration = 8\n[[spam.stage.mix]]\nscenario = "transfers"\nshare_pct = 100.0\n`
    writeFileSync(file, `name = "per-block"\n\n[spam]\nmode = "tpb"\nrate = 5\nduration = 8\n\n${stage('low', 10)}\n${stage('high', 30)}`)
    const r = await run(file, 'campaign-tpb')
    expect(r.code, r.stderr).toBe(0)
    const s = r.events.at(-1)!
    expect(s.type).toBe('summary')
    // a tpb stage's duration counts blocks, as contender counts it: 8 blocks, 10 × 8 and 30 × 8 specs
    // (duration_ms is the blocks' expected time, from the block time floodgate measured)
    expect(s.pacing.stages.map(({ duration_ms: _, ...st }: Record<string, unknown>) => st)).toEqual([
      { name: 'low', per_block: 10, blocks: 8 },
      { name: 'high', per_block: 30, blocks: 8 },
    ])
    expect(assertAccounted(r.events, 320)).toBe(s)
    expect(s, JSON.stringify(s.errors)).toMatchObject({ sent: 320, failed: 0, included: 320, timed_out: 0 })
    const receipts = ofType(r.events, 'tx_receipt')
    const perBlock = new Map<number, number>()
    for (const x of receipts) perBlock.set(x.block_number, (perBlock.get(x.block_number) ?? 0) + 1)
    for (const [name, want] of [['low', 10], ['high', 30]] as const) {
      // the stage's blocks without its first two and last two (a stage's first block may still
      // hold the stage before's last sends, and its last the next one's first)
      const blocks = [...new Set(receipts.filter((x) => x.stage === name).map((x) => x.block_number as number))].sort((a, b) => a - b)
      const steady = blocks.slice(2, -2)
      expect(steady.length, `stage ${name}: blocks ${blocks.join(' ')}`).toBeGreaterThanOrEqual(3)
      const exact = steady.filter((b) => perBlock.get(b) === want).length
      expect(exact / steady.length, `stage ${name}: ours per block ${blocks.map((b) => perBlock.get(b)).join(' ')}`).toBeGreaterThanOrEqual(0.9)
    }
  })

  test('error: a campaign naming an unknown scenario is refused by name before anything is sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floodgate-campaign-'))
    const file = join(dir, 'bad.toml')
    writeFileSync(file, '[spam]\nmode = "tps"\nrate = 10\nduration = 1\n\n[[spam.mix]]\nscenario = "erc20"\nshare_pct = 50\n\n[[spam.mix]]\nscenario = "fill_blok"\nshare_pct = 50\n')
    const funder = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
    const nonce = await rpcNumber(anvil.url, 'eth_getTransactionCount', [funder, 'pending'])
    const r = await run(file, 'campaign-bad')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('unknown scenario \\"fill_blok\\"')
    expect(r.stderr).toContain('spam.stage[0].mix[1].scenario')
    expect(r.events).toEqual([])
    expect(await rpcNumber(anvil.url, 'eth_getTransactionCount', [funder, 'pending'])).toBe(nonce)
  })
})
