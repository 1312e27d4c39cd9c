import { describe, expect, test } from 'vitest'
import { validateEvent } from '../../../src/events/schema.js'

const hash = `0x${'ab'.repeat(32)}`
const receipt = { version: 1, type: 'tx_receipt', idx: 3, line: 4, kind: 'transfer', tx_hash: hash, block_number: 12, block_timestamp: 1_764_000_000, status: 'success', gas_used: 21_000, effective_gas_price: '1000000007', inclusion_ms: 812 }
const timeout = { version: 1, type: 'tx_timeout', idx: 3, line: 4, tx_hash: hash, pending: true, waited_ms: 60_004, reason: 'timeout' }
const progress = { version: 1, type: 'progress', sent: 10, failed: 0, included: 4, pending: 6, tps: 9.5, included_tps: 4, send_latency_ms: { p50: 1, p99: 2 }, inclusion_latency_ms: { p50: 800, p99: 1000 }, window_ms: 1001, elapsed_ms: 1050 }

describe('validateEvent: receipt events', () => {
  test('behavior: valid tx_receipt, tx_timeout (with and without lookup_error) and progress pass', () => {
    expect(validateEvent(receipt)).toEqual([])
    expect(validateEvent(timeout)).toEqual([])
    expect(validateEvent({ ...timeout, pending: false, reason: 'run_stopped', lookup_error: 'no answer' })).toEqual([])
    expect(validateEvent(progress)).toEqual([])
  })
  test('error: enums, booleans and decimal strings are checked', () => {
    expect(validateEvent({ ...receipt, status: 'failed' })).toEqual(['tx_receipt.status should be one of success, reverted, got "failed"'])
    expect(validateEvent({ ...receipt, effective_gas_price: 1_000_000_007 })[0]).toMatch(/effective_gas_price should be decimal/)
    expect(validateEvent({ ...receipt, effective_gas_price: '0x3b9aca07' })[0]).toMatch(/effective_gas_price should be decimal/)
    expect(validateEvent({ ...timeout, pending: 'yes' })[0]).toMatch(/pending should be boolean/)
    expect(validateEvent({ ...timeout, reason: 'late' })[0]).toMatch(/reason should be one of timeout, run_stopped/)
    const { inclusion_ms: _i, ...noInclusion } = receipt
    expect(validateEvent(noInclusion)).toEqual(['tx_receipt.inclusion_ms is missing'])
  })
})
