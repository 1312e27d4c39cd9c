/** The run's funder at work beside the workers (`--keep-funded`): top-ups that follow what each account spends, asked for in batches and out of turn, and the funder's runway. */
import { formatEther, type Address } from 'viem'
import { describeError } from '../base/errors.js'
import { keyOf, type Key } from '../base/key.js'
import { sleep } from '../base/sleep.js'
import type { EventBody } from '../events/types.js'
import type { Logger } from '../log.js'
import type { SendSession } from '../sender/sendSession.js'
import type { Funds } from '../sender/purse.js'
import { SendFailure } from '../sender/txRequest.js'
import { TRANSFER_GAS } from '../tx/gasEstimator.js'
import type { FeeSnapshot } from '../tx/fees.js'
import type { Signer } from '../tx/signer.js'
import { fundAccounts } from './fundAccounts.js'
import { runwayS, type FundingTally } from './fundingFigures.js'
import { bidOf } from './spendModel.js'

/** Below this many seconds of runway at the current spend, the funder is low: `funds_low`, once. */
export const LOW_RUNWAY_S = 120
/** A top-up brings an account to this many check periods of its projected spend (it is asked for below half of that). */
const TOP_UP_PERIODS = 4n
/** How much faster the spend may be taken to grow per period than it was measured to (the base fee under full blocks: ×3.2 in 10 s of 1 s blocks). */
const MAX_GROWTH = 4

export interface TreasuryOptions {
  /** A session of its own (the funder's sender, reads and receipt tracker, apart from the workers'), cancelled by `signal` when it stops, and closed by `stop`. */
  session: (signal: AbortSignal) => SendSession
  chainId: number
  funder: Signer
  accounts: readonly Address[]
  /** What an account keeps at least. */
  minBalance: bigint
  /** How often the balances are read (`--keep-funded`). */
  everyMs: number
  /** What one account's window of txs in flight can cost at the fees the run started with (0: not known, `send`). */
  window: bigint
  /** The fees now (the window's cost grows with the fee cap). */
  fees: () => FeeSnapshot
  /** Told each top-up once the node took it, and the funder's balance at each check (the summary's `funding`). */
  tally?: FundingTally
  log: Logger
}

interface Account {
  /** Its balance after the last check's top-up. */
  last: bigint | undefined
  /** Top-ups it received since the last check (out of turn). */
  credited: bigint
  /** Its spend, wei per second: measured over the last check period, and the one before. */
  rate: bigint
  before: bigint
}

interface Ask {
  address: Address
  /** What the account lacks for the tx that asked. */
  need: bigint
  /** A window of such txs more, so that the next ones need not ask. */
  more: bigint
  /** Settles the ask (once: later calls are ignored). */
  done: (err?: Error) => void
}

/**
 * contender's keep-funded, grown into the run's treasurer. Every `everyMs` it reads the pool's
 * balances and the funder's: each account's spend since the last check (its drop, plus what it
 * was sent) is its rate, projected one period ahead by how fast it grew (under full blocks the
 * base fee rises 12.5 % a block). An account whose balance would not last two periods of that,
 * plus its window's cost at today's fee cap, is topped up to four; all of them in one batch of
 * the funder's sends. A signer that runs short between checks asks out of turn (`cover`, the
 * lanes' `Funds`): those asks are batched too. The funder's runway (its balance over the pool's
 * projected spend) below LOW_RUNWAY_S gives `funds_low`, once; a top-up it cannot pay gives
 * `funds_exhausted`, once, and from then on every ask fails FUNDS_EXHAUSTED: the tx is not sent.
 */
