import type { Hex, TransactionSerializable } from 'viem'
import { afterEach, describe, expect, test } from 'vitest'
import { DERIVED_CHECKS } from '../../../src/chain/blockOutcomes.js'
import { plainReceipt, plainTx } from '../../../src/chain/plainTx.js'
import { ReceiptTracker, type ReceiptTrackerOptions } from '../../../src/chain/receiptTracker.js'
import { createLogger } from '../../../src/log.js'
import { eventSink, FakeChain, hashOf, sentOf, txResult, type FakeTx } from '../../helpers/fakeChain.js'

const log = createLogger({ level: 'silent' })
const SINK = '0x000000000000000000000000000000000000dEaD'
const GWEI = 1_000_000_000n

const running: ReceiptTracker[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop()))
})

async function track(chain: FakeChain, over: Partial<ReceiptTrackerOptions> = {}) {
  const sink = eventSink()
  const tracker = new ReceiptTracker({ rpc: chain.rpc(), emit: sink.emit, log, timeoutMs: 5_000, pollMs: 10, headPollMs: 5, source: 'block', ...over })
  running.push(tracker)
  await tracker.start()
  return { tracker, ...sink }
}

/** A 1559 transfer to `to` (the fields a worker signs), tip 1 gwei, cap 10 gwei. */
const transfer = (to: Hex = SINK): TransactionSerializable => ({ type: 'eip1559', chainId: 1, nonce: 0, to, value: 1n, gas: 21_000n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI })

/** Sends txs idx from…from+n-1 (the tx `tx(i)`), mines them in one block whose receipts say `receipt(i)`; resolves once all have their tx_receipt. */
async function block(t: Awaited<ReturnType<typeof track>>, chain: FakeChain, from: number, n: number, tx: (i: number) => TransactionSerializable, receipt: (i: number) => Partial<FakeTx> = () => ({})) {
  const idx = Array.from({ length: n }, (_, k) => from + k)
  for (const i of idx) t.tracker.sent({ ...sentOf(txResult(i, hashOf(i))), tx: tx(i) })
  // the node's receipt, as a node with base fee 1 gwei gives it: 21,000 gas at base + tip
  chain.mine(...idx.map((i) => ({ hash: hashOf(i), gasUsed: 21_000, effectiveGasPrice: 2n * GWEI, ...receipt(i) })))
  await t.until(() => idx.every((i) => t.receipts().some((e) => e.idx === i)))
  return idx.map((i) => t.receipts().find((e) => e.idx === i)!)
}

describe('receipts told by block bodies', () => {
  test('behavior: after the first receipts the block told agree with the node, later plain transfers end from the block, without their receipts being read', async () => {
    const chain = new FakeChain()
    const t = await track(chain)
    const first = await block(t, chain, 0, DERIVED_CHECKS, () => transfer())
    expect(first.map((e) => e.outcome_from)).toEqual(first.map(() => 'receipt'))
    const reads = chain.calls.get('eth_getBlockReceipts')
    const later = await block(t, chain, 100, 5, () => transfer())
    expect(later.map((e) => e.outcome_from)).toEqual(later.map(() => 'block'))
    expect(chain.calls.get('eth_getBlockReceipts')).toBe(reads)
    // what the node's receipt says: position, status, gas, base fee + tip
    expect(later[2]).toMatchObject({ tx_index: 2, status: 'success', gas_used: 21_000, effective_gas_price: (2n * GWEI).toString(), block_tx_count: 5 })
  })

  test('behavior: a chain whose receipts differ from what the block tells (an L2 charging more gas) turns it off: every receipt is read from the node, with its own figures', async () => {
    const chain = new FakeChain()
    const t = await track(chain)
    await block(t, chain, 0, DERIVED_CHECKS, () => transfer(), () => ({ gasUsed: 25_000 }))
    const later = await block(t, chain, 100, 5, () => transfer(), () => ({ gasUsed: 25_000 }))
    expect(later.map((e) => [e.outcome_from, e.gas_used])).toEqual(later.map(() => ['receipt', 25_000]))
  })

  test('behavior: a transfer to an address with code, a call, a precompile: read from the node (the revert is the receipt\'s to tell)', async () => {
    const chain = new FakeChain()
    const code = '0x00000000000000000000000000000000000c0de0' as Hex
    chain.code.set(code, '0x00')
    const t = await track(chain)
    await block(t, chain, 0, DERIVED_CHECKS, () => transfer())
    const txs = [transfer(code), { ...transfer(), data: '0x01' as Hex, gas: 50_000n }, transfer('0x0000000000000000000000000000000000000002'), transfer()]
    const later = await block(t, chain, 100, 4, (i) => txs[i - 100]!, (i) => (i === 101 ? { status: 'reverted', gasUsed: 22_000 } : {}))
    expect(later.map((e) => e.outcome_from)).toEqual(['receipt', 'receipt', 'receipt', 'block'])
    expect(later[1]).toMatchObject({ status: 'reverted', gas_used: 22_000 })
  })

  test('behavior: with --full-receipts every receipt is read from the node', async () => {
    const chain = new FakeChain()
    const t = await track(chain, { fullReceipts: true })
    await block(t, chain, 0, DERIVED_CHECKS, () => transfer())
    const later = await block(t, chain, 100, 3, () => transfer())
    expect(later.map((e) => e.outcome_from)).toEqual(['receipt', 'receipt', 'receipt'])
  })
})

describe('plainTx', () => {
  test('behavior: intrinsic gas with an access list, and the price of each fee type', () => {
    const accessList = [{ address: SINK as Hex, storageKeys: [`0x${'0'.repeat(63)}1` as Hex] }]
    const legacy = plainTx({ type: 'eip2930', chainId: 1, nonce: 0, to: SINK, gas: 30_000n, gasPrice: 7n, accessList })!
    expect(plainReceipt(legacy, 5, 0, 3n)).toMatchObject({ gasUsed: 21_000 + 2_400 + 1_900, effectiveGasPrice: '7' })
    const capped = plainTx({ ...transfer(), maxFeePerGas: (15n * GWEI) / 10n } as TransactionSerializable)!
    expect(plainReceipt(capped, 5, 0, GWEI)!.effectiveGasPrice).toBe(((15n * GWEI) / 10n).toString())
    // a fee-market tx in a block without a base fee: the block does not tell
    expect(plainReceipt(plainTx(transfer())!, 5, 0, undefined)).toBeUndefined()
    expect(plainTx({ ...transfer(), type: 'eip7702', authorizationList: [] } as TransactionSerializable)).toBeUndefined()
    expect(plainTx({ ...transfer(), to: null, data: '0x00' } as TransactionSerializable)).toBeUndefined()
  })
})
