/** `floodgate report`: an event log summarised as a table, and as an HTML page of charts with --html. */
import { createReadStream, statSync, writeFileSync } from 'node:fs'
import { Command } from 'commander'
import { UsageError } from '../base/errors.js'
import { buildReport } from '../report/analyze.js'
import { reportHtml } from '../report/html.js'
import { reportTable } from '../report/table.js'
import { withFlags } from './commandOptions.js'

/**
 * `floodgate report [FILE|-]`: reads an event log (the stdout of `floodgate send`) and
 * prints a summary table on stdout; `--html out.html` also writes a self-contained page
 * with charts. Every figure is recomputed from the events.
 */
export function reportCommand(): Command {
  const cmd = new Command('report')
    .description('summarise an event log of `floodgate send`: a table on stdout, charts with --html')
    .argument('[file]', 'the event log; - or nothing reads stdin', '-')
  return withFlags(cmd, 'report')
    .action(async (file: string, flags: { html?: string }) => {
      let input: AsyncIterable<Buffer | string>
      if (file === '-') input = process.stdin
      else {
        try {
          if (!statSync(file).isFile()) throw new Error()
        } catch {
          throw new UsageError(`report: ${file} is not a readable file`)
        }
        input = createReadStream(file)
      }
      const report = await buildReport(input)
      const source = file === '-' ? 'stdin' : file
      process.stdout.write(reportTable(report, source))
      if (flags.html !== undefined) {
        try {
          writeFileSync(flags.html, reportHtml(report, source))
        } catch (err) {
          throw new UsageError(`--html: cannot write ${flags.html} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
        }
        process.stderr.write(`wrote ${flags.html}\n`)
      }
    })
}
