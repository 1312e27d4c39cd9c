import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { privateKeyToAddress } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { poolKeysFromSeed } from '../../src/accounts/poolKeys.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { formatEth } from '../../src/metrics/formatWei.js'
import { rpc, useAnvil } from '../helpers/anvil.js'
import { BIN, assertAccounted, fundedEnv, jsonl, ofType, runCli, SINK, type Event } from '../helpers/cli.js'
import { settledNonces } from '../helpers/inProcess.js'

/**
 * Issue 21 item 7: the run's economics. What the summary says the pool spent is what the pool's
 * balances lost on chain (eth_getBalance before and after, plus what the funder sent), to the
 * wei; what it says the funder sent and holds is what the chain says; and both reports show it.
 */

/** A contract that reverts every call (PUSH1 0 PUSH1 0 REVERT): its txs pay gas and move no value. */
const REVERTER = '0x00000000000000000000000000000000000Fa11a'
const ETH = 10n ** 18n

const balanceOf = async (url: string, a: string) => BigInt(await rpc<string>(url, 'eth_getBalance', [a, 'latest']))
const sumBalances = async (url: string, addresses: string[]) => (await Promise.all(addresses.map((a) => balanceOf(url, a)))).reduce((s, b) => s + b, 0n)
const poolOf = (seed: string, size: number) => poolKeysFromSeed(seed, 'executors', size).map((k) => privateKeyToAddress(k))

/** Runs `floodgate report` on a log (its stdout is a table, not events). */
function runReport(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'report', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr }))))
}

/** What the pool paid for its included txs, summed here from the receipts the run wrote (fee, and the value a successful tx moved). */
function receiptSpend(events: Event[]): bigint {
  let wei = 0n
  for (const r of ofType(events, 'tx_receipt')) {
    wei += BigInt(r.gas_used) * BigInt(r.effective_gas_price)
    if (r.status === 'success' && r.value !== undefined) wei += BigInt(r.value)
  }
  return wei
}

