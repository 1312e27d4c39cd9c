/** The one stderr line of a run whose specs mostly failed: its top error code, how many, and what to do (it still exits 0 unless an --assert fails, as k6 does). */
import { type ErrorCode, hintFor } from '../base/errors.js'

/** What to do about a spec's failure code, where one clause says it (the codes a run's errors also have: errors.ts's hints). */
const SPEC_HINTS: Partial<Record<ErrorCode, string>> = {
  INSUFFICIENT_FUNDS: 'the pool cannot pay for its txs: give floodgate a funder (FLOODGATE_FUNDER_KEY or --funder-key-file) or fund the pool yourself',
  GAS_ESTIMATION_FAILED: 'the calls revert when estimated: is the contract set up for this pool (send --from-pool the pool `setup` minted to, e.g. spammers)?',
  UNKNOWN_POOL: 'the specs name a from_pool this run does not have: pass the same --from-pool to send',
  FEE_CAP_TOO_LOW: 'the fee cap is below the base fee: raise --max-fee, or let floodgate price the txs',
  FEE_CAP_REACHED: 'the base fee rose past --max-fee: raise it, or send at a lower rate',
  RPC_TIMEOUT: 'the node answers too slowly: raise --rpc-timeout, or send at a lower rate',
  WRONG_CHAIN_ID: 'the specs or the funder are for another chain than the node',
}

/**
 * The warning for a run where more than half the specs that ended failed (specs not sent
 * because the run stopped, CANCELLED, do not count), or undefined. `errors`: the summary's.
 */
export function mostlyFailedWarning(sent: number, errors: Record<string, number>): { line: string; fields: Record<string, unknown> } | undefined {
  const failures = Object.entries(errors).filter(([code]) => code !== 'CANCELLED')
  const failed = failures.reduce((s, [, n]) => s + n, 0)
  if (failed === 0 || failed <= sent) return undefined
  const [code, count] = failures.sort((a, b) => b[1] - a[1])[0]!
  const hint = SPEC_HINTS[code as ErrorCode] ?? hintFor(code as ErrorCode)
  return {
    fields: { failed, of: failed + sent, top_code: code, top_count: count },
    line: `most specs failed: ${failed} of ${failed + sent}, ${count} with ${code}${hint ? ` — ${hint}` : ''} (the run still exits 0: --assert 'failed == 0' makes it fail)`,
  }
}
