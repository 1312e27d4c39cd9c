import { keccak256, type Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createHttpRpc, RpcError, TransportError, type BatchCall, type Rpc } from '../../src/rpc/rpc.js'
import { chooseSigner } from '../../src/tx/signer.js'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { assertAccounted, ofType } from '../helpers/cli.js'
import { acceptedBySender, runSend, settledNonces } from '../helpers/inProcess.js'
import { assertNothingLost } from '../helpers/invariants.js'

const SINK = '0x000000000000000000000000000000000000dEaD'

let anvil: AnvilInstance
beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n, logger: null })
})
afterAll(async () => {
  await anvil?.stop()
})

const transfers = (n: number) => Array.from({ length: n }, (_, i) => ({ to: SINK, value: `${i + 1} wei` }))

describe('JSON-RPC batches against anvil', () => {
  test('behavior: a batch of raw txs: each accepted one answers its own hash; a rejected one its own error, the rest unaffected', async () => {
    const rpc = createHttpRpc(anvil.url)
    const signer = chooseSigner().factory(DEVNET_FUNDER_KEY)
    const nonce = Number(BigInt(await rpc.request<string>('eth_getTransactionCount', [signer.address, 'pending'])))
    const sign = (n: number, gas = 21_000n) =>
      signer.signTransaction({ type: 'eip1559', chainId: 31337, nonce: n, to: SINK, value: 1n, gas, maxFeePerGas: 100_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n })
    const raws: Hex[] = await Promise.all([0, 1, 2, 3].map((i) => sign(nonce + i)))
    const badGas = await sign(nonce + 4, 20_000n) // below intrinsic gas: refused on its own
    const calls: BatchCall[] = [...raws, badGas].map((r) => ({ method: 'eth_sendRawTransaction', params: [r] }))
    const items = await rpc.batch!(calls)
    expect(items).toHaveLength(5)
    for (let i = 0; i < 4; i++) expect(items[i]).toEqual({ ok: true, result: keccak256(raws[i]!) })
    expect(items[4]!.ok).toBe(false)
    expect((items[4] as { error: unknown }).error).toBeInstanceOf(RpcError)
    expect((items[4] as { error: RpcError }).error.message).toMatch(/intrinsic gas/i)
    // the same bytes again: anvil says "already known" per item, as a definite node answer
    const again = await rpc.batch!(calls.slice(0, 2))
    expect(again.every((i) => i.ok || i.error instanceof RpcError)).toBe(true)
  })
})

describe('floodgate send with batched sends (real anvil)', () => {
  test('behavior: 16 workers, batches of 4: every spec accounted, on-chain nonces equal the accepted counts', async () => {
    const { events } = await runSend(anvil.url, transfers(400), { poolSize: 16, batchSize: 4, minBalance: 10n ** 17n })
    const summary = assertAccounted(events, 400)
    expect(summary.sent).toBe(400)
    const accepted = acceptedBySender(events)
    const mined = await settledNonces(anvil.url, [...accepted.keys()])
    for (const [addr, count] of accepted) expect(mined.get(addr)).toBe(count)
  })

  test('behavior: batches whose answer is lost after the node took them: every member asks the node, counts its tx once, no duplicate, no gap', async () => {
    const real = createHttpRpc(anvil.url)
    let batches = 0
    const lossy: Rpc = {
      displayUrl: real.displayUrl,
      request: (method, params, opts) => real.request(method, params, opts),
      async batch(calls, opts) {
        const answers = await real.batch!(calls, opts)
        if (++batches % 3 === 0) throw new TransportError('network', 'injected: batch answer lost after forwarding')
        return answers
      },
    }
    // the receipt reads go through the same lossy batches: every third one fails
    const { events } = await runSend(anvil.url, transfers(240), { rpc: lossy, poolSize: 12, batchSize: 4, minBalance: 10n ** 17n, receiptTimeoutMs: 30_000 })
    const summary = assertAccounted(events, 240)
    expect(summary.sent).toBe(240)
    expect(batches).toBeGreaterThan(10)
    // receipts read before a lost batch are kept, so a retry asks only for the rest: none of
    // them had to wait out --receipt-timeout (a block's 3 batches, every 3rd lost, once never got through)
    expect(summary.included).toBe(240)
    expect(summary.duration_ms).toBeLessThan(30_000)
    const results = ofType(events, 'tx_result')
    expect(new Set(results.map((r) => r.tx_hash)).size).toBe(240)
    const accepted = acceptedBySender(events)
    const mined = await settledNonces(anvil.url, [...accepted.keys()])
    for (const [addr, count] of accepted) expect(mined.get(addr)).toBe(count)
  })

  test('behavior: batches refused before reaching the node: the same bytes are resent, then accepted; one bad item fails alone', async () => {
    const real = createHttpRpc(anvil.url)
    let batches = 0
    const flaky: Rpc = {
      displayUrl: real.displayUrl,
      request: (method, params, opts) => real.request(method, params, opts),
      async batch(calls, opts) {
        if (++batches % 4 === 0) throw new TransportError('network', 'injected: refused before forwarding')
        return real.batch!(calls, opts)
      },
    }
    // one spec the node must refuse on its own: a value above the balance (a gas limit below
    // the intrinsic gas no longer reaches the node: floodgate refuses it before signing)
    const specs: unknown[] = transfers(120)
    specs.splice(50, 0, { to: SINK, value: '1000 eth' })
    const { events } = await runSend(anvil.url, specs, { rpc: flaky, poolSize: 8, batchSize: 4, minBalance: 10n ** 17n })
    const summary = assertAccounted(events, 121)
    expect(summary.sent).toBe(120)
    const failed = ofType(events, 'tx_result').filter((r) => r.error_code)
    expect(failed).toHaveLength(1)
    expect(failed[0]!.error_code).toBe('INSUFFICIENT_FUNDS')
    expect(ofType(events, 'tx_result').some((r) => r.attempts > 1)).toBe(true)
    // every accepted tx on chain, nonces whole: the refused nonce was taken by a later spec or, when
    // the signer's later specs had all taken theirs first (several in flight), by a 'refused' filler
    await assertNothingLost(anvil.url, events, 121)
  })
})