describe('the run\'s economics (real anvil, 2.1M-gas 1 s blocks: 100 transfers a block)', () => {
  const anvil = useAnvil({ blockTime: 1, gasLimit: 2_100_000n })

  test('behavior: default funding: the summary\'s spend is the pool\'s balance drop on chain to the wei (transfers, reverted calls with value, self-transfers), the funder\'s figures match the chain, and both reports show them', async () => {
    const url = anvil().url
    await rpc(url, 'anvil_setCode', [REVERTER, '0x60006000fd'])
    const seed = `e2e-economics-${Date.now()}`
    const pool = poolOf(seed, 4)
    const funder = privateKeyToAddress(DEVNET_FUNDER_KEY)
    const before = await sumBalances(url, pool)
    const specs = [
      ...Array.from({ length: 380 }, (_, i) => ({ to: SINK, value: `${i + 1} gwei`, kind: 'transfer' })),
      // reverted: they pay their gas, their value stays with the sender
      ...Array.from({ length: 10 }, () => ({ to: REVERTER, value: '1 gwei', gas_limit: 30_000, kind: 'reverts' })),
      // to the sender itself: they pay their gas, their value never leaves the pool
      ...Array.from({ length: 10 }, () => ({ to: '{_sender}', value: '1 gwei', kind: 'self' })),
    ]
    const run = await runCli(['send', '--rpc-url', url, '--pool-size', '4', '--log-level', 'warn'], { stdin: jsonl(specs), env: fundedEnv(seed) })
    expect(run.code, run.stderr).toBe(0)
    const summary = assertAccounted(run.events, specs.length)
    expect(summary.sent).toBe(400)
    expect(summary.included).toBe(400)
    expect(summary.reverted).toBe(10)
    expect(ofType(run.events, 'nonce_gap_filled'), 'no filler (its gas is not in any receipt)').toEqual([])
    await settledNonces(url, [...pool, funder])
    const after = await sumBalances(url, pool)

    // the funder topped 4 fresh accounts up to the default --min-balance (0.1 ETH), and nothing more
    const minBalance = ETH / 10n
    expect(before).toBe(0n)
    expect(summary.funding).toMatchObject({ sent_wei: (4n * minBalance).toString(), top_ups: 0, top_up_wei: '0' })
    // spent = what the pool had + what it was sent − what it has: to the wei
    const spent = before + BigInt(summary.funding.sent_wei) - after
    expect(summary.spend.total_wei).toBe(spent.toString())
    expect(BigInt(summary.spend.fee_wei) + BigInt(summary.spend.value_wei)).toBe(spent)
    expect(receiptSpend(run.events)).toBe(spent)
    // the value that left: the transfers' 1 … 380 gwei; not the reverted calls', not the self-transfers'
    expect(summary.spend.value_wei).toBe(((380n * 381n) / 2n * 10n ** 9n).toString())
    expect(BigInt(summary.spend.wei_per_s)).toBeGreaterThan(0n)
    // the funder's balance as read at the end is the chain's, and the runway is that balance at the spend rate
    const funderNow = await balanceOf(url, funder)
    expect(summary.funding.funder_balance_wei).toBe(funderNow.toString())
    expect(summary.funding.runway_s).toBe(Math.round(Number((funderNow * 1000n) / BigInt(summary.spend.wei_per_s)) / 1000))

    // full blocks raised the base fee: first, peak and last are the block events' own
    const fees = ofType(run.events, 'block').filter((b) => b.base_fee_per_gas !== undefined).map((b) => BigInt(b.base_fee_per_gas))
    expect(summary.base_fee.first).toBe(fees[0]!.toString())
    expect(summary.base_fee.last).toBe(fees.at(-1)!.toString())
    expect(summary.base_fee.peak).toBe(fees.reduce((m, f) => (f > m ? f : m)).toString())
    expect(BigInt(summary.base_fee.peak)).toBeGreaterThan(BigInt(summary.base_fee.first))
    expect(summary.base_fee.ratio).toBeCloseTo(Number(fees.at(-1)!) / Number(fees[0]!), 3)

    // both reports show the section, with the figures of the log
    const dir = mkdtempSync(join(tmpdir(), 'floodgate-economics-'))
    const log = join(dir, 'run.jsonl')
    writeFileSync(log, run.stdout)
    const html = join(dir, 'run.html')
    const report = await runReport([log, '--html', html])
    expect(report.code, report.stderr).toBe(0)
    const spentText = `${formatEth(spent)} ETH`
    const section = report.stdout.slice(report.stdout.indexOf('funds and fees'))
    expect(section).toContain('funds and fees')
    expect(section).toMatch(new RegExp(`pool spent \\(fees \\+ value moved\\)\\s+${spentText.replace(/[.]/g, '\\.')}`))
    expect(section).toMatch(/funder sent \(initial \+ top-ups\)\s+0\.4 ETH\n/)
    expect(section).toMatch(/top-ups during the run\s+0 \(0 ETH\)/)
    expect(section).toMatch(/base fee growth\s+×/)
    const page = readFileSync(html, 'utf8')
    const funds = /<table id="funds">([\s\S]*?)<\/table>/.exec(page)?.[1]
    expect(funds, 'the HTML report has the funds table').toBeDefined()
    expect(funds).toContain(`<th>pool spent (fees + value moved)</th><td>${spentText}`)
    expect(funds).toContain('<th>funder runway at the spend rate</th>')
  })

  test('behavior: --keep-funded (a non-default setting): the top-ups are counted, and spend + balances after = balances before + initial funding + top-ups, to the wei', async () => {
    const url = anvil().url
    const seed = `e2e-economics-kept-${Date.now()}`
    const pool = poolOf(seed, 2)
    const funder = privateKeyToAddress(DEVNET_FUNDER_KEY)
    const before = await sumBalances(url, pool)
    // 160 × 0.0002 ETH over 2 signers: 0.016 ETH each, more than the 0.01 ETH each starts with
    const specs = Array.from({ length: 160 }, (_, i) => ({ to: SINK, value: '0.0002 eth', id: `k${i}` }))
    const run = await runCli(['send', '--rpc-url', url, '--pool-size', '2', '--tps', '20', '--min-balance', '0.01eth', '--keep-funded', '1s', '--log-level', 'warn'], { stdin: jsonl(specs), env: fundedEnv(seed) })
    expect(run.code, run.stderr).toBe(0)
    const summary = assertAccounted(run.events, specs.length)
    expect(summary.errors).toEqual({})
    expect(summary.included).toBe(160)
    expect(ofType(run.events, 'nonce_gap_filled')).toEqual([])
    await settledNonces(url, [...pool, funder])
    const after = await sumBalances(url, pool)

    const f = summary.funding
    expect(f.top_ups).toBeGreaterThanOrEqual(2)
    expect(BigInt(f.top_up_wei)).toBeGreaterThan(0n)
    // initial funding: 2 fresh accounts to 0.01 ETH; the rest are the top-ups
    expect(BigInt(f.sent_wei) - BigInt(f.top_up_wei)).toBe(2n * (ETH / 100n) - before)
    expect(BigInt(summary.spend.total_wei) + after).toBe(before + BigInt(f.sent_wei))
    expect(summary.spend.value_wei).toBe((160n * 2n * 10n ** 14n).toString())
    expect(f.funder_balance_wei).toBe((await balanceOf(url, funder)).toString())
  })
})
