import type { Command } from 'commander'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { UsageError } from '../../../src/base/errors.js'
import { COMMANDS, FLAGS } from '../../../src/cli/options.js'
import { runCommand } from '../../../src/cli/runCommand.js'
import { type SendFlags, resolveSendOptions } from '../../../src/cli/sendFlags.js'
import { sendCommand } from '../../../src/cli/sendCommand.js'
import { setupCommand } from '../../../src/cli/setupCommand.js'
import type { Logger } from '../../../src/log.js'
import type { SendOptions } from '../../../src/send.js'

const KEY = `0x${'11'.repeat(32)}`
const ENV = ['RPC_URL', 'FLOODGATE_SEED', 'FLOODGATE_MNEMONIC', 'FLOODGATE_FUNDER_KEY'] as const
const saved = new Map<string, string | undefined>()
beforeEach(() => {
  for (const k of ENV) {
    saved.set(k, process.env[k])
    delete process.env[k]
  }
})
afterEach(() => {
  for (const [k, v] of saved) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})

/** Parses `args` with the command, and resolves its flags as its action would (without running it). */
async function resolve(make: () => Command, args: string[]): Promise<{ o: SendOptions; warnings: string[] }> {
  const cmd = make().exitOverride().configureOutput({ writeErr: () => {} })
  const warnings: string[] = []
  const log = { warn: (m: string) => warnings.push(m) } as unknown as Logger
  let o: SendOptions | undefined
  cmd.action((...a: unknown[]) => {
    o = resolveSendOptions(a.at(-2) as SendFlags, a.at(-1) as Command, log, new AbortController().signal, (async function* () {})())
  })
  await cmd.parseAsync(args, { from: 'user' })
  return { o: o!, warnings }
}
const send = (...args: string[]) => resolve(sendCommand, args)
const timeouts = ({ requestTimeoutMs, connectTimeoutMs, maxOutageMs }: SendOptions) => [requestTimeoutMs, connectTimeoutMs, maxOutageMs]

