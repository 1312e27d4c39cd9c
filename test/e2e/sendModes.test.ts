import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseTransaction } from 'viem'
import { createHttpRpc } from '../../src/rpc/rpc.js'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { SINK, assertAccounted, fundedEnv, jsonl, ofType, runCli, startDevnetCli, transfers } from '../helpers/cli.js'
import { assertNothingLost } from '../helpers/invariants.js'


let anvil: AnvilInstance
// 0.5 s blocks: each run funds its pool and waits for its last receipts, a block each; the limits,
// refusals and modes checked here do not depend on the block time (the berlin and mainnet-id
// tests start their own anvils)
beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 0.5, gasLimit: 300_000_000n })
})
afterAll(async () => {
  await anvil?.stop()
})

const env = fundedEnv
const base = () => ['send', '--rpc-url', anvil.url, '--log-level', 'warn']

describe('pacing and limits', () => {
  test('behavior: --max-txs stops reading after that many valid specs', async () => {
    const lines = ['garbage', ...transfers(50).trim().split('\n')].join('\n') + '\n'
    const run = await runCli([...base(), '--pool-size', '3', '--max-txs', '10'], { stdin: lines, env: env('modes-max') })
    expect(run.code, run.stderr).toBe(0)
    const summary = assertAccounted(run.events, 11)
    expect(summary).toMatchObject({ sent: 10, invalid: 1, reason: 'max_txs' })
  })
  // the pacer's tests against the clock are in pacing.test.ts (the `timing` project)
})

describe('--dry-run', () => {
  test('behavior: signs without sending: raw_tx decodes to the spec, nothing reaches the node', async () => {
    const run = await runCli([...base(), '--pool-size', '2', '--dry-run'], {
      stdin: jsonl([{ to: SINK, value: '5 gwei' }, { to: SINK, value: '6 gwei' }, { to: SINK, value: '7 gwei' }]),
      env: env('modes-dry'),
    })
    expect(run.code, run.stderr).toBe(0)
    assertAccounted(run.events, 3)
    const results = ofType(run.events, 'tx_result')
    const rpc = createHttpRpc(anvil.url)
    for (const r of results) {
      const tx = parseTransaction(r.raw_tx)
      expect(tx.to?.toLowerCase()).toBe(SINK.toLowerCase())
      expect(tx.value).toBe(BigInt(4 + r.line) * 10n ** 9n)
      expect(tx.nonce).toBe(r.nonce)
      expect(await rpc.request('eth_getTransactionByHash', [r.tx_hash])).toBeNull()
    }
    // the two workers used consecutive nonces from 0, none was taken on chain
    expect(results.map((r) => r.nonce).sort()).toEqual([0, 0, 1])
  })
})

