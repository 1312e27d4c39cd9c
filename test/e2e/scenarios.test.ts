import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Address, type Hex, decodeAbiParameters, encodeFunctionData, parseAbi, toEventSelector } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { poolKeysFromSeed } from '../../src/accounts/poolKeys.js'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { BIN, ROOT, assertAccounted, ofType, runCli, tempStateDir, type Event } from '../helpers/cli.js'
import { rpc } from '../helpers/anvil.js'

/**
 * `floodgate run`, `setup` and `gen` with floodgate's own scenarios, against a real anvil
 * (prague, as the embedded devnet; 0.5 s blocks, not its 1 s: deploys and setup steps each wait
 * for a block, and no check here depends on the block time). Every check is on events and on
 * chain state.
 */
let anvil: AnvilInstance
beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 0.5, gasLimit: 1_000_000_000n, hardfork: 'prague', logger: null })
})
afterAll(async () => {
  await anvil?.stop()
})

const TOKEN_ABI = parseAbi([
  'function holderCount() view returns (uint256)',
  'function totalSupply() view returns (uint256)',
  'function balanceOf(address) view returns (uint256)',
  'function holders(uint256) view returns (address)',
])
const TRANSFER_TOPIC = toEventSelector('event Transfer(address indexed from, address indexed to, uint256 value)')

const addressesOf = (seed: string, pool: string, n: number): Address[] => poolKeysFromSeed(seed, pool, n).map((k) => privateKeyToAccount(k).address)

function env(seed: string, stateDir = tempStateDir()) {
  return { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: seed, FLOODGATE_STATE_DIR: stateDir }
}

const run = (args: string[], e: Record<string, string>, stdin?: string) =>
  runCli(args, { env: e, timeoutMs: 170_000, ...(stdin !== undefined ? { stdin } : {}) })

async function call<T>(to: Address, fn: string, args: unknown[] = []): Promise<T> {
  const data = encodeFunctionData({ abi: TOKEN_ABI, functionName: fn as 'holderCount', args: args as [] })
  const out = await rpc<Hex>(anvil.url, 'eth_call', [{ to, data }, 'latest'])
  return decodeAbiParameters([{ type: fn === 'holders' ? 'address' : 'uint256' }], out)[0] as T
}

function record(stateDir: string, name: string): { contracts: Record<string, { address: Address }> } {
  return JSON.parse(readFileSync(join(stateDir, 'deployments', '31337', `${name}.json`), 'utf8'))
}

const nonceOf = async (a: Address) => Number(BigInt(await rpc<string>(anvil.url, 'eth_getTransactionCount', [a, 'latest'])))
const summaryOf = (events: Event[]) => events.at(-1)!

/** The messages of stderr's log lines (JSON when stderr is not a terminal), plain lines as they are. */
function logMessages(stderr: string): string {
  return stderr
    .split('\n')
    .map((l) => {
      try {
        return String((JSON.parse(l) as { msg?: unknown }).msg ?? l)
      } catch {
        return l
      }
    })
    .join('\n')
}

