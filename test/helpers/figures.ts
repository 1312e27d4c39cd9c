import { appendFileSync } from 'node:fs'

/**
 * Reliability figures for docs/reliability.md: when FLOODGATE_FIGURES names a file, each
 * fault test appends one JSON line to it. Without it, nothing is written.
 */
export function recordFigures(row: Record<string, string | number>): void {
  const file = process.env.FLOODGATE_FIGURES
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`)
}
