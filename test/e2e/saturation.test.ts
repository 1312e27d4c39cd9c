import { afterAll, describe, expect, test } from 'vitest'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { runCli, ofType, type Event } from '../helpers/cli.js'
import { recordFigures } from '../helpers/figures.js'
import { runSend } from '../helpers/inProcess.js'
import { assertNothingLost } from '../helpers/invariants.js'
import { assertReceiptInvariant } from '../helpers/receipts.js'
import { rpc } from '../helpers/anvil.js'

/**
 * A chain that fills (issue 11): 2.1M gas, 1 s blocks, so 100 transfers a block. Sending far
 * faster than that raises the base fee 12.5 % a full block, and anvil drops every pooled tx
 * whose fee cap falls below it at the next block. floodgate must keep its promises there:
 * every spec lands (re-signed at current fees where needed, never filled), nonces stay whole.
 */
const SINK = '0x000000000000000000000000000000000000dEaD'
const GAS_LIMIT = 2_100_000n
const POOL = 16
const transfers = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ to: SINK, value: '1 wei', id: `t${i}` })).join('\n') + '\n'

/** A fresh chain that fills, and a pool funded from its dev account, for one test. */
async function fillingChain(seed: string): Promise<AnvilInstance> {
  const anvil = await startAnvil({ blockTime: 1, gasLimit: GAS_LIMIT, logger: null, silent: true, hardfork: 'prague' })
  // the pool is funded beforehand (the base fee climbs to hundreds of gwei while the chain is full)
  await runSend(anvil.url, [], { seed, poolSize: POOL, minBalance: 100n * 10n ** 18n })
  return anvil
}

const send = (anvil: AnvilInstance, seed: string, stdin: string, extra: string[] = [], timeoutMs = 150_000) =>
  runCli(['send', '--rpc-url', anvil.url, '--pool-size', String(POOL), '--log-level', 'warn', ...extra], { stdin, timeoutMs, env: { FLOODGATE_SEED: seed, FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY } })

