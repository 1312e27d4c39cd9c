/** What the funder did for a run, as the summary and the live status line read it: one small interface, and the tally that fills it today. */
import type { SummaryEvent } from '../events/types.js'

/** The run's funding, as the summary reads it (docs/events.md, `summary.funding`). */
export interface FundingFigures {
  /** wei the funder sent to the run's accounts in this run: initial funding + top-ups */
  sentWei: bigint
  /** top-up txs during the run (after the initial funding), and their total */
  topUps: number
  topUpWei: bigint
  /** the funder's balance at the last read; undefined when there is no funder */
  funderBalanceWei?: bigint
  /** seconds until the funder runs dry at the current spend rate; undefined when not known */
  runwayS?: number
}

/** Where a run's funding figures come from: the figures now (the live line), and the last ones (the summary: top-ups stopped, and, with `read`, the funder's balance read once more). */
export interface FundingFeed {
  current(): FundingFigures
  settle(read: boolean): Promise<FundingFigures>
}

/**
 * The figures as floodgate has them today: each funding tx counted when the node took it
 * (`fundAccounts`' `onSent`), the initial funding's apart from the background top-ups', and
 * the funder's balance whenever it was read.
 */
export class FundingTally {
  private sent = 0n
  private topUps = 0
  private topUpWei = 0n
  private balance: bigint | undefined

  /** A tx of the initial funding (before the spam phase: `send`'s pool funding, `run`'s setup). */
  readonly funded = (wei: bigint): void => {
    this.sent += wei
  }

  /** A top-up tx during the run (`--keep-funded`). */
  readonly toppedUp = (wei: bigint): void => {
    this.sent += wei
    this.topUps++
    this.topUpWei += wei
  }

  /** The funder's balance, as just read. */
  funderBalance(wei: bigint): void {
    this.balance = wei
  }

  figures(): FundingFigures {
    return { sentWei: this.sent, topUps: this.topUps, topUpWei: this.topUpWei, ...(this.balance !== undefined ? { funderBalanceWei: this.balance } : {}) }
  }
}

/**
 * Seconds the funder's balance lasts at `weiPerS` (the pool's spend rate): undefined when
 * either is unknown or the pool spends nothing.
 */
export function runwayS(balanceWei: bigint | undefined, weiPerS: bigint | undefined): number | undefined {
  if (balanceWei === undefined || weiPerS === undefined || weiPerS <= 0n) return undefined
  // ms resolution in bigint (a balance passes 2^53 wei), then seconds
  return Number((balanceWei * 1000n) / weiPerS) / 1000
}

/** The figures with a runway: the feed's own when it has one, else the funder's balance at the pool's spend rate. */
export function withRunway(f: FundingFigures, weiPerS: bigint | undefined): FundingFigures {
  if (f.runwayS !== undefined) return f
  const runway = runwayS(f.funderBalanceWei, weiPerS)
  return runway === undefined ? f : { ...f, runwayS: runway }
}

/** The summary's `funding` object: wei as decimal strings, the runway in whole seconds. */
export function fundingSummary(f: FundingFigures): NonNullable<SummaryEvent['funding']> {
  return {
    sent_wei: f.sentWei.toString(),
    top_ups: f.topUps,
    top_up_wei: f.topUpWei.toString(),
    ...(f.funderBalanceWei !== undefined ? { funder_balance_wei: f.funderBalanceWei.toString() } : {}),
    ...(f.runwayS !== undefined ? { runway_s: Math.round(f.runwayS) } : {}),
  }
}
