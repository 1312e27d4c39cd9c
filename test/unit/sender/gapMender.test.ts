import { Writable } from 'node:stream'
import type { Hex } from 'viem'
import { afterEach, describe, expect, test } from 'vitest'
import { EventWriter } from '../../../src/events/eventWriter.js'
import type { FloodgateEvent } from '../../../src/events/types.js'
import { createLogger } from '../../../src/log.js'
import { GapMender } from '../../../src/sender/gapMender.js'
import { buildTx } from '../../../src/tx/buildTx.js'
import { refuse, reject, type NodeTx } from '../../helpers/fakeNode.js'
import { rig, SINK, stopRigs, type Rig, type RigOptions } from './harness.js'

const WORKER = 3

/** A signer that sent `count` txs (idx 10, 11, …; id "s<idx>"), the node holding them all, and its gap mender. */
async function sentTxs(count: number, o: RigOptions = {}) {
  const r = await rig(o)
  const events: FloodgateEvent[] = []
  const writer = new EventWriter(new Writable({ write: (_c, _e, done) => done() }))
  writer.onEvent((e) => events.push(e))
  const mender = new GapMender({ sender: r.sender, worker: WORKER, everyMs: 10, events: writer, log: createLogger({ level: 'silent' }) })
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
  return { r, mender, events, hashes, raws, sentSince }
}

const pooled = (r: Rig) => r.node.pool(r.signer.address).map((t) => [t.nonce, t.hash])

afterEach(stopRigs)