describe('a chain that fills (anvil, 2.1M-gas 1 s blocks: 100 transfers a block)', () => {
  let anvil: AnvilInstance | undefined
  afterAll(async () => {
    await anvil?.stop()
  })

  test('behavior: 6,000 transfers at full speed, default flags: every spec one tx_receipt, no filler, nonces whole, each replacement visible on chain', { timeout: 240_000 }, async () => {
    const seed = `sat-${Date.now()}`
    anvil = await fillingChain(seed)
    const started = performance.now()
    const run = await send(anvil, seed, transfers(6_000))
    const ms = performance.now() - started
    expect(run.code, run.stderr.slice(0, 2_000)).toBe(0)
    const { events } = run
    const receipts = ofType(events, 'tx_receipt')
    expect(ofType(events, 'tx_timeout')).toHaveLength(0)
    expect(receipts).toHaveLength(6_000)
    expect(new Set(receipts.map((r) => r.idx)).size).toBe(6_000)
    expect(ofType(events, 'nonce_gap_filled')).toHaveLength(0)
    await assertNothingLost(anvil.url, events, 6_000)

    // replacements: the newest hash of each replaced spec is the one mined, the hashes it replaced are not
    const replaced = ofType(events, 'tx_replaced')
    const byIdx = new Map<number, Event[]>()
    for (const e of replaced) byIdx.set(e.idx, [...(byIdx.get(e.idx) ?? []), e])
    const sample = [...byIdx.values()].slice(0, 40)
    for (const chain of sample) {
      // the spec's receipt names the hash mined: its newest, or an earlier one the replacement came too late for
      const hashes = [chain[0]!.old_tx_hash, ...chain.map((e) => e.tx_hash)]
      const mined = receipts.find((r) => r.idx === chain[0]!.idx)!.tx_hash
      expect(hashes).toContain(mined)
      expect(await rpc(anvil.url, 'eth_getTransactionReceipt', [mined])).not.toBeNull()
      for (const h of hashes) if (h !== mined) expect(await rpc(anvil.url, 'eth_getTransactionReceipt', [h])).toBeNull()
    }
    const summary = ofType(events, 'summary')[0]!
    expect(summary.replaced ?? 0).toBe(replaced.length)
    expect(ofType(events, 'saturation').length).toBeGreaterThanOrEqual(1)
    expect(summary.saturation.episodes).toBeGreaterThanOrEqual(1)
    const blocks = ofType(events, 'block')
    expect(blocks.length).toBeGreaterThan(0)
    recordFigures({
      fault: 'saturation: 6,000 transfers, 2.1M-gas 1 s blocks, pool 16',
      runs: 1,
      specs: 6_000,
      included: receipts.length,
      replaced: replaced.length,
      filled: 0,
      included_tps: summary.included_tps,
      capacity_tps: summary.capacity?.tps ?? 0,
      ms: Math.round(ms),
    })
    await anvil.stop()
    anvil = undefined
  })

  test('error: --max-fee below the base fee: every spec ends FEE_CAP_REACHED at once, its nonce unspent, nothing on chain', async () => {
    const seed = `cap-${Date.now()}`
    anvil = await fillingChain(seed)
    const run = await send(anvil, seed, transfers(200), ['--max-fee', '0.1 gwei'])
    expect(run.code).toBe(0)
    const results = ofType(run.events, 'tx_result')
    expect(results).toHaveLength(200)
    expect(results.every((r) => r.error_code === 'FEE_CAP_REACHED' && r.nonce === null)).toBe(true)
    const signers = [...new Set(results.map((r) => r.from))]
    for (const s of signers) expect(await rpc(anvil.url, 'eth_getTransactionCount', [s, 'pending'])).toBe('0x0')
    await anvil.stop()
    anvil = undefined
  })

  test('behavior: a low --max-fee while the chain fills: no bid above it, every spec one terminal event, the ones that could not be included say FEE_CAP_REACHED', async () => {
    const seed = `lowcap-${Date.now()}`
    anvil = await fillingChain(seed)
    // 1.5 times the base fee as the run starts (the empty blocks since genesis have lowered it from
    // 1 gwei): sending 150 tx/s for 10 s into 100 a block keeps the blocks full, which raise the base
    // fee 12.5 % each, past the cap after 4; the specs sent while it is above cannot be included
    const { baseFeePerGas } = await rpc<{ baseFeePerGas: string }>(anvil.url, 'eth_getBlockByNumber', ['latest', false])
    const maxFee = (3n * BigInt(baseFeePerGas)) / 2n
    const run = await send(anvil, seed, transfers(1_500), ['--max-fee', `${maxFee} wei`, '--tps', '150', '--receipt-timeout', '8s'])
    expect(run.code, run.stderr.slice(0, 2_000)).toBe(0)
    const { events } = run
    // every line one terminal event: a failed tx_result, or an accepted one and then exactly one
    // tx_receipt / tx_timeout; on chain: each receipt's tx at its nonce, no nonce gap, and the
    // txs that ended FEE_CAP_REACHED after being accepted are not there
    assertReceiptInvariant(events)
    const o = await assertNothingLost(anvil.url, events, 1_500, new Map(), { feeCapped: true })
    for (const r of ofType(events, 'tx_receipt')) expect(BigInt(r.effective_gas_price) <= maxFee).toBe(true)
    for (const e of ofType(events, 'tx_replaced')) expect(BigInt(e.max_fee_per_gas) <= maxFee).toBe(true)
    const timeouts = ofType(events, 'tx_timeout')
    for (const t of timeouts) expect(t).toMatchObject({ reason: 'fee_cap', error_code: 'FEE_CAP_REACHED' })
    // the base fee did pass the cap: some specs could not be included, and say so, each
    // FEE_CAP_REACHED (also a send the node refused, after floodgate's retries, for a fee cap
    // below its base fee: the bid was at --max-fee, as docs/cli.md says)
    const refused = ofType(events, 'tx_result').filter((r) => r.error_code)
    expect(refused.filter((r) => r.error_code !== 'FEE_CAP_REACHED').map((r) => `${r.idx} ${r.error_code}`)).toEqual([])
    const capReached = refused.length + timeouts.length
    expect(capReached, 'specs that ended FEE_CAP_REACHED (tx_result or tx_timeout)').toBeGreaterThan(0)
    expect(o.summary.included + refused.length + timeouts.length).toBe(1_500)
    expect(ofType(events, 'nonce_gap_filled')).toHaveLength(0)
    await anvil.stop()
    anvil = undefined
  })
})
