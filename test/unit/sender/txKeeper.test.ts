import type { Hex } from 'viem'
import { afterEach, describe, expect, test } from 'vitest'
import type { Unmined } from '../../../src/sender/nonceLedger.js'
import { buildTx } from '../../../src/tx/buildTx.js'
import { refuse, reject, type NodeTx } from '../../helpers/fakeNode.js'
import { rig, SINK, stopRigs, WORKER, type Rig, type RigOptions } from './harness.js'

/** A signer's lane that sent `count` txs (idx 10, 11, …; id "s<idx>"), the node holding them all; its keeper looks every 10 ms unless `o.keeper` says otherwise. */
async function sentTxs(count: number, o: RigOptions = {}) {
  const r = await rig(o)
  const hashes: Hex[] = []
  for (let i = 0; i < count; i++) {
    const { p, failure } = await r.attempt(r.transfer({ idx: 10 + i, id: `s${10 + i}` }))
    if (failure) throw failure
    hashes.push(p.hash!)
  }
  const raws = r.node.sends.map((s) => s.raw)
  const sendsBefore = r.node.sends.length
  /** What the node was sent since the txs were: [nonce of the bytes' tx, its hash, the node's answer]. */
  const sentSince = () => r.node.sends.slice(sendsBefore).map((s) => [hashes.indexOf(s.hash), s.hash, s.fate])
  return { r, keeper: r.keeper, events: r.events, hashes, raws, sentSince }
}

/** The window's kept txs, as a test fabricates a state (a send that ended without the node's word is not kept). */
const kept = (r: Rig) => r.window.kept.unmined as Map<number, Unmined>

const pooled = (r: Rig) => r.node.pool(r.signer.address).map((t) => [t.nonce, t.hash])

afterEach(stopRigs)

