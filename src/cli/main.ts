import { Command, CommanderError } from 'commander'
import { FloodgateError, UsageError, describeError, errorLine } from '../base/errors.js'
import { createLogger, type Logger } from '../log.js'
import { devnetCommand } from './devnetCommand.js'
import { reportCommand } from './reportCommand.js'
import { sendCommand } from './sendCommand.js'
import { genCommand } from './genCommand.js'
import { runCommand } from './runCommand.js'
import { setupCommand } from './setupCommand.js'
import { VERSION } from '../version.js'

/** Exit codes: 0 done, 1 fatal (unreachable RPC, funding, setup), 2 usage, 3 an --assert missed, 130/143 signals. */
export async function main(argv: readonly string[]): Promise<void> {
  let logLevel = 'info'
  const program = new Command('floodgate')
    .description('Ethereum transaction load generator: JSON-line specs in, versioned JSON-line events out')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stderr.write(s), writeErr: (s) => process.stderr.write(s) })
    // the command's --log-level decides whether an error that reaches the top shows its stack
    .hook('preAction', (_program, command) => {
      const level: unknown = command.opts().logLevel
      if (typeof level === 'string') logLevel = level
    })
  for (const cmd of [sendCommand(), runCommand(), setupCommand(), genCommand(), devnetCommand(), reportCommand()]) program.addCommand(cmd.exitOverride())
  // `floodgate nosuch --help` would show the root help and exit 0: an unknown command is a usage
  // error (exit 2, the nearest command suggested) whatever follows it
  const first = argv[2]
  const unknown = first !== undefined && !first.startsWith('-') && first !== 'help' && !program.commands.some((c) => c.name() === first)
  try {
    await program.parseAsync(unknown ? argv.slice(0, 3) : argv)
  } catch (err) {
    process.exitCode = handleError(err, { debug: logLevel === 'debug' || logLevel === 'trace' })
  }
}

/**
 * An error that reached the top: one stderr line, and the exit code. A FloodgateError (an
 * RPC failure included) is `[CODE] message — hint`; anything else is a bug: `unexpected
 * error`. Stacks and causes only with `debug` (--log-level debug or trace).
 */
export function handleError(err: unknown, o: { debug: boolean; log?: Logger }): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0
    return 2 // commander already printed the message
  }
  const log = o.log ?? createLogger({ level: o.debug ? 'debug' : 'info' })
  if (err instanceof FloodgateError) {
    log.error({ code: err.code }, errorLine(err))
    if (o.debug) {
      const causes: string[] = []
      err.walk((e) => {
        if (e !== err) causes.push(describeError(e, 2000))
        return false
      })
      log.debug({ stack: err.stack, ...(err.details ? { details: err.details } : {}), ...(causes.length ? { causes } : {}) }, 'where the error above was thrown')
    }
    return err instanceof UsageError ? 2 : 1
  }
  log.fatal(
    { error: describeError(err, 2000), ...(o.debug ? { stack: (err as Error)?.stack } : { hint: 'a bug in floodgate: --log-level debug shows where' }) },
    'unexpected error',
  )
  return 1
}
