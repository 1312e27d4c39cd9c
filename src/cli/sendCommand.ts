/** `floodgate send`: JSON-line specs in, through one worker per pool signer, events out. */
import { Command } from 'commander'
import { createLogger } from '../log.js'
import { StatusLine } from '../metrics/statusLine.js'
import { send, type SendOptions } from '../send.js'
import { firstSpecPool } from '../stream/firstSpecPool.js'
import type { Logger } from '../log.js'
import { assertions } from './assertOption.js'
import { endOfRunTable } from './endTable.js'
import { withFlags } from './commandOptions.js'
import { eventsOutput } from './eventsOutput.js'
import { type SendFlags, resolveSendOptions } from './sendFlags.js'
import { exitCodeFor, installSignals } from './signals.js'

/** The `send` command; its flags come from the option table (src/cli/options.ts), documented in docs/cli.md. */
export function sendCommand(): Command {
  const cmd = new Command('send').description('read JSON-line tx specs and send them through one worker per pool signer; events on stdout')
  return withFlags(cmd, 'send').action(async (flags: SendFlags, command: Command) => {
    // a live status line when stderr is a terminal and the events are not printed there (they would break it)
    const events = eventsOutput(flags.events)
    const statusLine = events.onTerminal ? undefined : StatusLine.for(process.stderr)
    const log = createLogger({ level: flags.logLevel as 'info', ...(statusLine ? { destination: statusLine.logStream, pretty: true } : {}) })
    if (events.note) log.info(events.note)
    const typed = process.stdin.isTTY === true && (flags.from === 'stdin' || flags.from === '-')
    if (typed) log.info('reading specs from stdin (the terminal): one JSON object a line; Ctrl-D ends')
    const controller = new AbortController()
    const signals = installSignals(controller, log)
    const checks = assertions(flags.assert)
    const table = endOfRunTable()
    const opts = { ...resolveSendOptions(flags, command, log, controller.signal), output: events.stream, ...(statusLine ? { statusLine } : {}), ...(checks.onSummary ? { onSummary: checks.onSummary } : {}), observers: table.observers, ...(typed ? { blocksAfterFirstSend: true } : {}) }
    try {
      await poolOfStream(opts, command.getOptionValueSource('fromPool') === 'default', log)
      const result = await send(opts)
      table.print('this run')
      process.exitCode = checks.finish(exitCodeFor(result.reason, signals.received()))
    } finally {
      signals.remove()
    }
  })
}

/**
 * Without --from-pool, the pool is the one the first spec names (`from_pool`: `gen` writes its
 * scenario's pool there), else the default: `gen … | send` sends from the accounts `setup`
 * prepared. Specs naming another pool are invalid (UNKNOWN_POOL), as with --from-pool. Not read
 * ahead from a terminal (someone typing specs).
 */
async function poolOfStream(opts: SendOptions, defaulted: boolean, log: Logger): Promise<void> {
  if (!defaulted || (opts.input === process.stdin && process.stdin.isTTY)) return
  const stop = opts.durationMs !== undefined ? AbortSignal.any([opts.signal!, AbortSignal.timeout(opts.durationMs)]) : opts.signal
  const first = await firstSpecPool(opts.input, stop)
  opts.input = first.input
  if (first.pool === undefined) return
  opts.pools = [{ ...opts.pools[0]!, name: first.pool }]
  log.info({ pool: first.pool, line: first.line }, 'the pool is the one the first spec names (from_pool); --from-pool sets another')
}