describe('check', () => {
  test('behavior: nothing is done while the node counts every tx of ours (pending ≥ ours)', async () => {
    const { r, keeper, events, hashes, sentSince } = await sentTxs(3)
    expect(await keeper.check()).toBe(false)
    expect(sentSince()).toEqual([])
    expect(events).toEqual([])
    expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
    expect(r.window.kept.unmined.size).toBe(3)
  })

  test('behavior: nothing is changed while the node holds the tx at the gap but cannot run it yet (balance short): it knows it by hash; at the second such check its same bytes go again, and the node knows them', async () => {
    const { r, keeper, events, hashes, sentSince } = await sentTxs(3)
    r.node.setBalance(r.signer.address, 1n)
    expect(r.node.nonces(r.signer.address).pending).toBe(0)
    expect(await keeper.check()).toBe(false)
    expect(sentSince()).toEqual([])
    expect(await keeper.check()).toBe(false)
    expect(sentSince()).toEqual(hashes.map((h, n) => [n, h, 'already known']))
    expect(events).toEqual([])
    expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
  })

  test('behavior: a tx the node answers by hash but whose pool lost it (uncounted at two checks in a row) is rebroadcast, the same bytes, and mined', async () => {
    const { r, keeper, events, hashes, raws, sentSince } = await sentTxs(3)
    r.node.ghost(hashes[0]!)
    expect(r.node.nonces(r.signer.address).pending).toBe(0)
    // one check could meet a count that lags a send: nothing yet
    expect(await keeper.check()).toBe(false)
    expect(sentSince()).toEqual([])
    expect(await keeper.check()).toBe(false)
    expect(sentSince()[0]).toEqual([0, hashes[0], 'accepted'])
    expect(r.node.sends.find((s) => s.hash === hashes[0] && s.fate === 'accepted' && s.raw === raws[0])).toBeDefined()
    r.node.mine()
    expect(r.node.nonces(r.signer.address).latest).toBe(3)
    expect(events).toEqual([])
  })

  test('behavior: a lost tx is rebroadcast at the first check, the same bytes, and the ones after it with it', async () => {
    const { r, keeper, events, hashes, raws, sentSince } = await sentTxs(3)
    r.node.lose(hashes[1]!)
    expect(await keeper.check()).toBe(false)
    expect(sentSince()).toEqual([
      [1, hashes[1], 'accepted'],
      [2, hashes[2], 'already known'],
    ])
    expect(r.node.sends.at(-2)!.raw).toBe(raws[1])
    expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
    expect(events).toEqual([])
    // mended: the next check finds nothing to do
    expect(await keeper.check()).toBe(false)
    expect(sentSince()).toHaveLength(2)
  })

  test('behavior: a restarted node lost the whole pool: every tx is rebroadcast, in nonce order', async () => {
    const { r, keeper, hashes, sentSince } = await sentTxs(3)
    r.node.restart()
    expect(await keeper.check()).toBe(false)
    expect(sentSince()).toEqual(hashes.map((h, n) => [n, h, 'accepted']))
    expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
  })

  test('behavior: a lost tx still missing at the next check is re-signed from its spec (same nonce, same payload) at current fees with the bump, not filled: tx_replaced', async () => {
    const { r, keeper, events, hashes } = await sentTxs(3)
    const old = { ...r.window.kept.unmined.get(1)! }
    r.node.lose(hashes[1]!)
    r.node.script('eth_sendRawTransaction', reject('txpool is full')) // the rebroadcast is not taken
    expect(await keeper.check()).toBe(false)
    expect(pooled(r).map(([n]) => n)).toEqual([0, 2])
    expect(events).toEqual([])

    expect(await keeper.check()).toBe(false)
    const again = r.node.pool(r.signer.address)[1]!
    expect(again).toMatchObject<Partial<NodeTx>>({ nonce: 1, from: r.signer.address, to: SINK.toLowerCase() as Hex, value: 1n, gas: 21_000n })
    expect(again.hash).not.toBe(hashes[1])
    expect(again.maxFeePerGas! > old.maxFee! + old.maxFee! / 10n).toBe(true)
    expect(again.maxPriorityFeePerGas! > old.tip! + old.tip! / 10n).toBe(true)
    expect(r.node.nonces(r.signer.address).pending).toBe(3)
    expect(events).toEqual([
      { version: expect.any(Number), type: 'tx_replaced', idx: 11, id: 's11', nonce: 1, old_tx_hash: hashes[1], tx_hash: again.hash, reason: 'dropped', max_fee_per_gas: String(again.maxFeePerGas), replacements: 1 },
    ])
    expect(r.window.kept.unmined.get(1)).toMatchObject({ hash: again.hash, idx: 11, replacements: 1 })
  })

  test('behavior: a replacement that got no answer, the node then lacking it, is sent again at the next check, not filled', async () => {
    const { r, keeper, events, hashes } = await sentTxs(3)
    r.node.lose(hashes[1]!)
    r.node.script('eth_sendRawTransaction', reject('txpool is full')) // the rebroadcast is not taken
    expect(await keeper.check()).toBe(false)
    r.node.script('eth_sendRawTransaction', refuse()) // the replacement never reaches the node
    expect(await keeper.check()).toBe(false)
    expect(events).toEqual([])
    expect(pooled(r).map(([n]) => n)).toEqual([0, 2])
    expect(await keeper.check()).toBe(false)
    const again = r.node.pool(r.signer.address)[1]!
    expect(again).toMatchObject({ nonce: 1, to: SINK.toLowerCase(), value: 1n })
    expect(events).toEqual([expect.objectContaining({ type: 'tx_replaced', idx: 11, nonce: 1, old_tx_hash: hashes[1], tx_hash: again.hash, reason: 'dropped' })])
  })

  test('behavior: a lost tx that cannot be re-signed (no spec kept) is taken by a zero-value self-transfer at twice the fees: nonce_gap_filled, reason not_resignable', async () => {
    const { r, keeper, events, hashes, sentSince } = await sentTxs(3)
    delete r.window.kept.unmined.get(1)!.req
    r.node.lose(hashes[1]!)
    // the rebroadcast is not taken, nor the same bytes again at the next check (taken, they would not be filled)
    r.node.script('eth_sendRawTransaction', reject('txpool is full'), reject('txpool is full'))
    expect(await keeper.check()).toBe(false)
    expect(await keeper.check()).toBe(false)
    const filler = r.node.pool(r.signer.address)[1]!
    const fees = r.fees.current as Extract<typeof r.fees.current, { type: 'eip1559' }>
    expect(filler).toMatchObject<Partial<NodeTx>>({
      nonce: 1,
      from: r.signer.address,
      to: r.signer.address.toLowerCase() as Hex,
      value: 0n,
      gas: 21_000n,
      maxFeePerGas: 2n * fees.maxFeePerGas + 1n,
      maxPriorityFeePerGas: 2n * fees.maxPriorityFeePerGas + 1n,
    })
    expect(sentSince().at(-1)).toEqual([-1, filler.hash, 'accepted'])
    expect(events).toEqual([
      { version: expect.any(Number), type: 'nonce_gap_filled', worker: WORKER, signer: r.signer.address, nonce: 1, tx_hash: filler.hash, reason: 'not_resignable', lost_tx_hash: hashes[1], idx: 11, id: 's11' },
    ])
    expect(r.window.kept.unmined.get(1)).toEqual({ hash: filler.hash, raw: filler.raw, idx: -1, cost: 21_000n * filler.maxFeePerGas! })
  })

  test('behavior: a lost tx that cannot be re-signed, lost again after its rebroadcast, has its same bytes sent again while the node takes them: not filled', async () => {
    const { r, keeper, events, hashes, raws } = await sentTxs(3)
    delete kept(r).get(1)!.req
    r.node.lose(hashes[1]!)
    r.node.script('eth_sendRawTransaction', reject('txpool is full')) // the rebroadcast is not taken
    expect(await keeper.check()).toBe(false)
    expect(await keeper.check()).toBe(false)
    expect(r.node.sends.at(-1)!.raw).toBe(raws[1])
    expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
    expect(events).toEqual([])
  })

  test('behavior: a lost tx whose re-signed copy the node refuses (no funds) is filled only if the filler is taken; once funds are back, its spec lands instead', async () => {
    const { r, keeper, events, hashes } = await sentTxs(2)
    const balance = r.node.balance(r.signer.address)
    r.node.lose(hashes[0]!)
    r.node.setBalance(r.signer.address, 0n)
    expect(await keeper.check()).toBe(false) // rebroadcast: refused
    expect(await keeper.check()).toBe(false) // re-signed: refused; filler: refused
    expect(await keeper.check()).toBe(false) // the same again
    expect(events).toEqual([])
    expect(pooled(r)).toEqual([[1, hashes[1]]])

    r.node.setBalance(r.signer.address, balance)
    expect(await keeper.check()).toBe(false)
    const [again] = r.node.pool(r.signer.address)
    expect(again).toMatchObject({ nonce: 0, to: SINK.toLowerCase(), value: 1n })
    expect(events).toEqual([expect.objectContaining({ type: 'tx_replaced', idx: 10, nonce: 0, old_tx_hash: hashes[0], tx_hash: again!.hash, reason: 'dropped' })])
  })

  test('behavior: a lost tx whose re-signed copy the node refuses for funds, the filler taken: nonce_gap_filled replacement_refused, its spec told the filler and the node\'s verdict (INSUFFICIENT_FUNDS)', async () => {
    const r = await rig()
    const { keeper, events } = r
    const hashes: Hex[] = []
    for (let i = 0; i < 2; i++) {
      const { p, failure } = await r.attempt(r.transfer({ idx: 10 + i, value: 10n ** 18n }))
      if (failure) throw failure
      hashes.push(p.hash!)
    }
    r.node.lose(hashes[0]!)
    r.node.lose(hashes[1]!)
    // enough for a zero-value filler, not for the spec's 1 ETH
    r.node.setBalance(r.signer.address, 10n ** 17n)
    expect(await keeper.check()).toBe(false) // rebroadcast: refused
    expect(await keeper.check()).toBe(false) // re-signed: refused; filler: taken
    const filler = r.node.pool(r.signer.address)[0]!
    expect(filler).toMatchObject({ nonce: 0, value: 0n })
    expect(events).toEqual([expect.objectContaining({ type: 'nonce_gap_filled', nonce: 0, reason: 'replacement_refused', tx_hash: filler.hash, lost_tx_hash: hashes[0], idx: 10 })])
    expect(r.fates.filled).toEqual([[hashes[0], 'replacement_refused', filler.hash, 'INSUFFICIENT_FUNDS']])
  })

  test('behavior: check() returns true once everything sent is mined, and the ledger forgets it; a gap above the mined nonce is still mended', async () => {
    const { r, keeper, hashes, sentSince } = await sentTxs(3)
    r.node.lose(hashes[2]!)
    r.node.mine()
    expect(r.node.nonces(r.signer.address)).toEqual({ latest: 2, pending: 2 })
    expect(await keeper.check()).toBe(false)
    expect([...r.window.kept.unmined.keys()]).toEqual([2])
    expect(sentSince()).toEqual([[2, hashes[2], 'accepted']])

    r.node.mine()
    expect(await keeper.check()).toBe(true)
    expect(r.window.kept.unmined.size).toBe(0)
    expect(keeper.watching).toBe(false)
  })

  test('behavior: the next nonce forgotten (a send failed without the node\'s word, later ones accepted), no send to come: the check reads it again, the nonce the node lacks is a hole, and filling it lets the txs above it run', async () => {
    const { r, keeper, events, hashes } = await sentTxs(3)
    // the send at nonce 0 failed after its resends and the node lacks it; the ones above were accepted
    r.node.lose(hashes[0]!)
    kept(r).delete(0)
    r.window.forget()
    await keeper.check()
    expect(r.window.kept.counted).toBe(3)
    expect(r.window.kept.gaps).toEqual([0])
    await r.filler.fillGaps()
    expect(events).toEqual([expect.objectContaining({ type: 'nonce_gap_filled', nonce: 0, reason: 'refused' })])
    expect(r.node.pool(r.signer.address).map((t) => t.nonce)).toEqual([0, 1, 2])
    expect(r.node.nonces(r.signer.address).pending).toBe(3)
  })

  test('behavior: the next nonce forgotten with a nonce the node lacks below accepted txs: the next send takes that nonce, not one above them', async () => {
    const { r, events, hashes } = await sentTxs(4)
    // the send at nonce 1 failed without the node's word (the node lacks it); 0, 2 and 3 were accepted
    r.node.lose(hashes[1]!)
    kept(r).delete(1)
    r.window.forget()
    const { p, failure } = await r.attempt(r.transfer({ idx: 20 }))
    expect(failure).toBeUndefined()
    expect(p.nonce).toBe(1)
    expect(r.node.nonces(r.signer.address).pending).toBe(4)
    // the next one goes on above the accepted ones
    expect((await r.attempt(r.transfer({ idx: 21 }))).p.nonce).toBe(4)
    expect(events).toEqual([])
  })

  test('behavior: an unreachable node: check() returns false and mends nothing', async () => {
    const { r, keeper, events, hashes, sentSince } = await sentTxs(2, { budgetMs: 50 })
    r.node.lose(hashes[0]!)
    r.node.down()
    expect(await keeper.check()).toBe(false)
    expect(sentSince()).toEqual([])
    r.node.up()
    expect(pooled(r)).toEqual([[1, hashes[1]]])
    expect(events).toEqual([])
  })

  // a filler's "nonce too low" means another tx took the nonce, not that the filler was mined
  test('behavior: when another tx takes the gap nonce before the filler arrives, no nonce_gap_filled names a filler the node never took', async () => {
    const { r, keeper, events, hashes } = await sentTxs(2)
    r.node.lose(hashes[0]!)
    r.node.script('eth_sendRawTransaction', reject('txpool is full'))
    expect(await keeper.check()).toBe(false) // the rebroadcast is not taken
    // while the filler is on its way, another process's tx at nonce 0 is sent and mined
    const theirs = await r.signer.signTransaction(buildTx({ chainId: r.node.chainId, nonce: 0, to: SINK, value: 7n, gas: 21_000n }, r.fees.current))
    r.node.script('eth_sendRawTransaction', {
      kind: 'answer',
      before: async () => {
        await r.node.submit(theirs)
        r.node.mine()
      },
    })
    expect(await keeper.check()).toBe(false)
    const filled = events.filter((e) => e.type === 'nonce_gap_filled')
    for (const e of filled) expect(r.node.tx(e.tx_hash)).toBeDefined()
  })
})

