/** Wei amounts and durations as people read them: ETH, gwei, "4 min 10 s" (the live line, the report). */

/** ETH, 6 significant digits, thousands separated: "9,998.42", "0.0123457", "0". */
export function formatEth(wei: bigint): string {
  return (Number(wei) / 1e18).toLocaleString('en-US', { maximumSignificantDigits: 6 })
}

/** gwei, 4 significant digits: "1.266", "322.1", "0.000000007". */
export function formatGwei(wei: bigint): string {
  return (Number(wei) / 1e9).toLocaleString('en-US', { maximumSignificantDigits: 4, maximumFractionDigits: 9 })
}

/** A duration in seconds, its two largest units: "45 s", "4 min 10 s", "3 h 12 min", "5 d 3 h". */
export function formatDurationS(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '-'
  const t = Math.round(s)
  if (t < 60) return `${t} s`
  if (t < 3_600) return `${Math.floor(t / 60)} min ${t % 60} s`
  if (t < 86_400) return `${Math.floor(t / 3_600)} h ${Math.floor((t % 3_600) / 60)} min`
  return `${Math.floor(t / 86_400).toLocaleString('en-US')} d ${Math.floor((t % 86_400) / 3_600)} h`
}

/** A growth factor, 4 significant digits: "2.5", "322", "1.23e+18" past a million. */
export function formatFactor(x: number): string {
  return x < 1e6 ? x.toLocaleString('en-US', { maximumSignificantDigits: 4 }) : x.toPrecision(3)
}
