/** `--assert`: its thresholds checked against the summary, the table of results, the exit code of a miss. */
import { type AssertSummary, evaluateAssertions, formatAssertTable, parseAssertions } from '../assert/metrics.js'
import type { SummaryEvent } from '../events/types.js'

/** Exit code of a run that missed one of its `--assert` thresholds. */
export const EXIT_ASSERT_MISSED = 3

/**
 * `--assert` for a command: parses the expressions now (a bad one is a usage error before
 * anything is sent), puts the results in the summary, and after the run prints the table of
 * expected vs measured on stderr and tells the exit code.
 */
export function assertions(exprs: readonly string[] | undefined) {
  const parsed = parseAssertions(exprs ?? [])
  let result: AssertSummary | undefined
  return {
    /** For `SendOptions.onSummary`; undefined when there is nothing to assert. */
    onSummary:
      parsed.length === 0
        ? undefined
        : (summary: Omit<SummaryEvent, 'version'>) => {
            result = evaluateAssertions(parsed, summary)
            return { asserts: result }
          },
    /** Prints the table (every check on a miss; one line when all passed); the exit code to use. */
    finish(exitCode: number, out: NodeJS.WritableStream = process.stderr): number {
      if (!result) return exitCode
      if (!result.passed) {
        out.write(formatAssertTable(result))
        return exitCode === 0 ? EXIT_ASSERT_MISSED : exitCode
      }
      out.write(`all ${result.results.length} assertion${result.results.length === 1 ? '' : 's'} passed: ${result.results.map((r) => r.expr).join('; ')}\n`)
      return exitCode
    },
  }
}