describe('never included', () => {
  test('behavior: a head tx the node holds, fee fine, unmined for neverIncludedMs (and more than 3 checks) while blocks have room, is taken out of the way: a filler, nonce_gap_filled reason never_included, its spec told', async () => {
    const { r, keeper, events, hashes } = await sentTxs(2, { keeper: { roomy: () => true, neverIncludedMs: 200 } })
    // checks in quick succession (as after a transport failure) are not time: nothing yet
    for (let i = 0; i < 6; i++) expect(await keeper.check()).toBe(false)
    expect(events).toEqual([])
    await new Promise((r) => setTimeout(r, 250))
    expect(await keeper.check()).toBe(false)
    const filler = r.node.pool(r.signer.address)[0]!
    expect(filler).toMatchObject({ nonce: 0, to: r.signer.address.toLowerCase(), value: 0n })
    expect(events).toEqual([expect.objectContaining({ type: 'nonce_gap_filled', worker: WORKER, nonce: 0, reason: 'never_included', lost_tx_hash: hashes[0], idx: 10 })])
    expect(r.fates.filled).toEqual([[hashes[0], 'never_included', filler.hash]])
  })

  test('behavior: a look and the check it asks for count the head\'s wait once: a period is one check, not two', async () => {
    const { r, keeper, events, hashes } = await sentTxs(2, { keeper: { everyMs: 60_000, roomy: () => true, neverIncludedMs: 0 } })
    // two periods, each a look and the check that follows it at once
    for (let i = 0; i < 2; i++) {
      expect(await keeper.look()).toBe(false)
      await keeper.check()
    }
    expect(events).toEqual([])
    expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
    // two more periods: past 3, the head is taken out of the way
    expect(await keeper.look()).toBe(false)
    expect(await keeper.look()).toBe(true)
    await keeper.check()
    expect(events).toEqual([expect.objectContaining({ type: 'nonce_gap_filled', nonce: 0, reason: 'never_included' })])
  })

  test('behavior: while blocks are full (or fullness is unknown), a waiting head tx is left alone', async () => {
    for (const roomy of [() => false, () => undefined]) {
      const { r, keeper, events, hashes } = await sentTxs(2, { keeper: { roomy } })
      for (let i = 0; i < 6; i++) await keeper.check()
      expect(events).toEqual([])
      expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
    }
  })
})

