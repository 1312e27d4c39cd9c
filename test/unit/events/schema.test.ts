import { describe, expect, test } from 'vitest'
import { validateEvent } from '../../../src/events/schema.js'

const ok = {
  version: 1,
  type: 'tx_result',
  idx: 0,
  line: 1,
  from: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  nonce: 0,
  tx_hash: '0xabc',
  start_timestamp_ms: 1,
  send_ms: 0.5,
  attempts: 1,
}

describe('validateEvent', () => {
  test('behavior: a valid tx_result passes', () => {
    expect(validateEvent(ok)).toEqual([])
  })
  test('error: missing field, wrong type, unknown field, wrong version', () => {
    const { nonce: _n, ...noNonce } = ok
    expect(validateEvent(noNonce)).toEqual(['tx_result.nonce is missing'])
    expect(validateEvent({ ...ok, idx: '0' })).toEqual(['tx_result.idx should be integer, got "0"'])
    expect(validateEvent({ ...ok, extra: 1 })).toEqual(['tx_result.extra is not in the schema'])
    expect(validateEvent({ ...ok, version: 2 })[0]).toMatch(/version/)
    expect(validateEvent({ ...ok, error: 'x' })).toEqual(['tx_result: error and error_code come together'])
    expect(validateEvent({ version: 1, type: 'nope' })).toEqual(['unknown type "nope"'])
  })
})
