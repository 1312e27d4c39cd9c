import { describe, expect, test } from 'vitest'
import { keepTarget } from '../../../src/accounts/keepFunded.js'

describe('keepTarget: what the background top-up fills an account to', () => {
  test('the minimum, plus twice what the account spent since the last check (never less than the minimum)', () => {
    expect(keepTarget(100n, 0n)).toBe(100n)
    expect(keepTarget(100n, 30n)).toBe(160n)
    // a balance that grew (a top-up, a transfer in) is no spending
    expect(keepTarget(100n, -50n)).toBe(100n)
  })
})
