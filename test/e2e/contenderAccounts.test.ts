/** `--key-derivation contender`: the pool is contender's accounts for the same seed and pool name, on a real chain (the embedded anvil). */
import { describe, expect, test } from 'vitest'
import { assertAccounted, ofType, runCli, tempStateDir, transfers } from '../helpers/cli.js'

/** A contender seed (a number, long enough for floodgate's seed rule) and its accounts, computed from contender's algorithm by a separate keccak/secp256k1 (as test/unit/accounts/contenderKeys.test.ts's vectors). */
const SEED = '0x8f3a5c71d2e94b06a7c3e1f5d9b2084c'
const ACCOUNTS = {
  executors: ['0xc971a9d2ae0d7c737cd9f15b1abb187d94aab721', '0x845ba549567735b6c7aee6e4c976f8d7799553f0'],
  spammers: ['0x62b8d15158208b4523c5b78f6772dfe4eb47474d', '0x946230a45abcf11db1691d3934ce7c286d67c7d3'],
}
const senders = (events: Parameters<typeof ofType>[0]) => new Set(ofType(events, 'tx_result').map((e) => String(e.from).toLowerCase()))

describe('--key-derivation contender (embedded anvil)', () => {
  test("behavior: send --key-derivation contender sends from contender's two executors accounts for the seed", async () => {
    const run = await runCli(['send', '--pool-size', '2', '--seed', SEED, '--key-derivation', 'contender'], { stdin: transfers(6), env: { FLOODGATE_STATE_DIR: tempStateDir() }, timeoutMs: 60_000 })
    expect(run.code, run.stderr.slice(-2_000)).toBe(0)
    expect(assertAccounted(run.events, 6)).toMatchObject({ sent: 6, failed: 0, included: 6 })
    expect(senders(run.events)).toEqual(new Set(ACCOUNTS.executors))
  })

  test("behavior: run transfers --key-derivation contender spams from contender's two spammers accounts for the seed", async () => {
    const run = await runCli(['run', 'transfers', '--accounts-per-pool', '2', '--seed', SEED, '--key-derivation', 'contender', '--max-txs', '6', '--log-level', 'warn'], { env: { FLOODGATE_STATE_DIR: tempStateDir() }, timeoutMs: 60_000 })
    expect(run.code, run.stderr.slice(-2_000)).toBe(0)
    expect(assertAccounted(run.events, 6)).toMatchObject({ sent: 6, failed: 0, included: 6 })
    expect(senders(run.events)).toEqual(new Set(ACCOUNTS.spammers))
  })
})
