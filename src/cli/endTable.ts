/** The end-of-run table for people: when stderr is a terminal, the report's table of the run just made (as k6 prints its summary). */
import type { FloodgateEvent } from '../events/types.js'
import { ReportBuilder } from '../report/analyze.js'
import { reportTable } from '../report/table.js'

/**
 * Observes the run's events when `stderr` is a terminal, and prints `floodgate report`'s table
 * to it at the end; stdout (the events) is untouched. Memory: the report's (bounded buckets,
 * the send start of txs still pending).
 */
export function endOfRunTable(stderr: NodeJS.WriteStream = process.stderr): { observers: ((e: FloodgateEvent) => void)[]; print: (source: string) => void } {
  if (!stderr.isTTY) return { observers: [], print: () => {} }
  const builder = new ReportBuilder()
  return {
    observers: [(e) => builder.event(e)],
    print: (source) => void stderr.write(`\n${reportTable(builder.finish(), source, { rpcMethods: false })}`),
  }
}
