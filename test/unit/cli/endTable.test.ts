import { describe, expect, test } from 'vitest'
import { endOfRunTable } from '../../../src/cli/endTable.js'
import type { FloodgateEvent } from '../../../src/events/types.js'

const FROM = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const events: FloodgateEvent[] = [
  { version: 1, type: 'tx_result', idx: 0, line: 1, from: FROM, nonce: 0, tx_hash: `0x${'1'.repeat(64)}`, start_timestamp_ms: 1_000, send_ms: 2, attempts: 1 },
  { version: 1, type: 'tx_receipt', idx: 0, line: 1, tx_hash: `0x${'1'.repeat(64)}`, block_number: 3, block_timestamp: 1, status: 'success', gas_used: 21_000, effective_gas_price: '1', inclusion_ms: 800, tx_index: 0, block_tx_count: 1 },
]

describe('endOfRunTable', () => {
  test('behavior: on a terminal stderr, the report\'s table of the run\'s events is printed at the end', () => {
    let out = ''
    const t = endOfRunTable({ isTTY: true, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream)
    for (const e of events) for (const o of t.observers) o(e)
    t.print('this run')
    expect(out).toContain('floodgate report: this run')
    expect(out).toMatch(/sent\s+1/)
    expect(out).toContain('position in the block')
  })

  test('behavior: not a terminal: nothing observed, nothing printed', () => {
    let out = ''
    const t = endOfRunTable({ isTTY: false, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream)
    expect(t.observers).toEqual([])
    t.print('x')
    expect(out).toBe('')
  })
})