describe('the node and the chain', () => {
  test('behavior: an anvil in automine mode draws a warning with the remedy', async () => {
    const automine = await startAnvil({})
    try {
      const run = await runCli(['send', '--rpc-url', automine.url, '--pool-size', '1'], { stdin: transfers(3), env: env('modes-automine') })
      expect(run.code, run.stderr).toBe(0)
      expect(run.stderr).toMatch(/automine.*--block-time/)
    } finally {
      await automine.stop()
    }
  })

  test('behavior: a chain without a base fee (berlin) gets legacy txs at eth_gasPrice, and they land', async () => {
    const legacy = await startAnvil({ hardfork: 'berlin', blockTime: 1 })
    try {
      const run = await runCli(['send', '--rpc-url', legacy.url, '--pool-size', '2', '--log-level', 'warn'], { stdin: transfers(10), env: env('modes-legacy') })
      expect(run.code, run.stderr).toBe(0)
      expect(assertAccounted(run.events, 10).sent).toBe(10)
      const rpc = createHttpRpc(legacy.url)
      const r = ofType(run.events, 'tx_result')[0]!
      const tx = await rpc.request<{ type: string; gasPrice: string }>('eth_getTransactionByHash', [r.tx_hash])
      expect(tx.type).toBe('0x0')
      expect(BigInt(tx.gasPrice)).toBeGreaterThan(0n)
    } finally {
      await legacy.stop()
    }
  })

  test('error: a spec that pins its max fee below the base fee fails FEE_CAP_TOO_LOW at once, without a nonce gap', async () => {
    const specs = [
      { to: SINK, value: '1 wei', id: 'low', max_fee_per_gas: '1 wei', max_priority_fee_per_gas: '0' },
      { to: SINK, value: '1 wei', id: 'next' },
    ]
    // one send at a time: the very next spec reuses the nonce (several in flight: a later one does, test/e2e/inFlight.test.ts)
    const run = await runCli([...base(), '--pool-size', '1', '--in-flight', '1'], { stdin: jsonl(specs), env: env('modes-feecap') })
    expect(run.code, run.stderr).toBe(0)
    const [low, next] = ofType(run.events, 'tx_result').sort((a, b) => a.idx - b.idx)
    expect(low).toMatchObject({ id: 'low', error_code: 'FEE_CAP_TOO_LOW', attempts: 1 })
    expect(next).toMatchObject({ id: 'next', nonce: low!.nonce })
    expect(next!.error_code).toBeUndefined()
  })

  test('error: gas limits the node refuses (below intrinsic, above the block) fail with their codes and the very next spec takes the nonce, at --in-flight 1', async () => {
    const specs = [
      { to: SINK, value: '1 wei', id: 'low', gas_limit: 20000 },
      { to: SINK, value: '1 wei', id: 'high', gas_limit: 400_000_000 },
      { to: SINK, value: '1 wei', id: 'fine' },
    ]
    // one send at a time: the very next spec reuses the nonce (several in flight: a later one does, test/e2e/inFlight.test.ts)
    const run = await runCli([...base(), '--pool-size', '1', '--in-flight', '1'], { stdin: jsonl(specs), env: env('modes-gaslimits') })
    expect(run.code, run.stderr).toBe(0)
    const byId = new Map(ofType(run.events, 'tx_result').map((r) => [r.id, r]))
    expect(byId.get('low')).toMatchObject({ error_code: 'INTRINSIC_GAS_TOO_LOW' })
    expect(byId.get('high')).toMatchObject({ error_code: 'GAS_LIMIT_TOO_HIGH' })
    expect(byId.get('fine')!.error_code).toBeUndefined()
    // floodgate refuses the low one itself, before a nonce is taken; the node refuses the high one
    expect(byId.get('low')!.nonce).toBeNull()
    expect(byId.get('fine')!.nonce).toBe(byId.get('high')!.nonce)
  })

  test('error: gas limits the node refuses (below intrinsic, above the block) fail with their codes and the nonce is used again, once, no gap, at the default --in-flight', async () => {
    // several sends in flight: the spec after the refused one may have taken the next nonce
    // already; the refused nonce goes to a later spec (a filler if none came: nonce_gap_filled)
    const specs = [
      { to: SINK, value: '1 wei', id: 'low', gas_limit: 20000 },
      { to: SINK, value: '1 wei', id: 'high', gas_limit: 400_000_000 },
      ...Array.from({ length: 20 }, (_, i) => ({ to: SINK, value: `${i + 2} wei`, id: `fine${i}` })),
    ]
    const run = await runCli([...base(), '--pool-size', '1'], { stdin: jsonl(specs), env: env('modes-gaslimits-default') })
    expect(run.code, run.stderr).toBe(0)
    const results = ofType(run.events, 'tx_result')
    const byId = new Map(results.map((r) => [r.id, r]))
    expect(byId.get('low')).toMatchObject({ error_code: 'INTRINSIC_GAS_TOO_LOW', nonce: null })
    const high = byId.get('high')!
    expect(high).toMatchObject({ error_code: 'GAS_LIMIT_TOO_HIGH' })
    expect(high.nonce).toEqual(expect.any(Number))
    expect(results.filter((r) => r.error_code).map((r) => r.id)).toEqual(['low', 'high'])
    // the refused nonce is used again, once: by a later spec, or by a filler
    const takers = results.filter((r) => !r.error_code && r.nonce === high.nonce)
    const fills = ofType(run.events, 'nonce_gap_filled').filter((f) => f.nonce === high.nonce)
    expect(takers.length + fills.length, 'the refused nonce was used again, once').toBe(1)
    for (const t of takers) expect(t.idx).toBeGreaterThan(high.idx)
    for (const f of fills) expect(f.reason).toBe('refused')
    const o = await assertNothingLost(anvil.url, run.events, specs.length)
    expect(o).toMatchObject({ accepted: 20, failed: 2, gaps: 0, missing: 0 })
  })

  test('error: a mainnet chain id is refused without --allow-mainnet', async () => {
    const mainnet = await startAnvil({ chainId: 1, blockTime: 1 })
    try {
      const refused = await runCli(['send', '--rpc-url', mainnet.url, '--pool-size', '1'], { stdin: transfers(1), env: env('modes-mainnet') })
      expect(refused.code).toBe(1)
      expect(refused.stdout).toBe('')
      expect(refused.stderr).toMatch(/chain id 1 is Ethereum.*--allow-mainnet/)
      const allowed = await runCli(['send', '--rpc-url', mainnet.url, '--pool-size', '1', '--allow-mainnet'], { stdin: transfers(1), env: env('modes-mainnet') })
      expect(allowed.code, allowed.stderr).toBe(0)
      expect(allowed.events.at(-1)).toMatchObject({ type: 'summary', sent: 1 })
    } finally {
      await mainnet.stop()
    }
  })

  test('behavior: a key on the command line works but draws a warning that never shows the key', async () => {
    const run = await runCli([...base(), '--pool-size', '1', '--funder-key', DEVNET_FUNDER_KEY, '--log-level', 'info'], {
      stdin: transfers(1),
      env: { FLOODGATE_SEED: 'modes-cli-key' },
    })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/visible to other users in ps.*FLOODGATE_FUNDER_KEY/)
    expect(run.stderr.toLowerCase()).not.toContain(DEVNET_FUNDER_KEY.slice(2).toLowerCase())
  })
})