export class Treasury implements Funds {
  /** Ends the checks. */
  private readonly stopper = new AbortController()
  /** Cancels the funder's session: only once the top-up under way is done (its tx mined, so the last balance read is the funder's last). */
  private readonly cancel = new AbortController()
  private loop: Promise<void> | undefined
  private stopped: Promise<void> | undefined
  private readonly session: SendSession
  private readonly accounts = new Map<Key, Account>()
  private readonly baseFeeAtStart: bigint
  private emit: (e: EventBody) => void = () => {}
  /** One batch of the funder's sends at a time: the checks' and the asks' take turns. */
  private turn: Promise<void> = Promise.resolve()
  private asks: Ask[] = []
  private flushing = false
  private lastCheck = performance.now()
  private exhausted: SendFailure | undefined
  private lowSaid = false
  /** The funder's balance at the last read, and the pool's projected spend then (wei/s). */
  funderBalance: bigint | undefined
  spendPerS = 0n

  constructor(private readonly o: TreasuryOptions) {
    this.session = o.session(this.cancel.signal)
    for (const a of o.accounts) this.accounts.set(keyOf(a), { last: undefined, credited: 0n, rate: 0n, before: 0n })
    const f = o.fees()
    this.baseFeeAtStart = f.type === 'eip1559' ? f.baseFeePerGas : f.gasPrice
  }

  /** Starts the checks; `emit` writes the run's events (`funds_low`, `funds_exhausted`). */
  start(emit: (e: EventBody) => void): Funds {
    this.emit = emit
    this.loop ??= this.run()
    return this
  }

  /** Seconds until the funder runs dry at the pool's projected spend; undefined before a check, or while nothing is spent. */
  get runwayS(): number | undefined {
    return runwayS(this.funderBalance, this.spendPerS)
  }

  /** Ends the checks (a top-up under way is waited for; asks not yet answered fail CANCELLED), then the session and its receipt tracker. Once. */
  stop(): Promise<void> {
    this.stopped ??= this.end()
    return this.stopped
  }

  private async end(): Promise<void> {
    this.stopper.abort()
    try {
      await this.loop
      // a top-up under way is waited for (its receipt, within the session's timeout): a tx of the funder's mined after the run would not be in its figures
      await this.turn
    } finally {
      this.failAsks(new SendFailure('CANCELLED', 'the run stopped before the top-up'))
      this.cancel.abort()
      await this.session.close()
    }
  }

  cover(address: Address, need: bigint, more: bigint): Promise<void> {
    if (this.exhausted) return Promise.reject(this.exhausted)
    if (this.stopper.signal.aborted) return Promise.reject(new SendFailure('CANCELLED', 'the run stopped before the top-up'))
    return new Promise((resolve, reject) => {
      let settled = false
      const done = (err?: Error) => {
        if (settled) return
        settled = true
        if (err) reject(err)
        else resolve()
      }
      this.asks.push({ address, need, more, done })
      if (!this.flushing) {
        this.flushing = true
        void this.take(() => this.answerAsks())
      }
    })
  }

  /** Runs `work` in the funder's turn (one batch of its sends at a time). */
  private take(work: () => Promise<void>): Promise<void> {
    const next = this.turn.then(work)
    this.turn = next.catch(() => {})
    return next
  }

  private async run(): Promise<void> {
    const { o } = this
    for (let first = true; !this.stopper.signal.aborted && !this.exhausted; first = false) {
      // the first check at once: every later one measures the spend from it
      if (!first) await sleep(o.everyMs, this.stopper.signal)
      if (this.stopper.signal.aborted) return
      try {
        await this.take(() => this.check([]))
      } catch (err) {
        if (this.stopper.signal.aborted) return
        o.log.warn({ err: describeError(err) }, 'background top-up failed; trying again at the next check')
      }
    }
  }

  /** The asks gathered so far, in one check: each account gets what it asked for, plus two periods of its spend. */
  private async answerAsks(): Promise<void> {
    this.flushing = false
    const asks = this.asks.splice(0)
    if (asks.length === 0) return
    if (this.exhausted) return asks.forEach((a) => a.done(this.exhausted))
    try {
      await this.check(asks)
      // (an ask the funder could not pay resolves too: its purse reads the balance, and asks again, to be told FUNDS_EXHAUSTED)
      asks.forEach((a) => a.done())
    } catch (err) {
      const failure = this.exhausted ?? (err instanceof SendFailure ? err : new SendFailure('FUNDING_FAILED', `the top-up failed: ${describeError(err)}`))
      asks.forEach((a) => a.done(failure))
    }
  }