/** Runs the CLI for `gen`, whose stdout is spec lines, not events. */
function runGen(args: string[], e: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const { RPC_URL: _ignored, ...inherited } = process.env
    execFile(process.execPath, [BIN, 'gen', ...args], { env: { ...inherited, ...e }, cwd: ROOT, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

describe('floodgate run with its own scenarios (real anvil)', () => {
  test('behavior: erc20 mints to every pool account, then token transfers go between pool accounts, on chain', async () => {
    const seed = 'scn-erc20'
    const stateDir = tempStateDir()
    const r = await run(['run', 'erc20', '--rpc-url', anvil.url, '--max-txs', '60', '--tps', '0', '--accounts-per-pool', '4', '--log-level', 'warn'], env(seed, stateDir))
    expect(r.code, r.stderr).toBe(0)
    const summary = assertAccounted(r.events, 60)
    expect(summary).toMatchObject({ sent: 60, failed: 0, included: 60, reverted: 0 })
    const pool = addressesOf(seed, 'spammers', 4)
    expect(new Set(ofType(r.events, 'tx_result').map((e) => e.from))).toEqual(new Set(pool))

    const token = record(stateDir, 'erc20').contracts.Token!.address
    expect(await call<bigint>(token, 'holderCount')).toBe(4n)
    const total = await call<bigint>(token, 'totalSupply')
    expect(total).toBe(4n * 10n ** 24n)
    const balances = await Promise.all(pool.map((a) => call<bigint>(token, 'balanceOf', [a])))
    expect(balances.reduce((s, b) => s + b, 0n)).toBe(total)
    // 4 mints and 60 transfers; each transfer goes from a holder to the next one of the ring
    const ring = await Promise.all([0, 1, 2, 3].map((i) => call<Address>(token, 'holders', [BigInt(i)])))
    expect(new Set(ring.map((a) => a.toLowerCase()))).toEqual(new Set(pool.map((a) => a.toLowerCase())))
    const logs = await rpc<{ topics: Hex[] }[]>(anvil.url, 'eth_getLogs', [{ address: token, fromBlock: '0x0', toBlock: 'latest', topics: [TRANSFER_TOPIC] }])
    const topicAddress = (t: Hex) => `0x${t.slice(26)}`.toLowerCase()
    const moves = logs.map((l) => [topicAddress(l.topics[1]!), topicAddress(l.topics[2]!)] as const).filter(([from]) => from !== `0x${'0'.repeat(40)}`)
    expect(moves).toHaveLength(60)
    const next = new Map(ring.map((a, i) => [a.toLowerCase(), ring[(i + 1) % 4]!.toLowerCase()]))
    for (const [from, to] of moves) expect(to).toBe(next.get(from))
  })

  test('behavior: setup records the deployment; setup and run reuse it; --label deploys apart; --redeploy replaces it', async () => {
    const seed = 'scn-setup'
    const stateDir = tempStateDir()
    const e = env(seed, stateDir)
    const [admin] = addressesOf(seed, 'admin', 1)
    const setup = (...extra: string[]) => run(['setup', 'storage', '--rpc-url', anvil.url, '--log-level', 'info', ...extra], e)

    const first = await setup()
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout, 'setup writes no events').toBe('')
    const a1 = record(stateDir, 'storage').contracts.Workload!.address
    expect(await rpc<string>(anvil.url, 'eth_getCode', [a1, 'latest'])).not.toBe('0x')
    const adminNonce = await nonceOf(admin!)

    const again = await setup()
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toContain('reusing deployed contracts')
    expect(record(stateDir, 'storage').contracts.Workload!.address).toBe(a1)
    expect(await nonceOf(admin!), 'nothing deployed the second time').toBe(adminNonce)

    const labelled = await setup('--label', 'second')
    expect(labelled.code, labelled.stderr).toBe(0)
    const a2 = record(stateDir, 'storage@second').contracts.Workload!.address
    expect(a2).not.toBe(a1)
    expect(record(stateDir, 'storage').contracts.Workload!.address).toBe(a1)

    const spam = await run(['run', 'storage', '--rpc-url', anvil.url, '--max-txs', '10', '--tps', '0', '--accounts-per-pool', '2', '--log-level', 'warn'], e)
    expect(spam.code, spam.stderr).toBe(0)
    expect(summaryOf(spam.events)).toMatchObject({ sent: 10, included: 10, reverted: 0 })
    const tx = await rpc<{ to: string }>(anvil.url, 'eth_getTransactionByHash', [ofType(spam.events, 'tx_result')[0]!.tx_hash])
    expect(tx.to.toLowerCase(), 'run used the recorded contract').toBe(a1.toLowerCase())
    expect(await nonceOf(admin!)).toBe(adminNonce + 1) // only the labelled deployment

    const re = await setup('--redeploy')
    expect(re.code, re.stderr).toBe(0)
    const a3 = record(stateDir, 'storage').contracts.Workload!.address
    expect(a3).not.toBe(a1)
    expect(await nonceOf(admin!)).toBe(adminNonce + 2)
  })

  test('behavior: gen writes the same lines for the same seed, each naming its pool, and send without --from-pool sends from that pool', async () => {
    const seed = 'scn-gen-seed'
    const stateDir = tempStateDir()
    const e = env(seed, stateDir)
    const setup = await run(['setup', 'erc20', '--rpc-url', anvil.url, '--accounts-per-pool', '3', '--log-level', 'warn'], e)
    expect(setup.code, setup.stderr).toBe(0)
    const token = record(stateDir, 'erc20').contracts.Token!.address

    const gen = (...extra: string[]) => runGen(['erc20', '--count', '30', '--rpc-url', anvil.url, ...extra], e)
    const one = await runGen(['erc20', '--count', '30', '--chain-id', '31337', '--seed', 'x', '--from-pool', 'spammers'], e)
    const two = await gen('--seed', 'x', '--from-pool', 'spammers')
    const other = await gen('--seed', 'y', '--from-pool', 'spammers')
    const unnamed = await gen('--seed', 'x')
    expect(one.code, one.stderr).toBe(0)
    expect(two.stdout).toBe(one.stdout)
    expect(unnamed.stdout, 'erc20\'s spam entries use pool spammers: gen names it without --from-pool').toBe(one.stdout)
    expect(other.stdout).not.toBe(one.stdout)
    const lines = one.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines).toHaveLength(30)
    for (const l of lines) {
      expect(l).toMatchObject({ to: token.toLowerCase(), from_pool: 'spammers', kind: 'erc20_transfer', signature: 'function transferToNext(uint256 amount) returns (bool)' })
      const amount = BigInt(l.args[0])
      expect(amount >= 1n && amount < 10n ** 18n).toBe(true)
    }

    // no --from-pool: send's pool is the first line's, spammers, the one setup minted to (same seed, same pool name)
    const sent = await runCli(['send', '--rpc-url', anvil.url, '--pool-size', '3', '--log-level', 'warn'], { env: e, stdin: unnamed.stdout })
    expect(sent.code, sent.stderr).toBe(0)
    expect(assertAccounted(sent.events, 30)).toMatchObject({ sent: 30, failed: 0, included: 30, reverted: 0 })
    const spammers = new Set(addressesOf(seed, 'spammers', 3).map((a) => a.toLowerCase()))
    for (const r of ofType(sent.events, 'tx_result')) expect(spammers.has(r.from.toLowerCase()), r.from).toBe(true)
    // an explicit --from-pool wins: each line naming another pool is rejected, by line and field
    const other2 = await runCli(['send', '--rpc-url', anvil.url, '--from-pool', 'executors', '--pool-size', '1', '--dry-run', '--log-level', 'warn'], { env: e, stdin: unnamed.stdout.split('\n').slice(0, 3).join('\n') })
    expect(other2.code, other2.stderr).toBe(0)
    expect(ofType(other2.events, 'invalid_spec').map((x) => [x.line, x.error_code, x.field])).toEqual([1, 2, 3].map((l) => [l, 'UNKNOWN_POOL', 'from_pool']))

    const noChain = await runGen(['erc20', '--count', '3'], e)
    expect(noChain.code).toBe(2)
    expect(logMessages(noChain.stderr)).toContain('give --rpc-url or --chain-id')
    const plain = await runGen(['transfers', '--count', '3'], e)
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(
      Array.from({ length: 3 }, () => ({ to: '0x000000000000000000000000000000000000dEaD', value: '1 wei', gas_limit: 21000, kind: 'transfer', from_pool: 'spammers' })),
    )
  })

  test('behavior: reverts sends its set share of reverting calls; --assert passes, and misses with exit 3 and a table', async () => {
    const e = env('scn-reverts')
    const ok = await run(['run', 'reverts', '--rpc-url', anvil.url, '--max-txs', '100', '--tps', '0', '--log-level', 'warn', '--assert', 'reverted_ratio <= 0.05', '--assert', 'failed == 0 && included == 100'], e)
    expect(ok.code, ok.stderr).toBe(0)
    const s = assertAccounted(ok.events, 100)
    expect(s).toMatchObject({ sent: 100, failed: 0, included: 100, reverted: 5 })
    expect(s.by_kind.reverts).toMatchObject({ sent: 5, included: 5, reverted: 5 })
    expect(s.by_kind.succeeds).toMatchObject({ sent: 95, included: 95, reverted: 0 })
    expect(s.asserts).toMatchObject({ passed: true, results: [{ expr: 'reverted_ratio <= 0.05', passed: true, checks: [{ metric: 'reverted_ratio', measured: 0.05 }] }, { passed: true }] })
    expect(ok.stderr).toContain('all 2 assertions passed')

    const miss = await run(['run', 'reverts', '--rpc-url', anvil.url, '--max-txs', '40', '--tps', '0', '--log-level', 'warn', '--assert', 'reverted == 0', '--assert', 'sent == 40'], e)
    expect(miss.code, miss.stderr).toBe(3)
    const m = summaryOf(miss.events)
    expect(m.reverted).toBe(2)
    expect(m.asserts).toMatchObject({ passed: false, results: [{ expr: 'reverted == 0', passed: false }, { expr: 'sent == 40', passed: true }] })
    expect(miss.stderr).toContain('1 of 2 assertions missed')
    expect(miss.stderr).toMatch(/reverted == 0\s+reverted\s+== 0\s+2\s+MISS/)
    expect(miss.stderr).toMatch(/sent == 40\s+sent\s+== 40\s+40\s+ok/)
  })

  test('behavior: mixed sends each pool\'s entries from that pool\'s own accounts, by index within the pool', async () => {
    const seed = 'scn-mixed'
    const r = await run(['run', 'mixed', '--rpc-url', anvil.url, '--max-txs', '50', '--tps', '0', '--accounts-per-pool', '3', '--log-level', 'warn'], env(seed))
    expect(r.code, r.stderr).toBe(0)
    expect(assertAccounted(r.events, 50)).toMatchObject({ sent: 50, failed: 0, included: 50, reverted: 0 })
    const pools = { wallets: addressesOf(seed, 'wallets', 3), bots: addressesOf(seed, 'bots', 3) }
    const poolOfKind: Record<string, keyof typeof pools> = { transfer: 'wallets', erc20_transfer: 'wallets', sstore_fill: 'bots', calldata_2k: 'bots' }
    const results = ofType(r.events, 'tx_result').sort((a, b) => a.idx - b.idx)
    const kinds = new Map<string, number>()
    for (const name of ['wallets', 'bots'] as const) {
      const mine = results.filter((x) => poolOfKind[x.kind] === name)
      expect(mine.length).toBeGreaterThan(0)
      mine.forEach((x, n) => expect(x.from, `${name} spec ${n}`).toBe(pools[name][n % 3]))
    }
    for (const x of results) kinds.set(x.kind, (kinds.get(x.kind) ?? 0) + 1)
    expect(Object.fromEntries(kinds)).toEqual({ transfer: 25, erc20_transfer: 15, sstore_fill: 5, calldata_2k: 5 })
  })

  test('behavior: storage, calldata, access-list and transfers do on chain what they say', async () => {
    const seed = 'scn-each'
    const txOf = (hash: string) => rpc<{ input: Hex; accessList?: { address: string; storageKeys: string[] }[]; to: string }>(anvil.url, 'eth_getTransactionByHash', [hash])
    const receipts = (events: Event[]) => ofType(events, 'tx_receipt')

    const sinkBefore = BigInt(await rpc<string>(anvil.url, 'eth_getBalance', ['0x000000000000000000000000000000000000dEaD', 'latest']))
    for (const name of ['storage', 'calldata', 'access-list', 'transfers']) {
      const r = await run(['run', name, '--rpc-url', anvil.url, '--max-txs', '20', '--tps', '0', '--accounts-per-pool', '2', '--log-level', 'warn'], env(`${seed}-${name}`))
      expect(r.code, `${name}: ${r.stderr}`).toBe(0)
      expect(assertAccounted(r.events, 20), name).toMatchObject({ sent: 20, failed: 0, included: 20, reverted: 0 })
      const rec = receipts(r.events)
      if (name === 'storage') for (const x of rec) expect(x.gas_used, '20 fresh SSTOREs').toBeGreaterThan(20 * 20_000)
      if (name === 'calldata') {
        const tx = await txOf(rec[0]!.tx_hash)
        expect((tx.input.length - 2) / 2).toBeGreaterThan(8192)
      }
      if (name === 'access-list') {
        const byKind = new Map(rec.map((x) => [x.kind, x.tx_hash]))
        const withList = await txOf(byKind.get('with_access_list')!)
        expect(withList.accessList).toEqual([{ address: withList.to, storageKeys: [`0x${'0'.repeat(64)}`, `0x${'0'.repeat(63)}1`] }])
        expect((await txOf(byKind.get('without_access_list')!)).accessList ?? []).toEqual([])
      }
    }
    const sinkAfter = BigInt(await rpc<string>(anvil.url, 'eth_getBalance', ['0x000000000000000000000000000000000000dEaD', 'latest']))
    expect(sinkAfter - sinkBefore, 'transfers: 20 × 1 wei to the sink').toBe(20n)
  })
})

describe('--assert as a usage error (real anvil)', () => {
  test('error: a bad expression or an unknown metric exits 2 before anything is sent', async () => {
    const seed = 'scn-bad-assert'
    const e = env(seed)
    const [first] = addressesOf(seed, 'executors', 1)
    const cases: [string[], RegExp][] = [
      [['run', 'transfers', '--rpc-url', anvil.url, '--assert', 'failed = 0'], /--assert "failed = 0": "=" at position 8: use "==" to compare/],
      [['run', 'transfers', '--rpc-url', anvil.url, '--assert', 'p99_latency < 5'], /unknown metric "p99_latency"/],
      [['send', '--rpc-url', anvil.url, '--pool-size', '1', '--assert', 'failed == 0 &&'], /expected a metric name/],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(args, { env: e, stdin: '{"to":"0x000000000000000000000000000000000000dEaD"}\n' })
      expect(r.code, r.stderr).toBe(2)
      expect(logMessages(r.stderr)).toMatch(message)
      expect(r.stdout).toBe('')
    }
    expect(await nonceOf(first!)).toBe(0)
    expect(existsSync(join(e.FLOODGATE_STATE_DIR, 'deployments'))).toBe(false)
  })

  test('behavior: send --assert: results in the summary; a miss exits 3', async () => {
    const e = env('scn-send-assert')
    const specs = Array.from({ length: 5 }, () => '{"to":"0x000000000000000000000000000000000000dEaD","value":"1 wei"}').join('\n') + '\n'
    const pass = await runCli(['send', '--rpc-url', anvil.url, '--pool-size', '2', '--log-level', 'warn', '--assert', 'failed == 0', '--assert', 'included == 5'], { env: e, stdin: specs })
    expect(pass.code, pass.stderr).toBe(0)
    expect(summaryOf(pass.events).asserts).toMatchObject({ passed: true })
    const miss = await runCli(['send', '--rpc-url', anvil.url, '--pool-size', '2', '--log-level', 'warn', '--assert', 'sent >= 1000'], { env: e, stdin: specs })
    expect(miss.code, miss.stderr).toBe(3)
    expect(summaryOf(miss.events)).toMatchObject({ sent: 5, asserts: { passed: false } })
    expect(miss.stderr).toMatch(/sent >= 1000\s+sent\s+>= 1000\s+5\s+MISS/)
  })
})
