/** `send --key-derivation contender`: the pool is contender's accounts for the same seed and pool name, on a real chain (the embedded anvil). */
import { describe, expect, test } from 'vitest'
import { assertAccounted, ofType, runCli, tempStateDir, transfers } from '../helpers/cli.js'

describe('--key-derivation contender (embedded anvil)', () => {
  test('behavior: send --seed 0x2a --key-derivation contender sends from contender\'s two executors accounts (the vectors of test/unit/accounts/contenderKeys.test.ts)', async () => {
    const run = await runCli(['send', '--pool-size', '2', '--seed', '0x2a', '--key-derivation', 'contender'], { stdin: transfers(6), env: { FLOODGATE_STATE_DIR: tempStateDir() }, timeoutMs: 60_000 })
    expect(run.code, run.stderr.slice(-2_000)).toBe(0)
    expect(assertAccounted(run.events, 6)).toMatchObject({ sent: 6, failed: 0, included: 6 })
    const from = new Set(ofType(run.events, 'tx_result').map((e) => String(e.from).toLowerCase()))
    expect(from).toEqual(new Set(['0x149d3c164d61e0efa39da938ae3688d6ac109268', '0xef001ed2f9097f5b6abbe8f7b619ee1fcacb2ce3']))
  })
})
