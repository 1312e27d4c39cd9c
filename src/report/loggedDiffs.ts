/** Where a log's own summary differs from the figures its events give (a truncated or concatenated log), older logs' counts allowed for. */
import type { SummaryEvent } from '../events/types.js'

type Figures = Omit<SummaryEvent, 'version'>

const COUNTS = ['sent', 'failed', 'not_sent', 'invalid', 'included', 'reverted', 'timed_out', 'pending_at_stop'] as const

/**
 * The counts on which `logged` and `figures` differ. A summary written before floodgate counted
 * `not_sent` and `pending_at_stop` apart lacks them, and its `timed_out` counted the txs pending at
 * the stop: that `timed_out` is compared with the two together.
 */
export function loggedDiffs(logged: Figures, figures: Figures): string[] {
  const old = typeof (logged as Partial<Figures>).pending_at_stop !== 'number'
  return COUNTS.filter((k) => {
    if (old && (k === 'not_sent' || k === 'pending_at_stop')) return false
    if (old && k === 'timed_out') return logged.timed_out !== figures.timed_out + figures.pending_at_stop
    return logged[k] !== figures[k]
  })
}
