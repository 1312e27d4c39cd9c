import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { useAnvil, rpcNumber } from '../helpers/anvil.js'
import { assertAccounted, fundedEnv, jsonl, ofType, runCli, SINK, tempStateDir, transfers } from '../helpers/cli.js'
import { runSend } from '../helpers/inProcess.js'

/**
 * Issue 23, hostile input: no exception inside the reading of one line leaves that line, and
 * only a real read error of the input ends the intake (exit 1, INPUT_READ_FAILED, summary
 * reason input_failed). Real anvil; each spec that is valid is sent and mined.
 */
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`

describe('hostile input lines (real CLI, anvil)', () => {
  const anvil = useAnvil({ blockTime: 1, silent: true })

  test('behavior: a bool argument nested 5,000 deep, a duplicate key and an inexact number are each one invalid_spec; the 50 lines after them are all sent; exit 0', async () => {
    const before = await rpcNumber(anvil().url, 'eth_getBalance', [SINK, 'latest'])
    const lines = [
      `{"to":"${SINK}","signature":"f(bool)","args":[${deep(5_000)}],"id":"deep"}`,
      `{"to":"${SINK}","gas_limit":"nope","gas_limit":21000,"id":"dup"}`,
      `{"to":"${SINK}","gas_limit":21000.0000000000001,"id":"inexact-gas"}`,
      `{"to":"${SINK}","value":1e-400,"id":"inexact-value"}`,
      ...Array.from({ length: 50 }, (_, i) => JSON.stringify({ to: SINK, value: '1 wei', id: `ok-${i}` })),
    ]
    const r = await runCli(['send', '--rpc-url', anvil().url, '--pool-size', '2', '--log-level', 'warn'], { stdin: jsonl(lines), env: fundedEnv(`hostile-lines-${Date.now()}`) })
    expect(r.code, r.stderr).toBe(0)
    const summary = assertAccounted(r.events, 54)
    expect(summary).toMatchObject({ reason: 'eof', sent: 50, invalid: 4, included: 50 })
    const invalid = new Map(ofType(r.events, 'invalid_spec').map((e) => [e.id, e]))
    expect(invalid.get('deep')).toMatchObject({ line: 1, error_code: 'INVALID_ARGS' })
    expect(invalid.get('dup')).toMatchObject({ line: 2, error_code: 'DUPLICATE_KEY', field: 'gas_limit' })
    expect(invalid.get('inexact-gas')).toMatchObject({ line: 3, error_code: 'INVALID_VALUE', field: 'gas_limit' })
    expect(invalid.get('inexact-value')).toMatchObject({ line: 4, error_code: 'INVALID_VALUE', field: 'value' })
    expect(r.stderr).not.toMatch(/RangeError|call stack|input failed/)
    // the 50 valid lines were mined: 50 wei more at the sink
    expect((await rpcNumber(anvil().url, 'eth_getBalance', [SINK, 'latest'])) - before).toBe(50)
  })

  test('error: a read error of the input (--from /proc/self/mem: EIO) ends the run with INPUT_READ_FAILED, reason input_failed, exit 1', async () => {
    const r = await runCli(['send', '--rpc-url', anvil().url, '--pool-size', '1', '--from', '/proc/self/mem'], { env: fundedEnv(`hostile-eio-${Date.now()}`) })
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/\[INPUT_READ_FAILED\] reading the input failed: .*EIO/)
    expect(r.stderr).not.toMatch(/unexpected error|at .*\.js:\d+/)
    expect(r.events.at(-1)).toMatchObject({ type: 'summary', reason: 'input_failed', sent: 0 })
  })

  test('behavior: lines read before a read error are all sent and mined; the run then ends input_failed', async () => {
    async function* failing() {
      yield jsonl(Array.from({ length: 6 }, (_, i) => ({ to: SINK, value: '1 wei', id: `before-${i}` })))
      await new Promise((r) => setTimeout(r, 50))
      throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
    }
    const { events, stderr } = await runSend(anvil().url, [], { poolSize: 2, input: failing() as never })
    const summary = assertAccounted(events, 6)
    expect(summary).toMatchObject({ reason: 'input_failed', sent: 6, included: 6 })
    expect(stderr).toMatch(/INPUT_READ_FAILED/)
  })

  test('error: seeds and keys on the CLI: --funder-key-file /dev/zero, --seed "", an empty seed file, a state dir that cannot be written: one [CODE] line each, nothing sent', async () => {
    const zero = await runCli(['send', '--rpc-url', anvil().url, '--funder-key-file', '/dev/zero'], { stdin: transfers(1) })
    expect(zero.code).toBe(2)
    expect(zero.stderr).toMatch(/\[USAGE\] --funder-key-file: \/dev\/zero is larger than 4096 bytes: not a key file/)
    const empty = await runCli(['send', '--rpc-url', anvil().url, '--seed', ''], { stdin: transfers(1), env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY } })
    expect(empty.code).toBe(2)
    expect(empty.stderr).toMatch(/\[USAGE\] --seed: the seed is empty \(value not shown\) — use a long random seed/)
    const stateDir = tempStateDir()
    writeFileSync(join(stateDir, 'seed'), '\n')
    const emptyFile = await runCli(['send', '--rpc-url', anvil().url], { stdin: transfers(1), env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_STATE_DIR: stateDir } })
    expect(emptyFile.code).toBe(1)
    expect(emptyFile.stderr).toMatch(/\[SEED_REFUSED\] the seed in .*seed is empty — /)
    const sys = await runCli(['send', '--rpc-url', anvil().url], { stdin: transfers(1), env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_STATE_DIR: '/sys' } })
    expect(sys.code).toBe(1)
    expect(sys.stderr).toMatch(/\[STATE_DIR_UNUSABLE\] cannot keep the default seed in the state dir \/sys \(EACCES\) — set FLOODGATE_STATE_DIR/)
    for (const r of [zero, empty, emptyFile, sys]) {
      expect(r.stderr).not.toMatch(/unexpected error|a bug in floodgate/)
      expect(ofType(r.events, 'tx_result')).toEqual([])
    }
  })
})
