import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { poolKeysFromSeed } from '../../src/accounts/poolKeys.js'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { assertAccounted, ofType, runCli, tempStateDir, type CliRun } from '../helpers/cli.js'
import { rpc } from '../helpers/anvil.js'
import { CONTENDER_RUNNABLE, CONTENDER_TX_TYPES, contenderScenarios } from '../helpers/compat.js'

/**
 * contender's own scenario files, unchanged, through `floodgate run` against a real anvil:
 * deploy + setup, then a short spam. Read from ../shared/compat/contender/scenarios (skipped,
 * saying so, when absent; a failure under CI=true).
 */
let anvil: AnvilInstance
// half-second blocks: deploy and setup are a chain of txs each waiting for its block (uniV2 took
// 22 s at 1 s blocks, 12 s at 0.5 s); what is checked is on chain, whatever the block time (the
// chaos matrix runs at 0.5 s too)
beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 0.5, gasLimit: 1_000_000_000n, hardfork: 'prague', logger: null })
})
afterAll(async () => {
  await anvil?.stop()
})

/** Senders of each scenario's spam: its named pools (contender's default: spammers). */
const SPAM_POOLS: Partial<Record<(typeof CONTENDER_RUNNABLE)[number], string[]>> = {
  mempool: ['redpool', 'bluepool'],
  stress: ['pool1', 'pool2', 'pool3', 'pool4'],
  reverts: ['spammer'],
  slotContention: ['spammer'],
}

/** The tx-type checks of a scenario whose spam is of a newer type than EIP-1559: each spam tx is on chain as that type, with what makes it that type. */
async function assertTxType(name: keyof typeof CONTENDER_TX_TYPES, r: CliRun): Promise<void> {
  const typeByte = CONTENDER_TX_TYPES[name]
  for (const e of ofType(r.events, 'tx_result')) {
    const tx = await rpc<{ type: string; blobVersionedHashes?: string[]; authorizationList?: { address: string }[] }>(anvil.url, 'eth_getTransactionByHash', [e.tx_hash])
    expect(tx.type).toBe(typeByte)
    if (name === 'blobs') expect(tx.blobVersionedHashes).toHaveLength(1)
    else {
      expect(tx.authorizationList).toHaveLength(1)
      // the sender is delegated to the scenario's SmartWallet: its code is the EIP-7702 designator
      const code = await rpc<string>(anvil.url, 'eth_getCode', [e.from, 'latest'])
      expect(code).toBe(`0xef0100${tx.authorizationList![0]!.address.slice(2).toLowerCase()}`)
    }
  }
  if (name === 'blobs') for (const e of ofType(r.events, 'tx_receipt')) expect(e).toMatchObject({ blob_gas_used: 131072 })
}

const isTxType = (name: string): name is keyof typeof CONTENDER_TX_TYPES => Object.hasOwn(CONTENDER_TX_TYPES, name)
/** Each scenario once: the ones of a newer tx type also check their type on chain (one run proves both, as two runs did before). */
const CASES = CONTENDER_RUNNABLE.map((name) => [name, isTxType(name) ? ', each on chain as its tx type with what makes it that type' : ''] as const)

describe("contender's scenarios run unchanged (real anvil)", () => {
  test.for(CASES)('behavior: %s: setup, then 20 spam txs, all included, reverting only where the file means to%s', async ([name], ctx) => {
    const dir = contenderScenarios(ctx)
    if (!dir) return
    const seed = `contender-${name}`
    const r = await runCli(
      ['run', join(dir, `${name}.toml`), '--rpc-url', anvil.url, '--max-txs', '20', '--tps', '0', '--accounts-per-pool', '3', '--min-balance', '5eth', '--log-level', 'warn'],
      { env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: seed, FLOODGATE_STATE_DIR: tempStateDir() }, timeoutMs: 170_000 },
    )
    expect(r.code, r.stderr).toBe(0)
    const s = assertAccounted(r.events, 20)
    expect(s, JSON.stringify(s.errors)).toMatchObject({ sent: 20, failed: 0, invalid: 0, included: 20, timed_out: 0 })
    // reverts.toml calls revertIfTrue("{shouldRevert}") with shouldRevert = 'true' from [env]: every one
    // reverts; slotContention's first entry writes contended slots and is "more likely to fail over
    // time" (its own comment), so some of its calls may revert; every other scenario succeeds
    if (name === 'reverts') expect(s.reverted).toBe(20)
    else if (name === 'slotContention') expect(s.reverted).toBeLessThanOrEqual(10)
    else expect(s.reverted).toBe(0)
    const pools = SPAM_POOLS[name] ?? ['spammers']
    const expected = new Set(pools.flatMap((p) => poolKeysFromSeed(seed, p, 3).map((k) => privateKeyToAccount(k).address)))
    const senders = new Set(ofType(r.events, 'tx_result').map((e) => e.from))
    for (const from of senders) expect(expected.has(from), `${from} is an account of ${pools.join('/')}`).toBe(true)
    expect(senders.size).toBe(Math.min(20, expected.size))
    if (isTxType(name)) await assertTxType(name, r)
  })
})
