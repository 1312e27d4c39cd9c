import { expect, test } from 'vitest'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import { ofType, type Event } from '../helpers/cli.js'
import { recordFigures } from '../helpers/figures.js'
import { runSend } from '../helpers/inProcess.js'
import { assertNothingLost } from '../helpers/invariants.js'
import { describeOn } from '../helpers/nodeContract.js'
import { useNode } from '../helpers/nodes.js'
import { payFrom } from '../helpers/pay.js'

/**
 * Issue 21: a funder that runs dry mid-run. The pool spends 1 ETH a second (20 tx/s of
 * 0.05 ETH); its funder holds 1.5 ETH. floodgate must say so before (`funds_low`), then when
 * it happens (`funds_exhausted`); from then on a spec its account cannot pay ends
 * FUNDS_EXHAUSTED, unsent: no INSUFFICIENT_FUNDS from the node, no filler, no timeout, and
 * every line one terminal event. On anvil and on geth (issue 22: geth's pool wants an account's
 * balance to cover all its pending txs together). The funder gets its 1.5 ETH by a transfer from
 * the node's dev key.
 */
const SINK = '0x000000000000000000000000000000000000dEaD'
const ETH = 10n ** 18n

for (const kind of ['anvil', 'geth'] as const) {
  describeOn(kind)(`a funder that runs dry (${kind}, 1 s blocks)`, () => {
    const node = useNode(kind, { blockTime: 1 })

    test(`behavior (${kind}): --keep-funded 1s (non-default period), a funder of 1.5 ETH for a pool spending 1 ETH/s: funds_low, then funds_exhausted, then FUNDS_EXHAUSTED for the specs left; nothing filled, nothing lost`, { timeout: 60_000 }, async () => {
      const funderKey = generatePrivateKey()
      const funder = privateKeyToAddress(funderKey)
      await payFrom(node().url, node().devKey, [funder], (3n * ETH) / 2n)
      const specs = Array.from({ length: 100 }, (_, i) => ({ to: SINK, value: '0.05 eth', id: `d${i}` }))
      const { events, stderr } = await runSend(node().url, specs, { poolSize: 4, tps: 20, funderKey, keepFundedMs: 1_000, minBalance: ETH / 10n, seed: `dry-${Date.now()}` })

      const low = ofType(events, 'funds_low')
      const exhausted = ofType(events, 'funds_exhausted')
      expect(low).toHaveLength(1)
      expect(exhausted).toHaveLength(1)
      expect(events.indexOf(low[0]!)).toBeLessThan(events.indexOf(exhausted[0]!))
      expect(low[0]).toMatchObject({ funder })
      expect(low[0]!.runway_s).toBeLessThan(120)
      expect(BigInt(exhausted[0]!.needed_wei)).toBeGreaterThan(BigInt(exhausted[0]!.balance_wei))

      const results = ofType(events, 'tx_result')
      const codes = new Map<string, number>()
      for (const r of results) codes.set(r.error_code ?? 'ok', (codes.get(r.error_code ?? 'ok') ?? 0) + 1)
      // what the pool and the funder held pays for some of the specs; the rest end FUNDS_EXHAUSTED, unsent
      expect(codes.get('ok')).toBeGreaterThan(10)
      expect(codes.get('FUNDS_EXHAUSTED')).toBeGreaterThan(10)
      expect([...codes.keys()].sort()).toEqual(['FUNDS_EXHAUSTED', 'ok'])
      const unsent = results.filter((r: Event) => r.error_code === 'FUNDS_EXHAUSTED')
      expect(unsent.every((r: Event) => r.tx_hash === undefined)).toBe(true)
      // after the first FUNDS_EXHAUSTED, the funder sent nothing more
      expect(events.indexOf(exhausted[0]!)).toBeLessThan(events.indexOf(unsent[0]!))

      expect(ofType(events, 'nonce_gap_filled')).toHaveLength(0)
      expect(ofType(events, 'tx_timeout')).toHaveLength(0)
      const o = await assertNothingLost(node().url, events, specs.length)
      expect(o.gaps).toBe(0)
      expect(stderr).toMatch(/runs dry in about \d+ s/)
      expect(stderr).toMatch(/the funder ran dry/)
      recordFigures({ node: kind, test: 'funder runs dry', specs: specs.length, ok: codes.get('ok') ?? 0, funds_exhausted: codes.get('FUNDS_EXHAUSTED') ?? 0, runway_s_at_low: low[0]!.runway_s })
    })
  })
}