  private failAsks(err: SendFailure): void {
    for (const a of this.asks.splice(0)) a.done(err)
  }

  /**
   * One check: read every balance and the funder's, measure and project the spend, say when the
   * funder is low, and top up who will run short, and who asked (`asks`), in one batch.
   */
  private async check(asks: readonly Ask[]): Promise<void> {
    const { o } = this
    const now = performance.now()
    const dtS = Math.max(0.001, (now - this.lastCheck) / 1000)
    this.lastCheck = now
    const [funder, ...balances] = await Promise.all([o.funder.address, ...o.accounts].map((a) => this.session.reads.balanceOf(a)))
    this.funderBalance = funder!
    o.tally?.funderBalance(funder!)
    const periodS = BigInt(Math.ceil(o.everyMs / 1000))
    const window = this.windowNow()
    const targets = new Map<Address, bigint>()
    // an ask more than the funder holds is that tx's own problem, not the funder running dry: it fails alone
    const gas = this.topUpGas()
    const asked = new Map<Key, bigint>()
    const bare = new Map<Key, bigint>()
    for (const a of asks) {
      if (a.need + gas > funder!) {
        a.done(new SendFailure('INSUFFICIENT_FUNDS', `the tx needs ${formatEther(a.need)} ETH more than ${a.address} holds, and the funder holds ${formatEther(funder!)} ETH`))
        continue
      }
      asked.set(keyOf(a.address), (asked.get(keyOf(a.address)) ?? 0n) + a.need + a.more)
      bare.set(keyOf(a.address), (bare.get(keyOf(a.address)) ?? 0n) + a.need)
    }
    let spend = 0n
    o.accounts.forEach((address, i) => {
      const a = this.accounts.get(keyOf(address))!
      const balance = balances[i]!
      if (a.last !== undefined) {
        // (a check soon after the last measures little: the rate is kept unless this one saw more)
        const spent = a.last + a.credited - balance
        const rate = spent > 0n ? BigInt(Math.ceil(Number(spent) / dtS)) : 0n
        if (dtS * 1000 >= o.everyMs / 2 || rate > a.rate) {
          a.before = a.rate
          a.rate = rate
        }
      }
      a.credited = 0n
      a.last = balance
      const projected = projectRate(a.rate, a.before)
      spend += projected
      const floor = window + 2n * periodS * projected
      let want = window + TOP_UP_PERIODS * periodS * projected
      const ask = asked.get(keyOf(address))
      if (ask !== undefined && balance + ask + 2n * periodS * projected > want) want = balance + ask + 2n * periodS * projected
      if (ask !== undefined || balance < floor || balance < o.minBalance) targets.set(address, want > o.minBalance ? want : o.minBalance)
    })
    this.spendPerS = spend
    this.sayIfLow()
    if (targets.size > 0) await this.fund(targets, bare)
  }

  /** What one top-up's gas can cost the funder now. */
  private topUpGas(): bigint {
    return TRANSFER_GAS * bidOf(this.o.fees()).cap
  }

  /** The window's cost at today's fee cap: it grows with the base fee. */
  private windowNow(): bigint {
    if (this.o.window === 0n || this.baseFeeAtStart === 0n) return this.o.window
    const f = this.o.fees()
    const base = f.type === 'eip1559' ? f.baseFeePerGas : f.gasPrice
    return base > this.baseFeeAtStart ? (this.o.window * base) / this.baseFeeAtStart : this.o.window
  }

