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
  test('behavior: a spec not sent is a tx_result with status not_sent, no error and no hash', () => {
    const { tx_hash: _h, ...unsent } = ok
    const notSent = { ...unsent, nonce: null, attempts: 0, status: 'not_sent' }
    expect(validateEvent(notSent)).toEqual([])
    expect(validateEvent({ ...notSent, status: 'cancelled' })).toEqual(['tx_result.status should be one of not_sent, got "cancelled"'])
    expect(validateEvent({ ...notSent, error: 'x', error_code: 'CANCELLED' })).toEqual(['tx_result: a spec not sent has neither error nor tx_hash'])
    expect(validateEvent({ ...notSent, tx_hash: '0xabc' })).toEqual(['tx_result: a spec not sent has neither error nor tx_hash'])
  })
})

describe('validateEvent: the run\'s economics', () => {
  const receipt = { version: 1, type: 'tx_receipt', idx: 0, line: 1, tx_hash: '0xabc', block_number: 1, block_timestamp: 1, status: 'success', gas_used: 21000, effective_gas_price: '7', inclusion_ms: 1 }
  test('behavior: tx_receipt.value is wei as a decimal string; summary.spend, base_fee and funding are objects', () => {
    expect(validateEvent({ ...receipt, value: '1000000000000000000000' })).toEqual([])
    expect(validateEvent({ ...receipt, value: 1000 })).toEqual(['tx_receipt.value should be decimal, got 1000'])
    expect(validateEvent({ ...receipt, value: '0x10' })).toEqual(['tx_receipt.value should be decimal, got "0x10"'])
    const { version: _v, type: _t, ...summary } = { version: 1, type: 'summary', sent: 0, failed: 0, not_sent: 0, invalid: 0, duration_ms: 0, tps: 0, errors: {}, send_latency_ms: {}, included: 0, reverted: 0, timed_out: 0, pending_at_stop: 0, inclusion_latency_ms: {}, included_tps: 0, gas_used: '0', by_kind: {}, backpressure_episodes: 0, worker_panics: 0, reason: 'eof' }
    const economics = { spend: { fee_wei: '1', value_wei: '0', total_wei: '1' }, base_fee: { first: '7', peak: '7', last: '7', span_s: 0, ratio: 1 }, funding: { sent_wei: '0', top_ups: 0, top_up_wei: '0' } }
    expect(validateEvent({ version: 1, type: 'summary', ...summary, ...economics })).toEqual([])
    expect(validateEvent({ version: 1, type: 'summary', ...summary, spend: '1' })).toEqual(['summary.spend should be object, got "1"'])
  })
})
