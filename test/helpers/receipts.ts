import { expect } from 'vitest'
import type { Event } from './cli.js'

/**
 * Every tx_result without error (and not a dry run) is followed, later in the stream, by
 * exactly one tx_receipt or tx_timeout for the same idx and tx_hash; nothing else gets one;
 * and the summary's included + timed_out + pending_at_stop add up to sent. Returns the resolutions by idx.
 */
export function assertReceiptInvariant(events: Event[]): Map<number, Event> {
  const sentAt = new Map<number, { pos: number; hash: string }>()
  const resolved = new Map<number, Event>()
  events.forEach((e, pos) => {
    if (e.type === 'tx_result' && !e.error_code && !e.status && !e.raw_tx) sentAt.set(e.idx, { pos, hash: e.tx_hash })
    if (e.type === 'tx_receipt' || e.type === 'tx_timeout') {
      const s = sentAt.get(e.idx)
      expect(s, `${e.type} for idx ${e.idx} comes after an accepted tx_result`).toBeDefined()
      expect(s!.pos).toBeLessThan(pos)
      expect(e.tx_hash).toBe(s!.hash)
      expect(resolved.has(e.idx), `idx ${e.idx} has exactly one tx_receipt or tx_timeout`).toBe(false)
      resolved.set(e.idx, e)
    }
  })
  expect([...sentAt.keys()].filter((i) => !resolved.has(i)), 'accepted txs without tx_receipt or tx_timeout').toEqual([])
  const summary = events.at(-1)!
  expect(summary.type).toBe('summary')
  expect(summary.included + summary.timed_out + summary.pending_at_stop).toBe(summary.sent)
  expect(summary.included).toBe(events.filter((e) => e.type === 'tx_receipt').length)
  expect(summary.timed_out).toBe(events.filter((e) => e.type === 'tx_timeout' && e.reason !== 'run_stopped').length)
  expect(summary.pending_at_stop).toBe(events.filter((e) => e.type === 'tx_timeout' && e.reason === 'run_stopped').length)
  return resolved
}
