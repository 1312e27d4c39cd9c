/** The end-to-end contract every test node must pass (accepted sends, rejections, fees, nonce resync, a scenario), as one describe block per node. */
import { describe, expect, test } from 'vitest'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import type { Hex } from 'viem'
import { poolKeysFromSeed } from '../../src/accounts/poolKeys.js'
import { rpc, rpcNumber } from './anvil.js'
import { assertAccounted, ofType, runCli, tempStateDir, type Event } from './cli.js'
import { recordFigures } from './figures.js'
import { runSend } from './inProcess.js'
import { assertNothingLost } from './invariants.js'
import { gethForTests } from './gethForTests.js'
import { useNode, type NodeKind, type TestNodeOptions } from './nodes.js'
import { watched } from './watchedRpc.js'
import { deployRuntime } from './pay.js'

const SINK = '0x000000000000000000000000000000000000dEaD'
const results = (events: Event[]) => ofType(events, 'tx_result')
const byId = (events: Event[]) => new Map(results(events).map((r) => [r.id, r]))

export interface NodeTraits {
  /**
   * A max fee below the base fee: `refused` at once (anvil: FEE_CAP_TOO_LOW); `queued`: taken
   * into the pool to wait for the base fee to fall (Hardhat, interval mining; geth); `unmined`: accepted,
   * never mined, and by the receipt timeout no longer known by hash (Ganache 7).
   */
  lowFee: 'refused' | 'queued' | 'unmined'
}

