import { describe, expect, test } from 'vitest'
import { FundingTally, fundingSummary, runwayS, withRunway } from '../../../src/accounts/fundingFigures.js'

const ETH = 10n ** 18n

describe('funding figures', () => {
  test('behavior: the tally counts the initial funding and the top-ups apart; the summary carries wei as decimal strings', () => {
    const t = new FundingTally()
    expect(fundingSummary(t.figures())).toEqual({ sent_wei: '0', top_ups: 0, top_up_wei: '0' })
    t.funded(ETH)
    t.funded(ETH)
    t.toppedUp(ETH / 4n)
    t.funderBalance(10n ** 22n)
    expect(t.figures()).toEqual({ sentWei: 2n * ETH + ETH / 4n, topUps: 1, topUpWei: ETH / 4n, funderBalanceWei: 10n ** 22n })
    expect(fundingSummary(withRunway(t.figures(), ETH))).toEqual({ sent_wei: '2250000000000000000', top_ups: 1, top_up_wei: '250000000000000000', funder_balance_wei: '10000000000000000000000', runway_s: 10_000 })
  })

  test('behavior: the runway is the balance at the spend rate, to the ms; unknown without a balance, a rate, or any spend; a feed\'s own runway wins', () => {
    expect(runwayS(3n * ETH, ETH / 2n)).toBe(6)
    // past 2^53 wei and seconds, still a number: 1 ETH at 3 wei/s
    expect(runwayS(ETH, 3n)! / (1e18 / 3)).toBeCloseTo(1, 12)
    expect(runwayS(undefined, ETH)).toBeUndefined()
    expect(runwayS(ETH, undefined)).toBeUndefined()
    expect(runwayS(ETH, 0n)).toBeUndefined()
    expect(withRunway({ sentWei: 0n, topUps: 0, topUpWei: 0n, funderBalanceWei: ETH, runwayS: 42 }, ETH).runwayS).toBe(42)
    expect(withRunway({ sentWei: 0n, topUps: 0, topUpWei: 0n }, ETH)).not.toHaveProperty('runwayS')
  })
})
