import { afterEach, describe, expect, test } from 'vitest'
import type { Address } from 'viem'
import { DEFAULT_IN_FLIGHT } from '../../../src/defaults.js'
import type { Funds } from '../../../src/sender/purse.js'
import { SendFailure } from '../../../src/sender/txRequest.js'
import { FakeNode } from '../../helpers/fakeNode.js'
import { rig, stopRigs } from './harness.js'

/**
 * A signer's purse (src/sender/purse.ts), through the lane's sender against the fake node: no
 * tx, alone or with the others in flight, may cost more than the account holds. The node must
 * never be sent a tx it would refuse, or later drop, as unpayable.
 */
const ETH = 10n ** 18n

afterEach(stopRigs)

/** The most a pooled tx can cost: gas × fee cap + value. */
const poolCost = (node: FakeNode, a: Address) => node.pool(a).reduce((s, t) => s + t.gas * t.maxFeePerGas + t.value, 0n)

/** A funder that credits the account at once (the treasury's part is tested on anvil), and what it was asked. */
function instantFunder(node: FakeNode, pays = true): Funds & { asked: [bigint, bigint][] } {
  const asked: [bigint, bigint][] = []
  return {
    asked,
    cover: async (address, need, more) => {
      asked.push([need, more])
      if (!pays) throw new SendFailure('FUNDS_EXHAUSTED', 'the funder cannot pay')
      node.setBalance(address, node.balance(address) + need + more)
    },
  }
}

