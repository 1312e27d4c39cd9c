import { DEFAULT_HEADROOM_BLOCKS } from '../../../src/chain/chainLoad.js'
import { baseFeeAfter } from '../../../src/chain/feeOracle.js'
import { keccak256, parseTransaction, recoverTransactionAddress, type Hex, type TransactionSerialized } from 'viem'
import { afterEach, describe, expect, test } from 'vitest'
import { RpcError } from '../../../src/rpc/rpc.js'
import { buildTx } from '../../../src/tx/buildTx.js'
import { answerAfter, dropAnswer, refuse, reject, type FakeNode, type Step } from '../../helpers/fakeNode.js'
import { rig, SINK, stopRigs, type Rig } from './harness.js'

const GWEI = 1_000_000_000n

/** Another process sends from the same key: a tx at `nonce` the sender knows nothing of. */
async function otherProcessSends(r: Rig, nonce: number): Promise<Hex> {
  const raw = await r.signer.signTransaction(buildTx({ chainId: r.node.chainId, nonce, to: SINK, value: 999n, gas: 21_000n }, r.fees.current))
  return r.node.submit(raw)
}

const fates = (node: FakeNode) => node.sends.map((s) => s.fate)

afterEach(stopRigs)

describe('send', () => {
  test('behavior: accepted: the node pools the tx at the next nonce; the ledger advances by one and keeps the tx for gap checks', async () => {
    const r = await rig()
    const first = await r.attempt(r.transfer({ idx: 7, id: 'a' }))
    expect(first.failure).toBeUndefined()
    expect(first.p).toMatchObject({ nonce: 0, attempts: 1 })
    const second = await r.attempt(r.transfer({ idx: 8 }))
    expect(second.p).toMatchObject({ nonce: 1, attempts: 1 })

    const pool = r.node.pool(r.signer.address)
    expect(pool.map((t) => [t.nonce, t.hash])).toEqual([
      [0, first.p.hash],
      [1, second.p.hash],
    ])
    expect(r.node.nonces(r.signer.address)).toEqual({ latest: 0, pending: 2 })
    expect(r.window.next).toBe(2)
    expect(r.window.kept.unmined.get(0)).toMatchObject({ hash: first.p.hash, raw: pool[0]!.raw, idx: 7, id: 'a', maxFee: pool[0]!.maxFeePerGas, tip: pool[0]!.maxPriorityFeePerGas })
    expect(r.window.kept.unmined.get(1)).toMatchObject({ hash: second.p.hash, raw: pool[1]!.raw, idx: 8 })
    expect(r.window.kept.unmined.get(1)!.id).toBeUndefined()
  })

  test('behavior: "already known" (the node has these very bytes) counts as accepted and spends no second nonce', async () => {
    const r = await rig()
    expect(await r.sender.nextNonce()).toBe(0)
    // the node got these bytes elsewhere (a peer): the same fields, nonce and fees sign to the same bytes (RFC 6979)
    const req = r.transfer()
    const raw = await r.signer.signTransaction(buildTx({ ...req.fields, nonce: 0 }, r.fees.current))
    await r.node.submit(raw)

    const { p, failure } = await r.attempt(req)
    expect(failure).toBeUndefined()
    expect(p).toMatchObject({ nonce: 0, hash: keccak256(raw), attempts: 1 })
    expect(fates(r.node)).toEqual(['already known'])
    expect(r.node.pool(r.signer.address)).toHaveLength(1)
    expect(r.window.next).toBe(1)
    expect((await r.attempt()).p.nonce).toBe(1)
    expect(r.node.nonces(r.signer.address).pending).toBe(2)
  })

  describe('definite rejections', () => {
    // [what, code, the request (natural refusals of the fake node) or a scripted answer]
    const cases: [string, string, (r: Rig) => void | Parameters<Rig['transfer']>[0]][] = [
      ['insufficient funds (the node counts otherwise than the purse)', 'INSUFFICIENT_FUNDS', (r) => void r.node.script('eth_sendRawTransaction', reject('insufficient funds for gas * price + value'))],
      ['intrinsic gas too low', 'INTRINSIC_GAS_TOO_LOW', () => ({ gas: 20_000n })],
      ['gas above the block gas limit', 'GAS_LIMIT_TOO_HIGH', () => ({ gas: 40_000_000n })],
      ['wrong chain id', 'WRONG_CHAIN_ID', () => ({ chainId: 1 })],
      ['tip above the fee cap', 'TIP_ABOVE_FEE_CAP', (r) => void r.node.script('eth_sendRawTransaction', reject('max priority fee per gas higher than max fee per gas'))],
      ['tx type not supported', 'TX_TYPE_UNSUPPORTED', (r) => void r.node.script('eth_sendRawTransaction', reject('transaction type not supported'))],
      ['invalid signature', 'INVALID_SIGNATURE', (r) => void r.node.script('eth_sendRawTransaction', reject('invalid sender'))],
      ['tx too large', 'TX_TOO_LARGE', (r) => void r.node.script('eth_sendRawTransaction', reject('oversized data'))],
      ['sender reserved by the blob pool', 'SENDER_RESERVED', (r) => void r.node.script('eth_sendRawTransaction', reject('address already reserved'))],
      // an error nobody can read, for a tx the node says it lacks
      ['an unreadable error, the node lacking the tx', 'REJECTED', (r) => void r.node.script('eth_sendRawTransaction', reject('execution aborted (custom policy 17)'))],
    ]

    test.each(cases)('error: %s → SendFailure %s; the nonce is not consumed: the next send reuses it and the node sees no gap', async (_what, code, setup) => {
      const r = await rig()
      const { p, failure } = await r.attempt(r.transfer(setup(r) ?? {}))
      expect(failure?.code).toBe(code)
      expect(p).toMatchObject({ nonce: 0, attempts: 1 })
      expect(r.node.pool(r.signer.address)).toEqual([])
      expect(r.window.next).toBe(0)
      expect(r.window.kept.unmined.size).toBe(0)

      const next = await r.attempt()
      expect(next.failure).toBeUndefined()
      expect(next.p.nonce).toBe(0)
      expect(r.node.nonces(r.signer.address)).toEqual({ latest: 0, pending: 1 })
    })
  })

  describe('fee refresh', () => {
    const cases: [string, (node: FakeNode) => void, (node: FakeNode) => { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }][] = [
      [
        'the base fee rose above our cap ("max fee per gas less than block base fee")',
        (node) => (node.baseFeePerGas = 10n * GWEI),
        (node) => ({ maxFeePerGas: baseFeeAfter(node.baseFeePerGas!, DEFAULT_HEADROOM_BLOCKS) + node.tip, maxPriorityFeePerGas: node.tip }),
      ],
      [
        'the node wants a higher tip ("transaction underpriced")',
        (node) => void node.script('eth_sendRawTransaction', { ...reject('transaction underpriced: tip needed 3 gwei'), before: () => void (node.tip = 3n * GWEI) }),
        (node) => ({ maxFeePerGas: baseFeeAfter(node.baseFeePerGas!, DEFAULT_HEADROOM_BLOCKS) + 3n * GWEI, maxPriorityFeePerGas: 3n * GWEI }),
      ],
    ]

    test.each(cases)('behavior: %s → the fees are refreshed and the tx rebuilt with them, at the same nonce, and accepted', async (_what, raise, expected) => {
      const r = await rig()
      raise(r.node)
      const { p, failure } = await r.attempt()
      expect(failure).toBeUndefined()
      expect(p).toMatchObject({ nonce: 0, attempts: 2 })
      const [refused, taken] = r.node.sends
      expect(refused!.hash).not.toBe(taken!.hash)
      expect(taken).toMatchObject({ hash: p.hash, fate: 'accepted' })
      const [tx] = r.node.pool(r.signer.address)
      expect(tx).toMatchObject({ nonce: 0, hash: p.hash, ...expected(r.node) })
      expect(r.window.next).toBe(1)
    })

    test('error: a spec that pins its fee below the base fee fails at once (FEE_CAP_TOO_LOW), its nonce unspent', async () => {
      const r = await rig()
      r.node.baseFeePerGas = 10n * GWEI
      const { p, failure } = await r.attempt(r.transfer({ maxFeePerGas: 2n * GWEI }))
      expect(failure?.code).toBe('FEE_CAP_TOO_LOW')
      expect(p.attempts).toBe(1)
      expect(r.node.pool(r.signer.address)).toEqual([])
      expect(r.window.next).toBe(0)
    })

    test('error: --gas-price pins every fee: an underpriced answer fails at once', async () => {
      const r = await rig({ fees: { gasPrice: 3n * GWEI } })
      r.node.baseFeePerGas = 10n * GWEI
      const { p, failure } = await r.attempt()
      expect(failure?.code).toBe('FEE_CAP_TOO_LOW')
      expect(p.attempts).toBe(1)
      expect(r.node.pool(r.signer.address)).toEqual([])
    })

    test('error: --max-fee holds the bid down and the node still wants more after 3 refreshes → FEE_CAP_REACHED (not the node\'s FEE_CAP_TOO_LOW), the nonce unspent', async () => {
      const r = await rig({ fees: { maxFee: 3n * GWEI } })
      r.node.baseFeePerGas = 2n * GWEI // the latest block's: under the cap, so the bid is the cap itself
      await r.fees.refreshNow()
      r.node.script('eth_sendRawTransaction', ...Array.from({ length: 4 }, () => reject('max fee per gas less than block base fee')))
      const { p, failure } = await r.attempt()
      expect(failure?.code).toBe('FEE_CAP_REACHED')
      expect(p.attempts).toBe(4)
      expect(r.node.pool(r.signer.address)).toEqual([])
      expect(r.window.next).toBe(0)
    })

    test('error: the same refusals below the cap (the bid is not held down by --max-fee) stay FEE_CAP_TOO_LOW', async () => {
      const r = await rig({ fees: { maxFee: 1_000n * GWEI } })
      r.node.script('eth_sendRawTransaction', ...Array.from({ length: 4 }, () => reject('max fee per gas less than block base fee')))
      const { failure } = await r.attempt()
      expect(failure?.code).toBe('FEE_CAP_TOO_LOW')
    })

    test('error: still underpriced after 3 refreshes, a nonce read and waits for room for --max-outage (a full pool) → SendFailure UNDERPRICED, the nonce unspent', async () => {
      const r = await rig({ budgetMs: 300 })
      r.node.script('eth_sendRawTransaction', ...Array.from({ length: 100 }, () => reject('transaction underpriced')))
      const started = performance.now()
      const { p, failure } = await r.attempt()
      expect(failure?.code).toBe('UNDERPRICED')
      // 5 at once, then resends after waits until the 300 ms budget was spent
      expect(p.attempts).toBeGreaterThan(5)
      expect(performance.now() - started).toBeGreaterThanOrEqual(300)
      expect(r.node.pool(r.signer.address)).toEqual([])
      expect(r.window.next).toBe(0)
    })

    test('behavior: geth\'s full pool ("transaction underpriced" for a tx no dearer than its cheapest: fresh fees and a nonce read do not cure it) → the window shrinks, the tx is sent again after a wait and lands at its nonce', async () => {
      const r = await rig({ budgetMs: 5_000 })
      r.node.script('eth_sendRawTransaction', ...Array.from({ length: 7 }, () => reject('transaction underpriced')))
      const { p, failure } = await r.attempt()
      expect(failure).toBeUndefined()
      expect(p).toMatchObject({ nonce: 0, attempts: 8 })
      expect(r.node.pool(r.signer.address).map((t) => t.hash)).toEqual([p.hash])
      // 8 halved at each of the 3 waits, grown back by one at the acceptance
      expect(r.window.size).toBe(2)
    })
  })

  test('behavior: "transaction underpriced" that fresh fees do not cure, because another tx holds the nonce at a higher price (ganache\'s wording): the nonce is read again and the tx lands on the next one', async () => {
    const r = await rig()
    await r.sender.nextNonce()
    const theirs = await otherProcessSends(r, 0)
    r.node.script('eth_sendRawTransaction', ...Array.from({ length: 4 }, () => reject('transaction underpriced')))
    const { p, failure } = await r.attempt()
    expect(failure).toBeUndefined()
    expect(p.nonce).toBe(1)
    expect(r.node.pool(r.signer.address).map((t) => t.hash)).toEqual([theirs, p.hash])
  })

  describe('nonce resync', () => {
    const cases: [string, string, boolean][] = [
      ['another process got our nonce mined ("nonce too low")', 'nonce too low', true],
      ['another process holds our nonce in the pool ("replacement transaction underpriced")', 'replacement transaction underpriced', false],
    ]

    test.each(cases)('behavior: %s → the pending nonce is read and the tx lands on the next nonce', async (_what, answer, mined) => {
      const r = await rig()
      expect(await r.sender.nextNonce()).toBe(0)
      const theirs = await otherProcessSends(r, 0)
      if (mined) r.node.mine()

      const { p, failure } = await r.attempt()
      expect(failure).toBeUndefined()
      expect(p).toMatchObject({ nonce: 1, attempts: 2 })
      expect(fates(r.node).map((f) => f.split(':')[0])).toEqual([answer, 'accepted'])
      expect(r.node.tx(theirs)?.nonce).toBe(0)
      expect(r.node.tx(p.hash!)?.nonce).toBe(1)
      expect(r.node.nonces(r.signer.address).pending).toBe(2)
      expect(r.window.next).toBe(2)
    })

    test('error: "nonce too low" again after 3 resyncs → SendFailure NONCE_TOO_LOW; the ledger forgets its nonce and the next send reads it', async () => {
      const r = await rig()
      r.node.script('eth_sendRawTransaction', ...Array.from({ length: 4 }, () => reject('nonce too low')))
      const { p, failure } = await r.attempt()
      expect(failure?.code).toBe('NONCE_TOO_LOW')
      expect(failure?.message).toMatch(/after 3 nonce resyncs/)
      expect(p.attempts).toBe(4)
      expect(r.window.next).toBeUndefined()
      expect(r.node.pool(r.signer.address)).toEqual([])

      expect((await r.attempt()).p.nonce).toBe(0)
    })
  })

  describe('ambiguous answers', () => {
    const lost: [string, Step][] = [
      ['the connection closed', dropAnswer('network')],
      ['a timeout', dropAnswer('timeout')],
      ["a proxy's unreadable error", { kind: 'dropAnswer', error: new RpcError(-32000, 'bad gateway') }],
    ]

    test.each(lost)('behavior: the node took the tx and the answer was lost (%s) → the sender asks by hash and counts it once', async (_what, step) => {
      const r = await rig()
      r.node.script('eth_sendRawTransaction', step)
      const { p, failure } = await r.attempt()
      expect(failure).toBeUndefined()
      expect(p).toMatchObject({ nonce: 0, attempts: 1 })
      expect(fates(r.node)).toEqual(['answer lost (accepted)'])
      expect(r.node.pool(r.signer.address).map((t) => t.hash)).toEqual([p.hash])
      expect(r.window.next).toBe(1)
    })

    const refused: [string, Step, string][] = [
      ['the connection was refused', refuse(), 'refused'],
      ['"txpool is full"', reject('txpool is full'), 'txpool is full'],
    ]

    test.each(refused)('behavior: no definite answer and the node lacks the tx (%s) → the same bytes are sent again and accepted', async (_what, step, fate) => {
      const r = await rig()
      r.node.script('eth_sendRawTransaction', step)
      const { p, failure } = await r.attempt()
      expect(failure).toBeUndefined()
      expect(p).toMatchObject({ nonce: 0, attempts: 2 })
      expect(r.node.sends.map((s) => [s.hash, s.fate])).toEqual([
        [p.hash, fate],
        [p.hash, 'accepted'],
      ])
      expect(r.node.sends[0]!.raw).toBe(r.node.sends[1]!.raw)
      expect(r.node.pool(r.signer.address)).toHaveLength(1)
      expect(r.window.next).toBe(1)
    })

    test('error: refused, the node lacks the tx and no resend is left (--retries 0) → SendFailure RPC_UNAVAILABLE; the ledger forgets its nonce', async () => {
      const r = await rig({ retries: 0 })
      r.node.script('eth_sendRawTransaction', refuse())
      const { p, failure } = await r.attempt()
      expect(failure?.code).toBe('RPC_UNAVAILABLE')
      expect(p.attempts).toBe(1)
      expect(r.node.pool(r.signer.address)).toEqual([])
      expect(r.window.next).toBeUndefined()
    })

    test('behavior: answer lost, lookup lost, then the resend meets "nonce too low" because the first copy was mined → accepted, not failed', async () => {
      const r = await rig()
      r.node.script('eth_sendRawTransaction', dropAnswer(), answerAfter(() => r.node.mine()))
      r.node.script('eth_getTransactionByHash', refuse())
      const { p, failure } = await r.attempt()
      expect(failure).toBeUndefined()
      expect(p).toMatchObject({ nonce: 0, attempts: 2 })
      expect(fates(r.node).map((f) => f.split(':')[0])).toEqual(['answer lost (accepted)', 'nonce too low'])
      expect(r.node.tx(p.hash!)?.block).toBeDefined()
      expect(r.node.nonces(r.signer.address)).toEqual({ latest: 1, pending: 1 })
      expect(r.window.next).toBe(1)
    })

    test('behavior: refused, lookup lost, then "nonce too low" because another process took the nonce → the node lacks ours: resync, and it lands on the next nonce', async () => {
      const r = await rig()
      let theirs: Hex | undefined
      // the other process's tx is sent and mined while ours waits to be resent
      const takeNonce = async () => {
        theirs = await otherProcessSends(r, 0)
        r.node.mine()
      }
      r.node.script('eth_sendRawTransaction', refuse(), { kind: 'answer', before: takeNonce })
      r.node.script('eth_getTransactionByHash', refuse())
      const { p, failure } = await r.attempt()
      expect(failure).toBeUndefined()
      expect(p).toMatchObject({ nonce: 1, attempts: 3 })
      expect(fates(r.node).map((f) => f.split(':')[0])).toEqual(['refused', 'nonce too low', 'accepted'])
      expect(r.node.tx(theirs!)).toMatchObject({ nonce: 0, block: 2 })
      expect(r.node.pool(r.signer.address).map((t) => [t.nonce, t.hash])).toEqual([[1, p.hash]])
      expect(r.window.next).toBe(2)
    })

    test('error: after an ambiguous send the node cannot say whether it has the first copy (down past the budget) → SendFailure RPC_UNAVAILABLE; the ledger forgets its nonce', async () => {
      const r = await rig({ budgetMs: 60 })
      r.node.script('eth_sendRawTransaction', dropAnswer(), { ...reject('nonce too low'), before: () => r.node.down() })
      r.node.script('eth_getTransactionByHash', refuse())
      const { p, failure } = await r.attempt()
      expect(failure?.code).toBe('RPC_UNAVAILABLE')
      expect(p.attempts).toBe(2)
      expect(r.window.next).toBeUndefined()

      // the first copy is in the pool: once up, the next send reads the node's nonce and uses the next one
      r.node.up()
      expect(r.node.pool(r.signer.address).map((t) => t.hash)).toEqual([p.hash])
      expect((await r.attempt()).p.nonce).toBe(1)
    })
  })

  describe('outages', () => {
    test('behavior: an outage shorter than the NodeHealth budget is waited out: the same bytes are resent and accepted', async () => {
      const r = await rig({ budgetMs: 2_000, retries: 0 })
      await r.sender.nextNonce()
      await r.purse!.refresh() // (the signer's first send reads its balance: read before the outage, the send meets it)
      r.node.down(150)
      const { p, failure } = await r.attempt()
      expect(failure).toBeUndefined()
      expect(p.attempts).toBeGreaterThan(1)
      expect(new Set(r.node.sends.map((s) => s.hash))).toEqual(new Set([p.hash]))
      expect(fates(r.node).at(-1)).toBe('accepted')
      expect(r.node.pool(r.signer.address)).toHaveLength(1)
      expect(r.window.next).toBe(1)
    })

    test('behavior: resends while the node answered nothing do not count against --retries: back up (its first answer a probe), the same bytes go again and land', async () => {
      const r = await rig({ budgetMs: 5_000, retries: 1 })
      await r.sender.nextNonce()
      // the send and the lookups after it are refused three times (a restart); the third lookup is the first answer
      r.node.script('eth_sendRawTransaction', refuse(), refuse(), refuse())
      r.node.script('eth_getTransactionByHash', refuse(), refuse())
      const { p, failure } = await r.attempt()
      expect(failure).toBeUndefined()
      expect(p.attempts).toBe(4)
      expect(fates(r.node).at(-1)).toBe('accepted')
      expect(r.window.next).toBe(1)
    })

    test('error: the node stays down longer than the NodeHealth budget → SendFailure RPC_UNAVAILABLE; the ledger forgets its nonce', async () => {
      const r = await rig({ budgetMs: 50 })
      await r.attempt()
      r.node.down()
      const { p, failure } = await r.attempt()
      expect(failure?.code).toBe('RPC_UNAVAILABLE')
      expect(p.nonce).toBe(1)
      expect(r.health.dead).toBe(true)
      expect(r.window.next).toBeUndefined()
      expect(fates(r.node).slice(1).every((f) => f === 'refused')).toBe(true)

      // the next send reads the nonce from the node: the one that never arrived is reused, no gap
      r.node.up()
      expect((await r.attempt()).p.nonce).toBe(1)
      expect(r.node.nonces(r.signer.address).pending).toBe(2)
    })
  })

  test('behavior: dry run: the signed bytes are returned and the nonce advances; nothing reaches the node', async () => {
    const r = await rig({ dryRun: true })
    const first = await r.attempt()
    const second = await r.attempt()
    for (const [i, { p, failure }] of [first, second].entries()) {
      expect(failure).toBeUndefined()
      expect(p).toMatchObject({ nonce: i, attempts: 0 })
      expect(keccak256(p.raw!)).toBe(p.hash)
      expect(parseTransaction(p.raw!)).toMatchObject({ nonce: i, to: SINK.toLowerCase(), value: 1n })
      expect(await recoverTransactionAddress({ serializedTransaction: p.raw as TransactionSerialized })).toBe(r.signer.address)
    }
    expect(r.node.sends).toEqual([])
    expect(r.window.next).toBe(2)
    expect(r.window.kept.unmined.size).toBe(0)
  })
})