describe('embedded devnet', () => {
  test('behavior: without --rpc-url floodgate starts anvil, funds the pool, sends, and stops it', async () => {
    const run = await runCli(['send', '--pool-size', '4'], { stdin: transfers(40) })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('starting the embedded anvil devnet')
    const summary = assertAccounted(run.events, 40)
    expect(summary.sent).toBe(40)
    // the devnet is gone with the process
    const url = /"rpc":"(http:\/\/127\.0\.0\.1:\d+)/.exec(run.stderr)![1]!
    await expect(createHttpRpc(url, { timeoutMs: 1000 }).request('eth_chainId')).rejects.toThrow(/cannot reach|no answer/)
  })

  test('behavior: `floodgate devnet` prints its RPC URL and a funded key, serves until SIGINT', async () => {
    const { info, child } = await startDevnetCli()
    expect(info).toMatchObject({ version: 1, type: 'devnet', chain_id: 31337, funder_key: DEVNET_FUNDER_KEY })
    const rpc = createHttpRpc(info.rpc_url)
    expect(Number(await rpc.request<string>('eth_chainId'))).toBe(31337)
    expect(BigInt(await rpc.request<string>('eth_getBalance', [info.funder_address, 'latest']))).toBeGreaterThan(10n ** 21n)
    child.kill('SIGINT')
    const code = await new Promise((r) => child.on('exit', r))
    expect(code).toBe(0)
    await expect(createHttpRpc(info.rpc_url, { timeoutMs: 1000 }).request('eth_chainId')).rejects.toThrow()
  })
})