export function describeNodeContract(kind: NodeKind, o: TestNodeOptions, traits: NodeTraits): void {
  describeOn(kind)(`the end-to-end contract on ${kind}`, () => {
    const node = useNode(kind, o)
    const send = (specs: unknown[], over: Parameters<typeof runSend>[2] = {}) => runSend(node().url, specs, { funderKey: node().devKey, receiptTimeoutMs: 30_000, ...over })

    test(`behavior (${kind}): 40 transfers over 4 signers: every one accepted, mined, with its receipt; nonces whole`, async () => {
      const specs = Array.from({ length: 40 }, (_, i) => ({ to: SINK, value: `${i + 1} wei`, id: `t${i}` }))
      const { events } = await send(specs, { poolSize: 4 })
      const outcome = await assertNothingLost(node().url, events, specs.length)
      expect(outcome).toMatchObject({ accepted: 40, failed: 0, gaps: 0, missing: 0 })
      expect(ofType(events, 'tx_receipt')).toHaveLength(40)
      expect(events.at(-1)).toMatchObject({ type: 'summary', sent: 40, included: 40 })
      recordFigures({ node: kind, test: 'accepted sends', specs: 40, included: events.at(-1)!.included })
    })

    test(`behavior (${kind}): value above the balance → INSUFFICIENT_FUNDS, the nonce used again (by a later spec, or a filler)`, async () => {
      const seed = `${kind}-funds-${Date.now()}`
      const specs = [
        { to: SINK, value: '1 wei', id: 'a' },
        { to: SINK, value: '100000 eth', id: 'too-much' },
        // more than a window of sends after it: the next one started after the refusal takes its nonce
        ...Array.from({ length: 12 }, (_, i) => ({ to: SINK, value: `${i + 1} wei`, id: `b${i}` })),
      ]
      const { events } = await send(specs, { poolSize: 1, seed })
      const r = byId(events)
      const dear = r.get('too-much')!
      expect(dear, JSON.stringify(dear)).toMatchObject({ error_code: 'INSUFFICIENT_FUNDS', nonce: r.get('a')!.nonce + 1 })
      // the refused nonce is used again: by a later spec, or (when every later spec had taken its
      // nonce before the refusal came back, as a slow answer at --in-flight 8 allows) by a filler
      const taker = results(events).find((e) => !e.error_code && e.nonce === dear.nonce)
      const filled = ofType(events, 'nonce_gap_filled').filter((f) => f.nonce === dear.nonce)
      expect([taker ? `spec ${taker.idx > dear.idx ? 'after' : 'before'}` : undefined, ...filled.map((f) => `filled ${f.reason}`)].filter(Boolean), 'the refused nonce was used again, once').toHaveLength(1)
      if (taker) expect(taker.idx).toBeGreaterThan(dear.idx)
      else expect(filled[0]!.reason).toBe('refused')
      await assertNothingLost(node().url, events, specs.length)
    })

    test(`behavior (${kind}): a gas limit below the intrinsic gas → INTRINSIC_GAS_TOO_LOW, no nonce taken`, async () => {
      const specs = [
        { to: SINK, value: '1 wei', gas_limit: 20_000, id: 'gas' },
        { to: SINK, value: '1 wei', data: `0x${'ab'.repeat(100)}`, gas_limit: 21_000, id: 'calldata-gas' },
        { to: SINK, value: '1 wei', id: 'after' },
      ]
      const { events } = await send(specs, { poolSize: 1 })
      expect(results(events).map((e) => [e.id, e.error_code ?? 'ok'])).toEqual([
        ['gas', 'INTRINSIC_GAS_TOO_LOW'],
        ['calldata-gas', 'INTRINSIC_GAS_TOO_LOW'],
        ['after', 'ok'],
      ])
      expect(byId(events).get('after')!.nonce).toBe(0)
      await assertNothingLost(node().url, events, specs.length)
    })

    test(`behavior (${kind}): a max fee below the base fee (1 wei, pinned): ${traits.lowFee === 'refused' ? 'FEE_CAP_TOO_LOW at once, no nonce taken' : 'the node accepts it; never mined, it ends in a tx_timeout'}`, async () => {
      const specs = [
        { to: SINK, value: '1 wei', max_fee_per_gas: '1 wei', id: 'fee' },
        { to: SINK, value: '1 wei', max_fee_per_gas: '1 wei', tx_type: 'legacy', id: 'legacy-fee' },
      ]
      const { events } = await send(specs, { poolSize: 1, receiptTimeoutMs: traits.lowFee === 'refused' ? 30_000 : 4_000 })
      if (traits.lowFee === 'refused') {
        expect(results(events).map((e) => e.error_code)).toEqual(['FEE_CAP_TOO_LOW', 'FEE_CAP_TOO_LOW'])
        return
      }
      // in input order: at the default --in-flight the two results come out as the node answers (CI: the second first)
      expect(results(events).sort((a, b) => a.idx - b.idx).map((e) => [e.error_code ?? 'ok', e.nonce])).toEqual([['ok', 0], ['ok', 1]])
      // not mined: the wait ends in a tx_timeout, which says whether the node still has the tx
      expect(ofType(events, 'tx_receipt')).toEqual([])
      expect(ofType(events, 'tx_timeout').map((t) => t.pending)).toEqual(traits.lowFee === 'queued' ? [true, true] : [false, false])
    })

    test(`behavior (${kind}): another process sends from a pool key mid-run: the worker resyncs its nonce, no spec lost, at --in-flight 1`, async () => {
      const seed = `${kind}-shared-${Date.now()}`
      const [key] = poolKeysFromSeed(seed, 'executors', 1)
      const victim = privateKeyToAccount(key!)
      const url = node().url
      let accepted = 0
      let external = 0
      const rpcSeam = watched(url, {
        onAccepted: async () => {
          if (++accepted !== 5) return
          // the other process: 2 txs after the worker's (mined first: Ganache's `pending` count
          // leaves its pool out), mined at once (evm_mine), so the worker's next nonce is taken
          external += (await otherProcessSends(url, victim)).length
        },
      })
      const specs = Array.from({ length: 12 }, (_, i) => ({ to: SINK, value: `${i + 1} wei`, id: `s${i}` }))
      // one send in flight: the worker is never ahead of the other process, which takes the next
      // nonces; with several in flight it may instead replace txs of ours still pooled (a foreign
      // replacement: those specs end in tx_timeout, pending false — docs/reliability.md)
      const { events } = await send(specs, { poolSize: 1, seed, rpc: rpcSeam, inFlight: 1 })
      expect(results(events).filter((r) => r.error_code).map((r) => `${r.id} ${r.error_code} ${r.error}`)).toEqual([])
      expect(results(events).some((r) => r.attempts > 1), 'a spec met the taken nonce and was resent after a resync').toBe(true)
      await assertNothingLost(url, events, specs.length, new Map([[victim.address, external]]))
    })

    test(`behavior (${kind}): another process sends from a pool key mid-run at the default --in-flight: its txs are mined, each spec mined or (its pooled tx replaced by the other process) tx_timeout pending false at a nonce the other process has on chain; nonces whole`, async () => {
      const seed = `${kind}-shared-default-${Date.now()}`
      const [key] = poolKeysFromSeed(seed, 'executors', 1)
      const victim = privateKeyToAccount(key!)
      const url = node().url
      let accepted = 0
      const foreign: Hex[] = []
      const rpcSeam = watched(url, {
        onAccepted: async () => {
          if (++accepted !== 5) return
          // the same other process as at --in-flight 1; the worker is ahead of it here, so these
          // may replace txs of ours still pooled
          foreign.push(...(await otherProcessSends(url, victim)))
        },
      })
      const specs = Array.from({ length: 12 }, (_, i) => ({ to: SINK, value: `${i + 1} wei`, id: `s${i}` }))
      const { events } = await send(specs, { poolSize: 1, seed, rpc: rpcSeam, receiptTimeoutMs: 10_000 })
      assertAccounted(events, specs.length)
      expect(results(events).filter((r) => r.error_code).map((r) => `${r.id} ${r.error_code} ${r.error}`)).toEqual([])
      // the other process's txs are on chain, at the nonces they were sent with
      expect(foreign).toHaveLength(2)
      const foreignNonces = new Set<number>()
      for (const h of foreign) {
        const tx = await rpc<{ nonce: string; blockNumber: string | null }>(url, 'eth_getTransactionByHash', [h])
        expect(tx?.blockNumber, `the other process's tx ${h} is mined`).toBeTruthy()
        foreignNonces.add(Number(BigInt(tx.nonce)))
      }
      // each spec: mined, or replaced by the other process (reported: tx_timeout, pending false)
      const mined = new Set(ofType(events, 'tx_receipt').map((e) => e.idx))
      const timeouts = new Map(ofType(events, 'tx_timeout').map((e) => [e.idx, e]))
      const replaced = results(events).filter((r) => !mined.has(r.idx))
      for (const r of replaced) {
        expect(timeouts.get(r.idx), `${r.id} at nonce ${r.nonce}: no receipt`).toMatchObject({ pending: false })
        expect(foreignNonces.has(r.nonce), `${r.id}'s nonce ${r.nonce} holds a tx of the other process`).toBe(true)
      }
      // nothing of ours beyond what was reported, no gap: the mined count is ours mined + fillers + the other process's
      const fills = ofType(events, 'nonce_gap_filled').length
      const latest = await rpcNumber(url, 'eth_getTransactionCount', [victim.address, 'latest'])
      expect(latest).toBe(specs.length - replaced.length + fills + foreign.length)
      recordFigures({ node: kind, test: 'other process at the default --in-flight', specs: specs.length, replaced: replaced.length, fills })
    })

    test(`behavior (${kind}): a tx_receipt its block body told equals the node's receipt field by field; txs to code and reverting calls are read from their receipts (paced at --tps 28, so the run spans the blocks of the checks and those after)`, async () => {
      const { url, devKey } = node()
      const [stop, reverter] = [await deployRuntime(url, devKey, '0x00'), await deployRuntime(url, devKey, '0x60006000fd')]
      const accessList = [{ address: SINK, storageKeys: [`0x${'0'.repeat(63)}1`] }]
      const kinds = [
        (i: number) => ({ to: SINK, value: `${i + 1} wei`, tx_type: 'legacy' }),
        () => ({ to: SINK, tx_type: 'eip2930', access_list: accessList }),
        (i: number) => ({ to: SINK, value: `${i + 1} wei`, tx_type: 'eip1559', access_list: accessList }),
        (i: number) => ({ to: '{_sender}', value: `${i + 1} wei` }),
        (i: number) => ({ to: stop, value: `${i + 1} wei`, kind: 'code' }),
        () => ({ to: reverter, data: '0x01', gas_limit: 50_000, kind: 'reverts' }),
      ]
      // paced over several blocks: the first plain txs' receipts are read and checked, the later ones' told by their blocks
      const specs = Array.from({ length: 84 }, (_, i) => kinds[i % kinds.length]!(i))
      const { events } = await send(specs, { poolSize: 4, tps: 28 })
      const receipts = ofType(events, 'tx_receipt')
      expect(receipts).toHaveLength(specs.length)
      for (const e of receipts) {
        const r = await rpc<Record<string, string>>(url, 'eth_getTransactionReceipt', [e.tx_hash])
        const block = await rpc<{ timestamp: string }>(url, 'eth_getBlockByNumber', [r.blockNumber, false])
        const node = { block_number: Number(r.blockNumber), block_timestamp: Number(block.timestamp), tx_index: Number(r.transactionIndex), status: BigInt(r.status!) === 1n ? 'success' : 'reverted', gas_used: Number(r.gasUsed), effective_gas_price: BigInt(r.effectiveGasPrice!).toString() }
        expect(e, `${e.outcome_from}: idx ${e.idx}`).toMatchObject(node)
      }
      const from = (kind?: string) => receipts.filter((e) => e.kind === kind).map((e) => e.outcome_from)
      expect(from('code').every((o) => o === 'receipt') && from('reverts').every((o) => o === 'receipt')).toBe(true)
      expect(receipts.filter((e) => e.kind === 'reverts').every((e) => e.status === 'reverted')).toBe(true)
      const told = from(undefined).filter((o) => o === 'block').length
      expect(told, 'plain transfers told by their blocks').toBeGreaterThanOrEqual(20)
      recordFigures({ node: kind, test: 'receipts told by blocks', specs: specs.length, told })
    })

    test(`behavior (${kind}): floodgate run erc20 (deploy, setup, spam) on chain`, async () => {
      const r = await runCli(['run', 'erc20', '--rpc-url', node().url, '--max-txs', '20', '--tps', '0', '--accounts-per-pool', '2', '--log-level', 'warn'], {
        env: { FLOODGATE_FUNDER_KEY: node().devKey, FLOODGATE_SEED: `${kind}-run-${Date.now()}`, FLOODGATE_STATE_DIR: tempStateDir() },
        timeoutMs: 80_000,
      })
      expect(r.code, r.stderr.slice(-2_000)).toBe(0)
      const summary = assertAccounted(r.events, 20)
      expect(summary).toMatchObject({ sent: 20, failed: 0, included: 20, reverted: 0 })
    })
  })
}