describe('rebroadcast', () => {
  test('behavior: "ok" when the node has the bytes or mined them, "unreachable" when it is down', async () => {
    const r = await rig()
    await r.attempt()
    const raw = r.node.sends[0]!.raw
    expect(await r.post.rebroadcast(raw)).toBe('ok') // already known
    r.node.mine()
    expect(await r.post.rebroadcast(raw)).toBe('ok') // nonce too low: mined
    r.node.down()
    expect(await r.post.rebroadcast(raw)).toBe('unreachable')
  })

  test('behavior: bytes the node lost are taken again; bytes it refuses are "refused"', async () => {
    const r = await rig()
    const { p } = await r.attempt()
    r.node.lose(p.hash!)
    const raw = r.node.sends[0]!.raw
    expect(await r.post.rebroadcast(raw)).toBe('ok')
    expect(r.node.pool(r.signer.address).map((t) => t.hash)).toEqual([p.hash])
    r.node.lose(p.hash!)
    r.node.setBalance(r.signer.address, 0n)
    expect(await r.post.rebroadcast(raw)).toBe('refused')
    expect(r.node.pool(r.signer.address)).toEqual([])
  })
})

describe('several sends in flight (--in-flight)', () => {
  test('behavior: sends started together take consecutive nonces at once; the node pools them all', async () => {
    const r = await rig()
    await r.sender.nextNonce()
    const sends = Array.from({ length: 4 }, (_, i) => r.attempt(r.transfer({ idx: i })))
    expect(r.window.holding).toBe(4)
    const done = await Promise.all(sends)
    expect(done.map((d) => d.p.nonce)).toEqual([0, 1, 2, 3])
    expect(r.node.pool(r.signer.address).map((t) => t.nonce)).toEqual([0, 1, 2, 3])
    expect(r.window.holding).toBe(0)
    expect(r.window.next).toBe(4)
  })

  test('behavior: nextNonce while the first sends wait for the first nonce read: it counts them (a set-code tx is estimated with the nonce it will have)', async () => {
    const r = await rig()
    const sends = Array.from({ length: 3 }, (_, i) => r.attempt(r.transfer({ idx: i })))
    expect(r.window.holding).toBe(0) // all three wait for the node's count
    expect(await r.sender.nextNonce()).toBe(3)
    // and only once the node has them: an estimate made now sees the account at nonce 3
    expect(r.node.pool(r.signer.address).map((t) => t.nonce)).toEqual([0, 1, 2])
    expect((await Promise.all(sends)).map((d) => d.p.nonce)).toEqual([0, 1, 2])
  })

  test('behavior: a definite refusal in the middle of a window gives its nonce back; the next send takes it and the node runs them all', async () => {
    const r = await rig()
    await r.sender.nextNonce()
    r.node.script('eth_sendRawTransaction', answerAfter(() => {}), reject('insufficient funds for gas * price + value'))
    const done = await Promise.all(Array.from({ length: 4 }, (_, i) => r.attempt(r.transfer({ idx: i }))))
    expect(done.map((d) => d.failure?.code)).toEqual([undefined, 'INSUFFICIENT_FUNDS', undefined, undefined])
    expect(r.window.kept.gaps).toEqual([1])
    // the node holds 0, 2, 3: 2 and 3 wait for nonce 1
    expect(r.node.nonces(r.signer.address)).toEqual({ latest: 0, pending: 1 })
    const next = await r.attempt(r.transfer({ idx: 4 }))
    expect(next.p.nonce).toBe(1)
    expect(r.window.kept.gaps).toEqual([])
    expect(r.node.nonces(r.signer.address)).toEqual({ latest: 0, pending: 4 })
  })

  test('behavior: "nonce too low" with others in flight: the nonce is read again once they settled, and every tx lands at its own nonce', async () => {
    const r = await rig()
    await r.sender.nextNonce()
    const theirs = await otherProcessSends(r, 0) // another process took nonce 0
    const done = await Promise.all(Array.from({ length: 4 }, (_, i) => r.attempt(r.transfer({ idx: i }))))
    expect(done.every((d) => !d.failure)).toBe(true)
    const pool = r.node.pool(r.signer.address)
    expect(pool.map((t) => t.nonce)).toEqual([0, 1, 2, 3, 4])
    expect(pool[0]!.hash).toBe(theirs)
    expect(new Set(done.map((d) => d.p.nonce))).toEqual(new Set([1, 2, 3, 4]))
    expect(r.window.next).toBe(5)
  })

  test('behavior: the node\'s per-account pool limit: the window halves and the tx is sent again, not failed', async () => {
    const r = await rig({ budgetMs: 5_000 })
    await r.sender.nextNonce()
    r.node.script('eth_sendRawTransaction', ...Array.from({ length: 6 }, () => answerAfter(() => {})), reject('account limit exceeded'))
    const done = await Promise.all(Array.from({ length: 8 }, (_, i) => r.attempt(r.transfer({ idx: i }))))
    expect(done.map((d) => d.failure)).toEqual(Array.from({ length: 8 }, () => undefined))
    expect(r.window.size).toBeLessThan(8)
    expect(r.node.pool(r.signer.address).map((t) => t.nonce)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    // one more in flight after each window's worth of accepted sends, up to --in-flight
    for (let i = 0; i < 40; i++) await r.attempt(r.transfer({ idx: 8 + i }))
    expect(r.window.size).toBe(8)
  })

  test('behavior: a set-code (or blob) tx is sent alone: it waits for the sends in flight, and the next waits for it', async () => {
    const r = await rig()
    await r.sender.nextNonce()
    const a = r.attempt(r.transfer({ idx: 0 }))
    const alone = r.attempt(r.transfer({ idx: 1, txType: 'eip7702' } as never))
    const c = r.attempt(r.transfer({ idx: 2 }))
    expect(r.window.holding).toBe(1) // only `a` holds a nonce: the set-code tx waits, and `c` behind it
    const done = await Promise.all([a, alone, c])
    expect(done.map((d) => [d.failure?.code, d.p.nonce])).toEqual([[undefined, 0], [undefined, 1], [undefined, 2]])
    // the node was asked in nonce order: the set-code tx only after 0 was answered, 2 only after it
    const sent = r.node.sends.map((x) => r.node.tx(x.hash)?.nonce)
    expect(sent).toEqual([0, 1, 2])
  })
})