describe('purse', () => {
  test('error: a tx the account cannot pay, no funder → INSUFFICIENT_FUNDS before the node sees it; its nonce goes to the next send', async () => {
    const r = await rig()
    const { p, failure } = await r.attempt(r.transfer({ value: 10n ** 30n }))
    expect(failure?.code).toBe('INSUFFICIENT_FUNDS')
    expect(failure?.message).toMatch(/can cost up to .* ETH .*there is no funder/)
    expect(p.attempts).toBe(0)
    expect(r.node.sends).toHaveLength(0)
    const next = await r.attempt()
    expect(next.p.nonce).toBe(0)
    expect(r.node.nonces(r.signer.address)).toEqual({ latest: 0, pending: 1 })
  })

  test('behavior: a bid the account cannot pay is lowered to what it can, when that still allows two full blocks of base-fee growth', async () => {
    const node = new FakeNode()
    const r = await rig({ node })
    const f = r.fees.current as Extract<typeof r.fees.current, { type: 'eip1559' }>
    // the policy's cap costs 21,000 × cap; the account holds 80 % of that (above 1.125² × base + tip)
    const full = 21_000n * f.maxFeePerGas
    node.setBalance(r.signer.address, (full * 8n) / 10n)
    const { failure } = await r.attempt(r.transfer({ value: 0n }))
    expect(failure).toBeUndefined()
    const [tx] = node.pool(r.signer.address)
    expect(tx!.maxFeePerGas).toBeLessThan(f.maxFeePerGas)
    expect(tx!.gas * tx!.maxFeePerGas).toBeLessThanOrEqual(node.balance(r.signer.address))
    expect(tx!.maxFeePerGas).toBeGreaterThanOrEqual((f.baseFeePerGas * 81n) / 64n + f.maxPriorityFeePerGas)
  })

  test('behavior: a window the balance cannot hold, no funder: sends wait for the mined ones, every tx lands, and the pool never holds more than the balance pays', async () => {
    const node = new FakeNode()
    const r = await rig({ node })
    const f = r.fees.current as Extract<typeof r.fees.current, { type: 'eip1559' }>
    // a window of 8 at the policy's cap would hold 8 × perTx; 6.5 are there, and 8 mined txs pay less (base + tip per gas, not the cap)
    const perTx = 21_000n * f.maxFeePerGas
    const paid = 21_000n * (f.baseFeePerGas + f.maxPriorityFeePerGas)
    expect(8n * paid).toBeLessThan((perTx * 13n) / 2n)
    node.setBalance(r.signer.address, (perTx * 13n) / 2n)
    let worst = 0n
    const miner = setInterval(() => {
      const over = poolCost(node, r.signer.address) - node.balance(r.signer.address)
      if (over > worst) worst = over
      node.mine()
    }, 50)
    try {
      const done = await Promise.all(Array.from({ length: 8 }, (_, i) => r.attempt(r.transfer({ idx: i, value: 0n }))))
      expect(done.map((d) => d.failure?.code)).toEqual(Array(8).fill(undefined))
    } finally {
      clearInterval(miner)
    }
    expect(node.nonces(r.signer.address).pending).toBe(8)
    expect(worst).toBeLessThanOrEqual(0n)
    expect(node.sends.filter((s) => s.fate.includes('insufficient'))).toHaveLength(0)
  })

  test('behavior: with a funder, a short account is topped up out of turn by the difference plus a window of such txs, and the tx goes at the fee policy\'s bid', async () => {
    const node = new FakeNode()
    const funds = instantFunder(node)
    const r = await rig({ node, funds })
    const f = r.fees.current as Extract<typeof r.fees.current, { type: 'eip1559' }>
    node.setBalance(r.signer.address, ETH / 1000n)
    const value = ETH
    const { failure } = await r.attempt(r.transfer({ value }))
    expect(failure).toBeUndefined()
    const cost = value + 21_000n * f.maxFeePerGas
    expect(funds.asked).toEqual([[cost - ETH / 1000n, BigInt(DEFAULT_IN_FLIGHT) * cost]])
    expect(node.pool(r.signer.address)[0]!.maxFeePerGas).toBe(f.maxFeePerGas)
  })

  test('error: the funder cannot pay → FUNDS_EXHAUSTED; nothing is sent', async () => {
    const node = new FakeNode()
    const funds = instantFunder(node, false)
    const r = await rig({ node, funds })
    node.setBalance(r.signer.address, ETH / 1000n)
    const { failure, p } = await r.attempt(r.transfer({ value: ETH }))
    expect(failure?.code).toBe('FUNDS_EXHAUSTED')
    expect(p.attempts).toBe(0)
    expect(node.sends).toHaveLength(0)
  })

  test('behavior: a replacement whose bump the account cannot pay: the funder is asked out of turn, then the bump goes, within the balance', async () => {
    const node = new FakeNode()
    const funds = instantFunder(node)
    const r = await rig({ node, funds })
    const f = r.fees.current as Extract<typeof r.fees.current, { type: 'eip1559' }>
    node.setBalance(r.signer.address, 21_000n * f.maxFeePerGas + 1n) // the first tx exactly (a transfer of 1 wei)
    expect((await r.attempt()).failure).toBeUndefined()
    expect(funds.asked).toEqual([])
    node.baseFeePerGas = 4n * f.baseFeePerGas
    await r.fees.refreshNow()
    const result = await r.sender.replace(0, r.window.kept.unmined.get(0)!)
    expect(result.kind).toBe('replaced')
    expect(funds.asked).toHaveLength(1)
    const [tx] = node.pool(r.signer.address)
    expect(tx!.maxFeePerGas).toBeGreaterThan(f.maxFeePerGas)
    expect(tx!.gas * tx!.maxFeePerGas + tx!.value).toBeLessThanOrEqual(node.balance(r.signer.address))
  })

  test('error: a replacement whose bump the account cannot pay, the funder exhausted → refused FUNDS_EXHAUSTED; the node is not sent it', async () => {
    const node = new FakeNode()
    const r = await rig({ node, funds: instantFunder(node, false) })
    const f = r.fees.current as Extract<typeof r.fees.current, { type: 'eip1559' }>
    node.setBalance(r.signer.address, 21_000n * f.maxFeePerGas + 1n)
    expect((await r.attempt()).failure).toBeUndefined()
    node.baseFeePerGas = 4n * f.baseFeePerGas
    await r.fees.refreshNow()
    const sends = node.sends.length
    const result = await r.sender.replace(0, r.window.kept.unmined.get(0)!)
    expect(result).toMatchObject({ kind: 'refused', code: 'FUNDS_EXHAUSTED' })
    expect(node.sends).toHaveLength(sends)
  })
})
