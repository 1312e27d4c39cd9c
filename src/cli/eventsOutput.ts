/** Where a run's events go (`--events`): stdout in a pipe, nowhere on a terminal (a person reads the status line and the summary there), or a file. */
import { createWriteStream } from 'node:fs'
import { Writable } from 'node:stream'
import { UsageError } from '../base/errors.js'

export interface EventsOutput {
  stream: NodeJS.WritableStream
  /** The events are printed on the terminal (the status line would break them). */
  onTerminal: boolean
  /** What the start-up log says of where the events went, when not the usual stdout. */
  note?: string
}

/** `--events` as given (undefined: the default) for this process's stdout. */
export function eventsOutput(given: string | undefined, stdout: NodeJS.WriteStream = process.stdout): EventsOutput {
  if (given === '-') return { stream: stdout, onTerminal: Boolean(stdout.isTTY) }
  if (given !== undefined) {
    if (given === '') throw new UsageError('--events: give - (stdout) or a file')
    const file = createWriteStream(given, { flags: 'w' })
    return { stream: file, onTerminal: false, note: `events go to ${given}` }
  }
  if (!stdout.isTTY) return { stream: stdout, onTerminal: false }
  const nowhere = new Writable({ write: (_chunk, _enc, done) => done() })
  return { stream: nowhere, onTerminal: false, note: 'stdout is a terminal: the events are not printed (--events - prints them, --events FILE writes them)' }
}