  /**
   * Tops the accounts up to their targets, in one batch. A funder that cannot pay them all pays
   * what was asked for, as far as it goes, and is exhausted from then on (`funds_exhausted`).
   */
  private async fund(targets: ReadonlyMap<Address, bigint>, bare: ReadonlyMap<Key, bigint>): Promise<void> {
    const { o } = this
    const gas = this.topUpGas()
    const balances = new Map(o.accounts.map((a) => [keyOf(a), this.accounts.get(keyOf(a))!.last ?? 0n]))
    const cost = (t: ReadonlyMap<Address, bigint>) => [...t].reduce((s, [a, v]) => s + (v > balances.get(keyOf(a))! ? v - balances.get(keyOf(a))! + gas : 0n), 0n)
    const have = this.funderBalance ?? 0n
    let pay = targets
    if (cost(pay) > have) {
      // what the signers asked for, bare, while the funder can pay it
      const bare = new Map<Address, bigint>()
      for (const a of targets.keys()) {
        const ask = bare.get(keyOf(a))
        if (ask === undefined) continue
        const next = new Map(bare).set(a, balances.get(keyOf(a))! + ask)
        if (cost(next) <= have) bare.set(a, balances.get(keyOf(a))! + ask)
      }
      pay = bare
      this.runDry(cost(targets), have)
    }
    if (pay.size === 0) return
    const r = await fundAccounts({ session: this.session, chainId: o.chainId, funder: o.funder, accounts: [...pay.keys()], minBalance: o.minBalance, targets: pay, log: o.log, quiet: true, ...(o.tally ? { onSent: o.tally.toppedUp } : {}) })
    for (const [address, amount] of r.amounts) {
      const a = this.accounts.get(keyOf(address))
      if (a) a.credited += amount
    }
  }

  /** The funder cannot pay what the pool needs (`needed`, with gas): `funds_exhausted` and one stderr line, once; every ask from now on fails FUNDS_EXHAUSTED. */
  private runDry(needed: bigint, have: bigint): void {
    if (this.exhausted) return
    const { o } = this
    const message = `the funder ${o.funder.address} holds ${formatEther(have)} ETH, and the pool's top-ups need ${formatEther(needed)} ETH`
    this.exhausted = new SendFailure('FUNDS_EXHAUSTED', `${message}: the account cannot pay this tx`)
    this.emit({ type: 'funds_exhausted', funder: o.funder.address, balance_wei: have.toString(), needed_wei: needed.toString() })
    o.log.error({ funder: o.funder.address, eth: formatEther(have), needed_eth: formatEther(needed) }, `the funder ran dry: ${message}; from now on a tx its account cannot pay ends FUNDS_EXHAUSTED, unsent`)
  }

  /** `funds_low` and one stderr line, once, when the funder will not last LOW_RUNWAY_S at the projected spend. */
  private sayIfLow(): void {
    const runway = this.runwayS
    if (this.lowSaid || runway === undefined || runway >= LOW_RUNWAY_S) return
    this.lowSaid = true
    const { funder } = this.o
    this.emit({ type: 'funds_low', funder: funder.address, balance_wei: this.funderBalance!.toString(), spend_wei_per_s: this.spendPerS.toString(), runway_s: Math.round(runway * 10) / 10 })
    this.o.log.warn(
      { funder: funder.address, eth: formatEther(this.funderBalance!), spend_eth_per_s: formatEther(this.spendPerS), runway_s: Math.round(runway) },
      `the funder holds ${formatEther(this.funderBalance!)} ETH and the pool spends ${formatEther(this.spendPerS)} ETH/s: it runs dry in about ${Math.round(runway)} s`,
    )
  }
}

/** A spend rate one period ahead: as fast as it grew over the last period (at most ×MAX_GROWTH), never less than measured. */
function projectRate(rate: bigint, before: bigint): bigint {
  if (before <= 0n || rate <= before) return rate
  const growth = Math.min(MAX_GROWTH, Number(rate) / Number(before))
  return BigInt(Math.ceil(Number(rate) * growth))
}
