/** `--node geth`: geth in dev mode as the embedded devnet of send, run and devnet; what a user without geth is told. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { GETH_INSTALL } from '../../src/devnet/gethBinary.js'
import { createHttpRpc } from '../../src/rpc/rpc.js'
import { assertAccounted, ofType, runCli, startDevnetCli, transfers } from '../helpers/cli.js'
import { gethReady } from '../helpers/gethForTests.js'
import { describeOn } from '../helpers/nodeContract.js'

describeOn('geth')('--node geth: the embedded devnet on geth', () => {
  beforeAll(async () => {
    await gethReady() // FLOODGATE_GETH for the CLI children
  }, 16 * 60_000)

  test('behavior: send --node geth (no --rpc-url) starts geth in dev mode, funds the pool from its dev account, and every spec is mined', async () => {
    const run = await runCli(['send', '--node', 'geth', '--pool-size', '3', '--log-level', 'info'], { stdin: transfers(30), timeoutMs: 90_000 })
    expect(run.code, run.stderr.slice(-2_000)).toBe(0)
    const summary = assertAccounted(run.events, 30)
    expect(summary).toMatchObject({ sent: 30, failed: 0, included: 30 })
    expect(ofType(run.events, 'tx_receipt')).toHaveLength(30)
    expect(run.stderr).toContain('starting the embedded geth devnet')
    expect(run.stderr).toMatch(/"chainId":1337/)
  })

  test('behavior: devnet --node geth prints its node, RPC URL and a funded key, serves until SIGINT, and leaves no geth behind', async () => {
    const { info, child } = await startDevnetCli(['--node', 'geth'])
    expect(info).toMatchObject({ version: 1, type: 'devnet', node: 'geth', chain_id: 1337, funder_key: DEVNET_FUNDER_KEY })
    const rpc = createHttpRpc(info.rpc_url)
    expect(await rpc.request<string>('web3_clientVersion')).toMatch(/^Geth\//)
    expect(BigInt(await rpc.request<string>('eth_getBalance', [info.funder_address, 'latest']))).toBeGreaterThanOrEqual(10n ** 24n)
    child.kill('SIGINT')
    expect(await new Promise((r) => child.on('exit', r))).toBe(0)
    await expect(createHttpRpc(info.rpc_url, { timeoutMs: 1000 }).request('eth_chainId')).rejects.toThrow()
  })

  test("usage: --block-time 1500ms --node geth is refused before anything starts (exit 2): geth's blocks come in whole seconds", async () => {
    const run = await runCli(['send', '--node', 'geth', '--block-time', '1500ms'], { stdin: transfers(2), timeoutMs: 30_000 })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/whole seconds/)
    expect(ofType(run.events, 'tx_result')).toEqual([])
  })
})

describe('--node without geth, and with --rpc-url', () => {
  test('error: --node geth with no geth anywhere says in one line how to get it (exit 1, no stack)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'floodgate-nogeth-'))
    const run = await runCli(['send', '--node', 'geth'], { stdin: transfers(1), env: { FLOODGATE_GETH: undefined, PATH: empty, XDG_CACHE_HOME: empty }, timeoutMs: 30_000 })
    expect(run.code).toBe(1)
    const lines = run.stderr.split('\n').filter((l) => /GETH_NOT_FOUND/.test(l))
    expect(lines, run.stderr).toHaveLength(1)
    expect(lines[0]).toContain(GETH_INSTALL)
    expect(run.stderr).not.toMatch(/\n\s+at /) // no stack trace
  })

  test('usage: --node with --rpc-url is a usage error naming it (exit 2)', async () => {
    const run = await runCli(['send', '--node', 'geth', '--rpc-url', 'http://127.0.0.1:9'], { stdin: transfers(1), timeoutMs: 30_000 })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--node')
  })

  test('usage: --node takes anvil or geth', async () => {
    const run = await runCli(['send', '--node', 'reth'], { stdin: transfers(1), timeoutMs: 30_000 })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/anvil.*geth/)
  })
})
