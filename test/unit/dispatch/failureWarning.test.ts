import { describe, expect, test } from 'vitest'
import { mostlyFailedWarning } from '../../../src/dispatch/failureWarning.js'

describe('mostlyFailedWarning', () => {
  test('behavior: a run where most specs failed gets one line: the count, the top code and its hint, and how to make CI fail', () => {
    const w = mostlyFailedWarning(10, { GAS_ESTIMATION_FAILED: 985, INSUFFICIENT_FUNDS: 5 })!
    expect(w.line).toBe("most specs failed: 990 of 1000, 985 with GAS_ESTIMATION_FAILED — the calls revert when estimated: is the contract set up for this pool (send --from-pool the pool `setup` minted to, e.g. spammers)? (the run still exits 0: --assert 'failed == 0' makes it fail)")
    expect(w.fields).toEqual({ failed: 990, of: 1000, top_code: 'GAS_ESTIMATION_FAILED', top_count: 985 })
  })

  test('behavior: half or fewer failed, or only specs not sent at a stop (CANCELLED): no warning', () => {
    expect(mostlyFailedWarning(10, { INSUFFICIENT_FUNDS: 10 })).toBeUndefined()
    expect(mostlyFailedWarning(10, { CANCELLED: 258 })).toBeUndefined()
    expect(mostlyFailedWarning(0, {})).toBeUndefined()
  })

  test('behavior: a code without a hint still names itself', () => {
    expect(mostlyFailedWarning(0, { REJECTED: 3 })!.line).toMatch(/^most specs failed: 3 of 3, 3 with REJECTED \(the run/)
  })
})