describe('resolveSendOptions', () => {
  test('behavior: the defaults of the table, one per required field', async () => {
    const { o, warnings } = await send()
    expect(o).toMatchObject({
      pools: [{ name: 'executors', size: 10 }], skipFunding: false, tps: 0, retries: 3, requestTimeoutMs: 10_000, connectTimeoutMs: 8_000, maxOutageMs: 10_000,
      batchWaitMs: 0, signer: 'auto', dryRun: false, allowMainnet: false, receipts: true, receiptSource: 'auto', receiptTimeoutMs: 60_000,
      readerCapacity: 256, workerCapacity: 64,
    })
    for (const absent of ['rpcUrl', 'seed', 'mnemonic', 'funderKey', 'minBalance', 'maxTxs', 'durationMs', 'batchSize', 'feeRefreshMs', 'priorityFee', 'gasPrice', 'txType', 'gapCheckMs', 'reportIntervalMs', 'metricsPort']) {
      expect(o, absent).not.toHaveProperty(absent)
    }
    expect(warnings).toEqual([])
  })

  test('behavior: each value flag reaches its field', async () => {
    const { o } = await send(
      '--rpc-url', 'http://127.0.0.1:8545', '--pool-size', '3', '--from-pool', 'p', '--min-balance', '1 gwei', '--skip-funding', '--tps', '2.5', '--max-txs', '7',
      '--duration', '2m', '--retries', '0', '--batch-size', '4', '--batch-wait', '5ms', '--signer', 'viem', '--fee-refresh', '50ms', '--priority-fee', '2 wei',
      '--gas-price', '3', '--tx-type', 'legacy', '--dry-run', '--allow-mainnet', '--reader-queue', '9', '--worker-queue', '8', '--receipt-timeout', '1s',
      '--receipts-by', 'tx', '--gap-check', '0', '--no-receipts', '--report-interval', '1s', '--metrics-port', '0',
    )
    expect(o).toMatchObject({
      rpcUrl: 'http://127.0.0.1:8545', pools: [{ name: 'p', size: 3 }], minBalance: 10n ** 9n, skipFunding: true, tps: 2.5, maxTxs: 7, durationMs: 120_000,
      retries: 0, batchSize: 4, batchWaitMs: 5, signer: 'viem', feeRefreshMs: 100, priorityFee: 2n, gasPrice: 3n, txType: 'legacy', dryRun: true,
      allowMainnet: true, readerCapacity: 9, workerCapacity: 8, receiptTimeoutMs: 1000, receiptSource: 'tx', gapCheckMs: 0, receipts: false,
      reportIntervalMs: 1000, metricsPort: 0,
    })
  })

  test('behavior: --rpc-timeout X is request X, connect at most 8 s of X, outage X', async () => {
    expect(timeouts((await send('--rpc-timeout', '20s')).o)).toEqual([20_000, 8_000, 20_000])
    expect(timeouts((await send('--rpc-timeout', '3s')).o)).toEqual([3_000, 3_000, 3_000])
  })

  test('behavior: a specific timeout flag wins for its own part, with or without --rpc-timeout', async () => {
    expect(timeouts((await send('--rpc-timeout', '20s', '--max-outage', '1m')).o)).toEqual([20_000, 8_000, 60_000])
    expect(timeouts((await send('--rpc-timeout', '20s', '--request-timeout', '5s')).o)).toEqual([5_000, 8_000, 20_000])
    expect(timeouts((await send('--rpc-timeout', '2s', '--connect-timeout', '30s')).o)).toEqual([2_000, 30_000, 2_000])
    expect(timeouts((await send('--request-timeout', '5s')).o)).toEqual([5_000, 5_000, 10_000])
    expect(timeouts((await send('--connect-timeout', '2s')).o)).toEqual([10_000, 2_000, 10_000])
    await expect(send('--max-outage', 'soon')).rejects.toThrow('--max-outage: "soon" is not a duration')
  })

  test('behavior: a secret on the command line draws a warning without its value; from the env none', async () => {
    const cli = await send('--funder-key', KEY, '--seed', 'a-long-test-seed')
    expect(cli.o.funderKey).toBe(KEY)
    expect(cli.warnings).toHaveLength(2)
    expect(cli.warnings.join('\n')).toMatch(/visible to other users in ps; use the FLOODGATE_SEED env var instead/)
    expect(cli.warnings.join('\n')).toMatch(/visible to other users in ps; use the FLOODGATE_FUNDER_KEY env var or --funder-key-file instead/)
    expect(cli.warnings.join('\n')).not.toContain(KEY.slice(2))
    process.env.FLOODGATE_FUNDER_KEY = KEY
    const env = await send()
    expect(env.o.funderKey).toBe(KEY)
    expect(env.warnings).toEqual([])
    expect((await send('-p', KEY)).o.funderKey).toBe(KEY)
  })

  test('error: an empty, whitespace, short or guessable --seed or FLOODGATE_SEED is a usage error naming where it came from, never quoting it', async () => {
    for (const seed of ['', '   ', 'short12', 'aaaaaaaaaaaaaaaa', 'abababababababab']) {
      const err = await send('--seed', seed).catch((e: unknown) => e)
      expect(err, JSON.stringify(seed)).toBeInstanceOf(UsageError)
      expect((err as UsageError).message).toMatch(/^--seed: the seed (is empty|is shorter|is too easy to guess)/)
      if (seed.trim()) expect((err as UsageError).message).not.toContain(seed)
      expect((err as UsageError).hint).toMatch(/openssl rand/)
    }
    process.env.FLOODGATE_SEED = 'x'
    await expect(send()).rejects.toThrow(/^FLOODGATE_SEED: the seed is shorter than 8 characters/)
    process.env.FLOODGATE_SEED = 'scn-erc20'
    expect((await send()).o.seed).toBe('scn-erc20')
  })

  test('error: --funder-key-file /dev/zero, a directory or a missing file fail at once with the flag named', async () => {
    await expect(send('--funder-key-file', '/dev/zero')).rejects.toThrow('--funder-key-file: /dev/zero is larger than 4096 bytes: not a key file')
    await expect(send('--funder-key-file', '/tmp')).rejects.toThrow('--funder-key-file: /tmp is a directory, not a file')
    await expect(send('--funder-key-file', '/nonexistent/key')).rejects.toThrow('--funder-key-file: /nonexistent/key does not exist')
  })

  test('error: exclusive flags and bad values are usage errors', async () => {
    await expect(send('--seed', 'a', '--mnemonic', 'b')).rejects.toThrow('--seed and --mnemonic are exclusive')
    await expect(send('--funder-key', KEY, '-p', KEY)).rejects.toThrow('give the funder key once')
    await expect(send('--rpc-url', 'ws://x')).rejects.toThrow(UsageError)
    await expect(send('--receipt-timeout', '0')).rejects.toThrow('--receipt-timeout: must be longer than 0')
    process.env.FLOODGATE_FUNDER_KEY = 'nope'
    await expect(send()).rejects.toThrow('FLOODGATE_FUNDER_KEY: not a 32-byte hex private key')
  })

  test('behavior: run has its own --tps default; setup, without --tps, gets send\'s', async () => {
    expect((await resolve(runCommand, ['transfers'])).o.tps).toBe(100)
    expect((await resolve(runCommand, ['transfers', '--tps', '5'])).o.tps).toBe(5)
    const setup = await resolve(setupCommand, ['transfers', '--rpc-timeout', '4s'])
    expect(setup.o).toMatchObject({ tps: 0, retries: 3, receipts: true })
    expect(timeouts(setup.o)).toEqual([4_000, 4_000, 4_000])
    await expect(resolve(setupCommand, ['transfers', '--tps', '5'])).rejects.toThrow(/unknown option '--tps'/)
  })
})

