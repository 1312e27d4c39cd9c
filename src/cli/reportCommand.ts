/** `floodgate report`: an event log summarised as a table, and as an HTML page of charts with --html. */
import { createReadStream, statSync, writeFileSync } from 'node:fs'
import { Command } from 'commander'
import { UsageError } from '../base/errors.js'
import { reportHtml } from '../report/html.js'
import { mergeReports } from '../report/merge.js'
import { reportTable } from '../report/table.js'
import { withFlags } from './commandOptions.js'

/**
 * `floodgate report [FILE…|-]`: reads event logs (the stdout of `floodgate send`), merged, and
 * prints a summary table on stdout; `--html out.html` also writes a self-contained page
 * with charts. Every figure is recomputed from the events.
 */
export function reportCommand(): Command {
  const cmd = new Command('report')
    .description('summarise event logs of `floodgate send`/`run`: a table on stdout, charts with --html; several logs (shards) are merged')
    .argument('[files...]', 'the event logs; - or nothing reads stdin (alone)')
  return withFlags(cmd, 'report')
    .action(async (given: string[], flags: { html?: string }) => {
      const files = given.length ? given : ['-']
      if (files.length > 1 && files.includes('-')) throw new UsageError('report: stdin (-) can only be read alone; name the logs as files to merge them')
      for (const file of files) {
        if (file === '-') continue
        try {
          if (!statSync(file).isFile()) throw new Error()
        } catch {
          throw new UsageError(`report: ${file} is not a readable file`)
        }
      }
      // one log is read once (stdin can be); several are read twice, to find the earliest first send
      const report = await mergeReports(files.map((file) => ({ name: file === '-' ? 'stdin' : file, open: () => (file === '-' ? process.stdin : createReadStream(file)) })))
      const source = files.length === 1 ? (files[0] === '-' ? 'stdin' : files[0]!) : files.join(' ')
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
