/** The run's economics in the report: what the pool spent, what the funder sent and has left, the base fee's course; checked field by field (a log can be tampered with). */
import type { SummaryEvent } from '../events/types.js'
import { formatDurationS, formatEth, formatFactor, formatGwei } from '../metrics/formatWei.js'
import { weiOf } from '../metrics/spendStats.js'

type Funding = NonNullable<SummaryEvent['funding']>
type Figures = Pick<SummaryEvent, 'spend' | 'base_fee' | 'funding'>

const count = (x: unknown): number | undefined => (Number.isSafeInteger(x) && (x as number) >= 0 ? (x as number) : undefined)
const finite = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : undefined)
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)

/**
 * A log's `summary.funding`, kept only as far as it is what the schema says: undefined when a
 * required field is not (the whole object is dropped), an optional field dropped alone.
 */
export function cleanFunding(x: unknown): Funding | undefined {
  if (!isObject(x)) return undefined
  const sent = weiOf(x.sent_wei)
  const topUps = count(x.top_ups)
  const topUpWei = weiOf(x.top_up_wei)
  if (sent === undefined || topUps === undefined || topUpWei === undefined) return undefined
  const balance = weiOf(x.funder_balance_wei)
  const runway = finite(x.runway_s)
  return { sent_wei: sent.toString(), top_ups: topUps, top_up_wei: topUpWei.toString(), ...(balance !== undefined ? { funder_balance_wei: balance.toString() } : {}), ...(runway !== undefined ? { runway_s: runway } : {}) }
}

/** Several logs' funding (shards of one run): what their funders sent, summed; balances and runways are each log's own, so none is given. */
export function sumFunding(all: readonly (Funding | undefined)[]): Funding | undefined {
  const some = all.filter((f): f is Funding => f !== undefined)
  if (some.length === 0) return undefined
  const wei = (k: 'sent_wei' | 'top_up_wei') => some.reduce((s, f) => s + BigInt(f[k]), 0n).toString()
  return { sent_wei: wei('sent_wei'), top_ups: some.reduce((s, f) => s + f.top_ups, 0), top_up_wei: wei('top_up_wei') }
}

/**
 * The economics rows of the report, as [label, text]: the text is made only of numbers checked
 * to be numbers (wei as decimal strings, counts, finite figures); a field that is not is left
 * out. Empty when the run has none of these figures.
 */
export function economicsRows(f: Figures): [string, string][] {
  const rows: [string, string][] = []
  const s = isObject(f.spend) ? f.spend : undefined
  const fee = weiOf(s?.fee_wei)
  const value = weiOf(s?.value_wei)
  const total = weiOf(s?.total_wei)
  if (total !== undefined) rows.push(['pool spent (fees + value moved)', `${formatEth(total)} ETH${fee !== undefined && value !== undefined ? ` (fees ${formatEth(fee)} + value ${formatEth(value)})` : ''}`])
  const rate = weiOf(s?.wei_per_s)
  if (rate !== undefined) rows.push(['spend rate, last minute of blocks', `${formatEth(rate)} ETH/s`])
  const funding = cleanFunding(f.funding)
  if (funding) {
    rows.push(['funder sent (initial + top-ups)', `${formatEth(BigInt(funding.sent_wei))} ETH`])
    rows.push(['top-ups during the run', `${funding.top_ups.toLocaleString('en-US')} (${formatEth(BigInt(funding.top_up_wei))} ETH)`])
    if (funding.funder_balance_wei !== undefined) rows.push(['funder balance, last read', `${formatEth(BigInt(funding.funder_balance_wei))} ETH`])
    rows.push(['funder runway at the spend rate', funding.runway_s !== undefined ? formatDurationS(funding.runway_s) : 'not known'])
  }
  const b = isObject(f.base_fee) ? f.base_fee : undefined
  const first = weiOf(b?.first)
  const peak = weiOf(b?.peak)
  const last = weiOf(b?.last)
  if (first !== undefined && peak !== undefined && last !== undefined) {
    rows.push(['base fee first / peak / last', `${formatGwei(first)} / ${formatGwei(peak)} / ${formatGwei(last)} gwei`])
    const ratio = finite(b?.ratio)
    const span = count(b?.span_s)
    const perMin = finite(b?.growth_per_min)
    if (ratio !== undefined && span !== undefined) rows.push(['base fee growth', `×${formatFactor(ratio)} in ${formatDurationS(span)}${perMin !== undefined ? ` (×${formatFactor(perMin)} per minute)` : ''}`])
  }
  return rows
}
