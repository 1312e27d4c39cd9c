import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { privateKeyToAddress } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { poolKeysFromSeed } from '../../src/accounts/poolKeys.js'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { rpc, rpcNumber } from '../helpers/anvil.js'
import { ofType, runCli, tempStateDir, type CliRun } from '../helpers/cli.js'
import { assertReceiptInvariant } from '../helpers/receipts.js'

const N = 3
const TPS = 150
const SEED = 'e2e-shards-run'
const PER_POOL = 3

let anvil: AnvilInstance
let runs: CliRun[]
let stateDir: string
let funderBefore: number
const funder = privateKeyToAddress(DEVNET_FUNDER_KEY)

beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n })
  stateDir = tempStateDir()
  funderBefore = await rpcNumber(anvil.url, 'eth_getTransactionCount', [funder, 'latest'])
  // three shards of a deploying scenario at once, one funder, one state dir (one machine)
  runs = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      runCli(['run', 'erc20', '--shard', `${i}/${N}`, '--rpc-url', anvil.url, '--tps', String(TPS), '--duration', '4s', '--accounts-per-pool', String(PER_POOL), '--log-level', 'warn'], {
        env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: SEED, FLOODGATE_STATE_DIR: stateDir },
        timeoutMs: 100_000,
      }),
    ),
  )
}, 110_000)
afterAll(async () => {
  await anvil?.stop()
})

describe('run --shard i/n: three shards of a deploying scenario', () => {
  test('behavior: one deployment: shard 0 deploys, the others use its contract; every shard sends its own share from its own accounts', async () => {
    for (const r of runs) expect(r.code, r.stderr).toBe(0)
    // the admin account (shard 0's in every shard) created the token once
    const admin = privateKeyToAddress(poolKeysFromSeed(SEED, 'admin', 1)[0]!)
    expect(await rpcNumber(anvil.url, 'eth_getTransactionCount', [admin, 'latest'])).toBe(1)
    const token = (JSON.parse(readFileSync(join(stateDir, 'deployments', '31337', 'erc20.json'), 'utf8')) as { contracts: { Token: { address: string } } }).contracts.Token.address
    const signers = runs.map((r) => new Set(ofType(r.events, 'tx_result').map((e) => e.from as string)))
    const all = signers.flatMap((s) => [...s])
    expect(new Set(all).size).toBe(N * PER_POOL)
    for (const [i, r] of runs.entries()) {
      expect(r.events.every((e) => e.shard === `${i}/${N}`)).toBe(true)
      assertReceiptInvariant(r.events)
      const receipts = ofType(r.events, 'tx_receipt')
      expect(receipts.length).toBe(ofType(r.events, 'tx_result').length)
      expect(receipts.every((e) => e.status === 'success')).toBe(true)
      // a receipt of this shard's: the tx called the one token
      const tx = await rpc<{ to: string }>(anvil.url, 'eth_getTransactionByHash', [receipts[0]!.tx_hash])
      expect(tx.to.toLowerCase()).toBe(token.toLowerCase())
    }
  })

  test('behavior: the shards together send rate × duration at the target rate (±2 %); the one funder never collided', async () => {
    const summaries = runs.map((r) => r.events.at(-1)!)
    expect(summaries.reduce((s, x) => s + x.sent, 0)).toBe(TPS * 4)
    expect(summaries.every((x) => x.failed === 0 && x.pacing.target_tps === TPS / N)).toBe(true)
    const total = summaries.reduce((s, x) => s + x.tps, 0)
    expect(Math.abs(total - TPS) / TPS).toBeLessThanOrEqual(0.02)
    // every account topped up (admin + three pools of PER_POOL; the deploy and setup steps' senders
    // also get their steps' estimated cost), each top-up mined once: nothing of the funder's left
    // pending or lost behind a collided nonce
    const mined = await rpcNumber(anvil.url, 'eth_getTransactionCount', [funder, 'latest'])
    expect(mined).toBeGreaterThanOrEqual(funderBefore + 1 + N * PER_POOL)
    expect(await rpcNumber(anvil.url, 'eth_getTransactionCount', [funder, 'pending'])).toBe(mined)
  })
})