describe('look (while sends go on)', () => {
  test('behavior: the node counts every tx of ours: no check needed, nothing sent; a lost tx: a check needed, the look itself sends nothing', async () => {
    const { r, keeper, events, hashes, sentSince } = await sentTxs(3)
    expect(await keeper.look()).toBe(false)
    r.node.lose(hashes[1]!)
    expect(await keeper.look()).toBe(true)
    expect(sentSince()).toEqual([])
    expect(events).toEqual([])
    // the check then mends it (the same bytes again)
    await keeper.check()
    expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
  })

  test('behavior: a send still in flight is not judged: the node not having it yet needs no check; a tx accepted before the look that the node lost does', async () => {
    for (const lost of [false, true]) {
      const { r, keeper, hashes } = await sentTxs(3)
      if (lost) r.node.lose(hashes[2]!)
      let looked: boolean | undefined
      // the look runs while the send at nonce 3 is on its way: the node does not count it yet
      r.node.script('eth_sendRawTransaction', { kind: 'answer', before: async () => void (looked = await keeper.look()) })
      const { failure } = await r.attempt(r.transfer({ idx: 13 }))
      expect(failure).toBeUndefined()
      expect(looked, lost ? 'the node lost nonce 2' : 'only nonce 3 was missing, and it was in flight').toBe(lost)
    }
  })

  test('behavior: a kept tx whose bid fell below the base fee needs a check', async () => {
    const { r, keeper } = await sentTxs(2)
    expect(await keeper.look()).toBe(false)
    for (const u of r.window.kept.unmined.values()) u.maxFee = 1n
    expect(await keeper.look()).toBe(true)
  })
})