describe('check', () => {
  test('behavior: nothing is done while the node counts every tx of ours (pending ≥ ours)', async () => {
    const { r, mender, events, hashes, sentSince } = await sentTxs(3)
    expect(await mender.check()).toBe(false)
    expect(sentSince()).toEqual([])
    expect(events).toEqual([])
    expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
    expect(r.ledger.unmined.size).toBe(3)
  })

  test('behavior: nothing is done while the node holds the tx at the gap but cannot run it yet (balance short): it knows it by hash', async () => {
    const { r, mender, events, hashes, sentSince } = await sentTxs(3)
    r.node.setBalance(r.signer.address, 1n)
    expect(r.node.nonces(r.signer.address).pending).toBe(0)
    expect(await mender.check()).toBe(false)
    expect(await mender.check()).toBe(false)
    expect(sentSince()).toEqual([])
    expect(events).toEqual([])
    expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
  })

  test('behavior: a lost tx is rebroadcast at the first check, the same bytes, and the ones after it with it', async () => {
    const { r, mender, events, hashes, raws, sentSince } = await sentTxs(3)
    r.node.lose(hashes[1]!)
    expect(await mender.check()).toBe(false)
    expect(sentSince()).toEqual([
      [1, hashes[1], 'accepted'],
      [2, hashes[2], 'already known'],
    ])
    expect(r.node.sends.at(-2)!.raw).toBe(raws[1])
    expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
    expect(events).toEqual([])
    // mended: the next check finds nothing to do
    expect(await mender.check()).toBe(false)
    expect(sentSince()).toHaveLength(2)
  })

  test('behavior: a restarted node lost the whole pool: every tx is rebroadcast, in nonce order', async () => {
    const { r, mender, hashes, sentSince } = await sentTxs(3)
    r.node.restart()
    expect(await mender.check()).toBe(false)
    expect(sentSince()).toEqual(hashes.map((h, n) => [n, h, 'accepted']))
    expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
  })

  test('behavior: a lost tx still missing at the next check is re-signed from its spec (same nonce, same payload) at current fees with the bump, not filled: tx_replaced', async () => {
    const { r, mender, events, hashes } = await sentTxs(3)
    const old = { ...r.ledger.unmined.get(1)! }
    r.node.lose(hashes[1]!)
    r.node.script('eth_sendRawTransaction', reject('txpool is full')) // the rebroadcast is not taken
    expect(await mender.check()).toBe(false)
    expect(pooled(r).map(([n]) => n)).toEqual([0, 2])
    expect(events).toEqual([])

    expect(await mender.check()).toBe(false)
    const again = r.node.pool(r.signer.address)[1]!
    expect(again).toMatchObject<Partial<NodeTx>>({ nonce: 1, from: r.signer.address, to: SINK.toLowerCase() as Hex, value: 1n, gas: 21_000n })
    expect(again.hash).not.toBe(hashes[1])
    expect(again.maxFeePerGas! > old.maxFee! + old.maxFee! / 10n).toBe(true)
    expect(again.maxPriorityFeePerGas! > old.tip! + old.tip! / 10n).toBe(true)
    expect(r.node.nonces(r.signer.address).pending).toBe(3)
    expect(events).toEqual([
      { version: expect.any(Number), type: 'tx_replaced', idx: 11, id: 's11', nonce: 1, old_tx_hash: hashes[1], tx_hash: again.hash, reason: 'dropped', max_fee_per_gas: String(again.maxFeePerGas), replacements: 1 },
    ])
    expect(r.ledger.unmined.get(1)).toMatchObject({ hash: again.hash, idx: 11, replacements: 1 })
  })

  test('behavior: a replacement that got no answer, the node then lacking it, is sent again at the next check, not filled', async () => {
    const { r, mender, events, hashes } = await sentTxs(3)
    r.node.lose(hashes[1]!)
    r.node.script('eth_sendRawTransaction', reject('txpool is full')) // the rebroadcast is not taken
    expect(await mender.check()).toBe(false)
    r.node.script('eth_sendRawTransaction', refuse()) // the replacement never reaches the node
    expect(await mender.check()).toBe(false)
    expect(events).toEqual([])
    expect(pooled(r).map(([n]) => n)).toEqual([0, 2])
    expect(await mender.check()).toBe(false)
    const again = r.node.pool(r.signer.address)[1]!
    expect(again).toMatchObject({ nonce: 1, to: SINK.toLowerCase(), value: 1n })
    expect(events).toEqual([expect.objectContaining({ type: 'tx_replaced', idx: 11, nonce: 1, old_tx_hash: hashes[1], tx_hash: again.hash, reason: 'dropped' })])
  })

  test('behavior: a lost tx that cannot be re-signed (no spec kept) is taken by a zero-value self-transfer at twice the fees: nonce_gap_filled, reason not_resignable', async () => {
    const { r, mender, events, hashes, sentSince } = await sentTxs(3)
    delete r.ledger.unmined.get(1)!.req
    r.node.lose(hashes[1]!)
    // the rebroadcast is not taken, nor the same bytes again at the next check (taken, they would not be filled)
    r.node.script('eth_sendRawTransaction', reject('txpool is full'), reject('txpool is full'))
    expect(await mender.check()).toBe(false)
    expect(await mender.check()).toBe(false)
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
    expect(r.ledger.unmined.get(1)).toEqual({ hash: filler.hash, raw: filler.raw, idx: -1 })
  })

  test('behavior: a lost tx that cannot be re-signed, lost again after its rebroadcast, has its same bytes sent again while the node takes them: not filled', async () => {
    const { r, mender, events, hashes, raws } = await sentTxs(3)
    delete r.ledger.unmined.get(1)!.req
    r.node.lose(hashes[1]!)
    r.node.script('eth_sendRawTransaction', reject('txpool is full')) // the rebroadcast is not taken
    expect(await mender.check()).toBe(false)
    expect(await mender.check()).toBe(false)
    expect(r.node.sends.at(-1)!.raw).toBe(raws[1])
    expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
    expect(events).toEqual([])
  })

  test('behavior: a lost tx whose re-signed copy the node refuses (no funds) is filled only if the filler is taken; once funds are back, its spec lands instead', async () => {
    const { r, mender, events, hashes } = await sentTxs(2)
    const balance = r.node.balance(r.signer.address)
    r.node.lose(hashes[0]!)
    r.node.setBalance(r.signer.address, 0n)
    expect(await mender.check()).toBe(false) // rebroadcast: refused
    expect(await mender.check()).toBe(false) // re-signed: refused; filler: refused
    expect(await mender.check()).toBe(false) // the same again
    expect(events).toEqual([])
    expect(pooled(r)).toEqual([[1, hashes[1]]])

    r.node.setBalance(r.signer.address, balance)
    expect(await mender.check()).toBe(false)
    const [again] = r.node.pool(r.signer.address)
    expect(again).toMatchObject({ nonce: 0, to: SINK.toLowerCase(), value: 1n })
    expect(events).toEqual([expect.objectContaining({ type: 'tx_replaced', idx: 10, nonce: 0, old_tx_hash: hashes[0], tx_hash: again!.hash, reason: 'dropped' })])
  })

  test('behavior: check() returns true once everything sent is mined, and the ledger forgets it; a gap above the mined nonce is still mended', async () => {
    const { r, mender, hashes, sentSince } = await sentTxs(3)
    r.node.lose(hashes[2]!)
    r.node.mine()
    expect(r.node.nonces(r.signer.address)).toEqual({ latest: 2, pending: 2 })
    expect(await mender.check()).toBe(false)
    expect([...r.ledger.unmined.keys()]).toEqual([2])
    expect(sentSince()).toEqual([[2, hashes[2], 'accepted']])

    r.node.mine()
    expect(await mender.check()).toBe(true)
    expect(r.ledger.unmined.size).toBe(0)
    expect(mender.watching).toBe(false)
  })

  test('behavior: the next nonce forgotten (a send failed without the node\'s word, later ones accepted), no send to come: the check reads it again, the nonce the node lacks is a hole, and filling it lets the txs above it run', async () => {
    const { r, mender, events, hashes } = await sentTxs(3, { inFlight: 8 })
    // the send at nonce 0 failed after its resends and the node lacks it; the ones above were accepted
    r.node.lose(hashes[0]!)
    r.ledger.unmined.delete(0)
    r.ledger.forget()
    await mender.check()
    expect(r.ledger.counted).toBe(3)
    expect(r.ledger.holes).toEqual([0])
    await mender.fillHoles()
    expect(events).toEqual([expect.objectContaining({ type: 'nonce_gap_filled', nonce: 0, reason: 'refused' })])
    expect(r.node.pool(r.signer.address).map((t) => t.nonce)).toEqual([0, 1, 2])
    expect(r.node.nonces(r.signer.address).pending).toBe(3)
  })

  test('behavior: the next nonce forgotten with a nonce the node lacks below accepted txs: the next send takes that nonce, not one above them', async () => {
    const { r, events, hashes } = await sentTxs(4, { inFlight: 8 })
    // the send at nonce 1 failed without the node's word (the node lacks it); 0, 2 and 3 were accepted
    r.node.lose(hashes[1]!)
    r.ledger.unmined.delete(1)
    r.ledger.forget()
    const { p, failure } = await r.attempt(r.transfer({ idx: 20 }))
    expect(failure).toBeUndefined()
    expect(p.nonce).toBe(1)
    expect(r.node.nonces(r.signer.address).pending).toBe(4)
    // the next one goes on above the accepted ones
    expect((await r.attempt(r.transfer({ idx: 21 }))).p.nonce).toBe(4)
    expect(events).toEqual([])
  })

  test('behavior: a resync never takes a nonce a look saw mined for a hole (the node\'s pending count may lag it)', async () => {
    const { r, hashes } = await sentTxs(3, { inFlight: 8 })
    // the node says pending 0 (its count lags), but a look saw nonce 1 mined: only nonces from 1 up may be holes
    r.ledger.minedBelow(1)
    r.node.lose(hashes[1]!)
    r.ledger.unmined.delete(1)
    r.ledger.forget()
    r.ledger.resume(0)
    expect(r.ledger.holes).toEqual([1])
    expect(r.ledger.next).toBe(3)
  })

  test('behavior: an unreachable node: check() returns false and mends nothing', async () => {
    const { r, mender, events, hashes, sentSince } = await sentTxs(2, { budgetMs: 50 })
    r.node.lose(hashes[0]!)
    r.node.down()
    expect(await mender.check()).toBe(false)
    expect(sentSince()).toEqual([])
    r.node.up()
    expect(pooled(r)).toEqual([[1, hashes[1]]])
    expect(events).toEqual([])
  })

  // a filler's "nonce too low" means another tx took the nonce, not that the filler was mined
  test('behavior: when another tx takes the gap nonce before the filler arrives, no nonce_gap_filled names a filler the node never took', async () => {
    const { r, mender, events, hashes } = await sentTxs(2)
    r.node.lose(hashes[0]!)
    r.node.script('eth_sendRawTransaction', reject('txpool is full'))
    expect(await mender.check()).toBe(false) // the rebroadcast is not taken
    // while the filler is on its way, another process's tx at nonce 0 is sent and mined
    const theirs = await r.signer.signTransaction(buildTx({ chainId: r.node.chainId, nonce: 0, to: SINK, value: 7n, gas: 21_000n }, r.fees.current))
    r.node.script('eth_sendRawTransaction', {
      kind: 'answer',
      before: async () => {
        await r.node.submit(theirs)
        r.node.mine()
      },
    })
    expect(await mender.check()).toBe(false)
    const filled = events.filter((e) => e.type === 'nonce_gap_filled')
    for (const e of filled) expect(r.node.tx(e.tx_hash)).toBeDefined()
  })
})

