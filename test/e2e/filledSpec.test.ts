import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { poolKeysFromSeed } from '../../src/accounts/poolKeys.js'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { rpc, rpcNumber } from '../helpers/anvil.js'
import { assertAccounted, jsonl, ofType, runCli } from '../helpers/cli.js'
import { assertReceiptInvariant } from '../helpers/receipts.js'

/**
 * Issue 21 item 5: a spec whose nonce went to a filler ends at once, not after
 * --receipt-timeout. On a real anvil that mines only when told: the spec's tx is accepted,
 * then the node loses it (anvil_dropTransaction) and its sender's balance falls below its
 * value (anvil_setBalance), so its rebroadcast and its re-signed copy are refused
 * (INSUFFICIENT_FUNDS) and its nonce goes to a zero-value filler (reason replacement_refused).
 */
const SINK = '0x000000000000000000000000000000000000dEaD'
const ETH = 10n ** 18n
const hex = (n: bigint) => `0x${n.toString(16)}`
const GAP_CHECK_MS = 2_000

describe('a spec filled over (real anvil, mining on request, then every second)', () => {
  let anvil: AnvilInstance
  beforeAll(async () => {
    anvil = await startAnvil({ noMining: true, logger: null, silent: true })
  })
  afterAll(async () => {
    await anvil?.stop()
  })

  test('behavior: its replacement refused for funds, its nonce filled: the spec ends one gap check after the filler, not after --receipt-timeout 120s (tx_timeout replacement_refused, INSUFFICIENT_FUNDS, the filler\'s hash)', async () => {
    const seed = `filled-${Date.now()}`
    const signer = privateKeyToAccount(poolKeysFromSeed(seed, 'executors', 1)[0]!).address
    await rpc(anvil.url, 'anvil_setBalance', [signer, hex(10n * ETH)])
    const arrived = new Map<string, number>()
    const started = Date.now()
    const run = await runCli(['send', '--rpc-url', anvil.url, '--log-level', 'warn', '--skip-funding', '--pool-size', '1', '--gap-check', `${GAP_CHECK_MS / 1000}s`, '--receipt-timeout', '120s'], {
      env: { FLOODGATE_SEED: seed },
      stdin: jsonl([{ to: SINK, value: '5 eth', id: 'big' }]),
      timeoutMs: 60_000,
      onSpawn: (child) => {
        let buf = ''
        child.stdout!.on('data', (chunk: Buffer) => {
          buf += chunk.toString()
          const lines = buf.split('\n')
          buf = lines.pop()!
          for (const l of lines) {
            const e = JSON.parse(l) as { type: string; tx_hash?: string; error_code?: string }
            if (!arrived.has(e.type)) arrived.set(e.type, Date.now())
            if (e.type !== 'tx_result' || e.error_code) continue
            // the node loses the tx, and the sender can no longer pay its 5 ETH; blocks come every second from now
            void (async () => {
              await rpc(anvil.url, 'anvil_dropTransaction', [e.tx_hash])
              await rpc(anvil.url, 'anvil_setBalance', [signer, hex(ETH / 100n)])
              await rpc(anvil.url, 'evm_setIntervalMining', [1])
            })()
          }
        })
      },
    })
    const ms = Date.now() - started
    expect(run.code, run.stderr.slice(-2_000)).toBe(0)
    const summary = assertAccounted(run.events, 1)
    const resolved = assertReceiptInvariant(run.events)
    expect(summary).toMatchObject({ sent: 1, included: 0, timed_out: 1 })
    const [fill] = ofType(run.events, 'nonce_gap_filled')
    const result = ofType(run.events, 'tx_result')[0]!
    expect(fill, run.stderr.slice(-2_000)).toMatchObject({ nonce: 0, reason: 'replacement_refused', lost_tx_hash: result.tx_hash, idx: 0 })
    const end = resolved.get(0)!
    expect(end).toMatchObject({ type: 'tx_timeout', id: 'big', tx_hash: result.tx_hash, pending: false, reason: 'replacement_refused', error_code: 'INSUFFICIENT_FUNDS', filler_tx_hash: fill!.tx_hash })
    // within one gap check of the filler, and nowhere near the receipt timeout
    const after = arrived.get('tx_timeout')! - arrived.get('nonce_gap_filled')!
    expect(after, `tx_timeout ${after} ms after nonce_gap_filled`).toBeLessThan(GAP_CHECK_MS)
    expect(end.waited_ms).toBeLessThan(30_000)
    expect(ms).toBeLessThan(40_000)
    // on chain: the filler holds the nonce, the spec's tx is nowhere
    expect(await rpc(anvil.url, 'eth_getTransactionReceipt', [fill!.tx_hash])).toMatchObject({ status: '0x1' })
    expect(await rpc(anvil.url, 'eth_getTransactionByHash', [result.tx_hash])).toBeNull()
    expect(await rpcNumber(anvil.url, 'eth_getTransactionCount', [signer, 'latest'])).toBe(1)
  })
})
