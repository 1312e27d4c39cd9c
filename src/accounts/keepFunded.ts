/** The background top-up of a long run: every period, pool accounts that will run short before the next check are topped up from the funder, beside the workers, never in their way. */
import { formatEther, type Address } from 'viem'
import { FloodgateError, describeError } from '../base/errors.js'
import { sleep } from '../base/sleep.js'
import type { Logger } from '../log.js'
import type { SendSession } from '../sender/sendSession.js'
import type { Signer } from '../tx/signer.js'
import { fundAccounts } from './fundAccounts.js'

export interface KeepFundedOptions {
  /** A session of its own (the funder's sender, reads and receipt tracker, apart from the workers'), cancelled by `signal` when the loop stops, and closed by `stop`. */
  session: (signal: AbortSignal) => SendSession
  chainId: number
  funder: Signer
  accounts: readonly Address[]
  /** What an account keeps at least. */
  minBalance: bigint
  /** How often the balances are read. */
  everyMs: number
  /** Told each top-up's amount once the node took its tx. */
  onTopUp?: (wei: bigint) => void
  /** Told the funder's balance, read after each round that topped up. */
  onFunderBalance?: (wei: bigint) => void
  log: Logger
}

/**
 * What an account is topped up to: the minimum, plus twice what it spent since the last check
 * (so a signer that spends fast gets enough to last until the check after the next).
 */
export function keepTarget(minBalance: bigint, spent: bigint): bigint {
  return minBalance + 2n * (spent > 0n ? spent : 0n)
}

/**
 * contender's keep-funded, for floodgate: a loop beside the workers (it shares no nonce with
 * them: the funder is not a pool signer) that reads the pool's balances every `everyMs` and
 * tops up, through {@link fundAccounts} and the session's sender units, every account below
 * its target, then waits for the top-ups to be mined before the next check. A failure is
 * logged and the loop goes on; a funder that cannot pay ends the loop with one error line.
 */
export class KeepFunded {
  private readonly stopper = new AbortController()
  private loop: Promise<void> | undefined
  /** Each account's balance after the last check (and its top-up). */
  private readonly last = new Map<Address, bigint>()
  rounds = 0
  toppedUp = 0

  private readonly session: SendSession

  constructor(private readonly o: KeepFundedOptions) {
    this.session = o.session(this.stopper.signal)
  }

  start(): void {
    this.loop ??= this.run()
  }

  /** Ends the loop (a top-up in progress is cancelled), then the session's receipt tracker. */
  async stop(): Promise<void> {
    this.stopper.abort()
    try {
      await this.loop
    } finally {
      await this.session.close()
    }
  }

  private async run(): Promise<void> {
    const { o } = this
    while (!this.stopper.signal.aborted) {
      await sleep(o.everyMs, this.stopper.signal)
      if (this.stopper.signal.aborted) return
      try {
        await this.check()
      } catch (err) {
        if (this.stopper.signal.aborted) return
        if (err instanceof FloodgateError && err.code === 'FUNDER_INSUFFICIENT') {
          o.log.error({ err: describeError(err) }, 'background top-up stopped: the funder cannot pay')
          return
        }
        o.log.warn({ err: describeError(err) }, 'background top-up failed; trying again at the next check')
      }
    }
  }

  private async check(): Promise<void> {
    const { o } = this
    const balances = await Promise.all(o.accounts.map((a) => this.session.reads.balanceOf(a)))
    const targets = new Map<Address, bigint>()
    o.accounts.forEach((a, i) => {
      const now = balances[i]!
      const target = keepTarget(o.minBalance, (this.last.get(a) ?? now) - now)
      this.last.set(a, now < target ? target : now)
      if (now < target) targets.set(a, target)
    })
    this.rounds++
    if (targets.size === 0) return
    o.log.debug({ accounts: targets.size, eth: formatEther([...targets.values()].reduce((s, v) => s + v, 0n)) }, 'background top-up')
    const r = await fundAccounts({ session: this.session, chainId: o.chainId, funder: o.funder, accounts: [...targets.keys()], minBalance: o.minBalance, targets, log: o.log, ...(o.onTopUp ? { onSent: o.onTopUp } : {}) })
    this.toppedUp += r.toppedUp
    if (o.onFunderBalance) o.onFunderBalance(await this.session.reads.balanceOf(o.funder.address))
  }
}