/** `describe` for tests on `kind`; on geth, skipped (and saying why) when there is no geth and no Go to build it. */
export function describeOn(kind: NodeKind): (name: string, fn: () => void) => void {
  const missing = kind === 'geth' ? gethForTests().missing : undefined
  return (name, fn) => (missing === undefined ? describe(name, fn) : describe.skip(`${name} (skipped: ${missing})`, fn))
}

/** A new block: evm_mine where the node has it, else (geth) the next one its block time makes. */
export async function nextBlock(url: string): Promise<void> {
  try {
    await rpc(url, 'evm_mine')
    return
  } catch {
    // no evm_mine (geth): wait for the next block
  }
  const start = await rpcNumber(url, 'eth_blockNumber')
  const deadline = Date.now() + 30_000
  while ((await rpcNumber(url, 'eth_blockNumber')) <= start) {
    if (Date.now() > deadline) throw new Error(`no block after ${start} within 30 s`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * Another process sending from a pool key: a block mined, then 2 txs at 3× the gas price at the
 * key's next nonces to be mined, then a block again. Their hashes.
 */
async function otherProcessSends(url: string, victim: PrivateKeyAccount): Promise<Hex[]> {
  await nextBlock(url)
  const next = await rpcNumber(url, 'eth_getTransactionCount', [victim.address, 'latest'])
  const gasPrice = BigInt(await rpc<string>(url, 'eth_gasPrice'))
  const hashes: Hex[] = []
  for (let k = 0; k < 2; k++) {
    const raw = await victim.signTransaction({ chainId: await rpcNumber(url, 'eth_chainId'), nonce: next + k, to: SINK, value: 7n, gas: 21_000n, gasPrice: gasPrice * 3n, type: 'legacy' })
    hashes.push(await rpc<Hex>(url, 'eth_sendRawTransaction', [raw]))
  }
  await nextBlock(url)
  return hashes
}