describe('never included', () => {
  test('behavior: a head tx the node holds, fee fine, unmined for neverIncludedMs (and more than 3 checks) while blocks have room, is taken out of the way: a filler, nonce_gap_filled reason never_included, its spec told', async () => {
    const { r, events, hashes } = await sentTxs(2)
    const givenUp: Hex[] = []
    const writer = new EventWriter(new Writable({ write: (_c, _e, done) => done() }))
    writer.onEvent((e) => events.push(e))
    const mender = new GapMender({ sender: r.sender, worker: WORKER, everyMs: 10, events: writer, log: createLogger({ level: 'silent' }), roomy: () => true, onNeverIncluded: (h) => givenUp.push(h), neverIncludedMs: 200 })
    // checks in quick succession (as after a transport failure) are not time: nothing yet
    for (let i = 0; i < 6; i++) expect(await mender.check()).toBe(false)
    expect(events).toEqual([])
    await new Promise((r) => setTimeout(r, 250))
    expect(await mender.check()).toBe(false)
    const filler = r.node.pool(r.signer.address)[0]!
    expect(filler).toMatchObject({ nonce: 0, to: r.signer.address.toLowerCase(), value: 0n })
    expect(events).toEqual([expect.objectContaining({ type: 'nonce_gap_filled', nonce: 0, reason: 'never_included', lost_tx_hash: hashes[0], idx: 10 })])
    expect(givenUp).toEqual([hashes[0]])
  })

  test('behavior: a look and the check it asks for count the head\'s wait once: a period is one check, not two', async () => {
    const { r, events, hashes } = await sentTxs(2)
    const writer = new EventWriter(new Writable({ write: (_c, _e, done) => done() }))
    writer.onEvent((e) => events.push(e))
    const mender = new GapMender({ sender: r.sender, worker: WORKER, everyMs: 60_000, events: writer, log: createLogger({ level: 'silent' }), roomy: () => true, neverIncludedMs: 0 })
    // two periods, each a look and the check that follows it at once
    for (let i = 0; i < 2; i++) {
      expect(await mender.look()).toBe(false)
      await mender.check()
    }
    expect(events).toEqual([])
    expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
    // two more periods: past 3, the head is taken out of the way
    expect(await mender.look()).toBe(false)
    expect(await mender.look()).toBe(true)
    await mender.check()
    expect(events).toEqual([expect.objectContaining({ type: 'nonce_gap_filled', nonce: 0, reason: 'never_included' })])
  })

  test('behavior: while blocks are full (or fullness is unknown), a waiting head tx is left alone', async () => {
    for (const roomy of [() => false, () => undefined]) {
      const { r, events, hashes } = await sentTxs(2)
      const mender = new GapMender({ sender: r.sender, worker: WORKER, everyMs: 10, events: new EventWriter(new Writable({ write: (_c, _e, done) => done() })), log: createLogger({ level: 'silent' }), roomy })
      for (let i = 0; i < 6; i++) await mender.check()
      expect(events).toEqual([])
      expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
    }
  })
})