describe('load shape flags', () => {
  test('behavior: --ramp, --tpb and --stage become the shape; a shape of its own length drops the --duration hard stop', async () => {
    const ramp = (await send('--ramp', '50:500', '--duration', '10s')).o
    expect(ramp.shape).toEqual([{ kind: 'rate', from: 50, to: 500, durationMs: 10_000 }])
    expect(ramp.durationMs).toBeUndefined()
    expect((await send('--tpb', '20')).o.shape).toEqual([{ kind: 'block', perBlock: 20, durationMs: Number.POSITIVE_INFINITY }])
    const staged = (await send('--stage', 'a=1s:10', '--stage', '2s:5/block')).o.shape
    expect(staged).toEqual([{ kind: 'rate', from: 10, to: 10, durationMs: 1_000, name: 'a' }, { kind: 'block', perBlock: 5, durationMs: 2_000, name: '2' }])
    expect((await send('--tps', '5')).o.shape).toBeUndefined()
    // run: a ramp over its default duration; its --tps default does not clash
    expect((await resolve(runCommand, ['transfers', '--ramp', '1:9'])).o.shape).toEqual([{ kind: 'rate', from: 1, to: 9, durationMs: 10_000 }])
  })

  test('error: two ways of pacing, a ramp without a duration, stages with a duration are refused', async () => {
    await expect(send('--tps', '5', '--tpb', '2')).rejects.toThrow(/--tps and --tpb are exclusive/)
    await expect(send('--ramp', '1:2')).rejects.toThrow(/--ramp needs --duration/)
    await expect(send('--stage', '1s:2', '--duration', '5s')).rejects.toThrow(/--duration and --stage are exclusive/)
    await expect(send('--tpb', '0')).rejects.toThrow(UsageError)
  })
})

describe('the option table', () => {
  test('behavior: every flag is declared once, and overrides only commands that take it', () => {
    expect(new Set(FLAGS.map((f) => f.long)).size).toBe(FLAGS.length)
    for (const f of FLAGS) {
      expect(f.commands.length, f.long).toBeGreaterThan(0)
      for (const c of COMMANDS) if (f[c] !== undefined) expect(f.commands, `--${f.long} overrides ${c}`).toContain(c)
    }
  })
})