describe('look (while sends go on)', () => {
  test('behavior: the node counts every tx of ours: no check needed, nothing sent; a lost tx: a check needed, the look itself sends nothing', async () => {
    const { r, mender, events, hashes, sentSince } = await sentTxs(3)
    expect(await mender.look()).toBe(false)
    r.node.lose(hashes[1]!)
    expect(await mender.look()).toBe(true)
    expect(sentSince()).toEqual([])
    expect(events).toEqual([])
    // the check then mends it (the same bytes again)
    await mender.check()
    expect(pooled(r)).toEqual(hashes.map((h, n) => [n, h]))
  })

  test('behavior: a send still in flight is not judged: the node not having it yet needs no check; a tx accepted before the look that the node lost does', async () => {
    for (const lost of [false, true]) {
      const { r, mender, hashes } = await sentTxs(3, { inFlight: 8 })
      if (lost) r.node.lose(hashes[2]!)
      let looked: boolean | undefined
      // the look runs while the send at nonce 3 is on its way: the node does not count it yet
      r.node.script('eth_sendRawTransaction', { kind: 'answer', before: async () => void (looked = await mender.look()) })
      const { failure } = await r.attempt(r.transfer({ idx: 13 }))
      expect(failure).toBeUndefined()
      expect(looked, lost ? 'the node lost nonce 2' : 'only nonce 3 was missing, and it was in flight').toBe(lost)
    }
  })

  test('behavior: a kept tx whose bid fell below the base fee needs a check', async () => {
    const { r, mender } = await sentTxs(2)
    expect(await mender.look()).toBe(false)
    for (const u of r.ledger.unmined.values()) u.maxFee = 1n
    expect(await mender.look()).toBe(true)
  })
})
