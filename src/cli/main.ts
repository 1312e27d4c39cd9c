import { Command, CommanderError } from 'commander'
import { FatalError, UsageError, describeError } from '../base/errors.js'
import { createLogger } from '../log.js'
import { devnetCommand } from './devnetCommand.js'
import { reportCommand } from './reportCommand.js'
import { sendCommand } from './sendCommand.js'
import { genCommand } from './genCommand.js'
import { runCommand } from './runCommand.js'
import { setupCommand } from './setupCommand.js'
import { VERSION } from '../version.js'

/** Exit codes: 0 done, 1 fatal (unreachable RPC, funding, setup), 2 usage, 3 an --assert missed, 130/143 signals. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('floodgate')
    .description('Ethereum transaction load generator: JSON-line specs in, versioned JSON-line events out')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stderr.write(s), writeErr: (s) => process.stderr.write(s) })
  for (const cmd of [sendCommand(), runCommand(), setupCommand(), genCommand(), devnetCommand(), reportCommand()]) program.addCommand(cmd.exitOverride())
  try {
    await program.parseAsync(argv)
  } catch (err) {
    process.exitCode = handle(err)
  }
}

function handle(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0
    return 2 // commander already printed the message
  }
  const log = createLogger()
  if (err instanceof UsageError) {
    log.error(err.message)
    return 2
  }
  if (err instanceof FatalError) {
    log.error({ code: err.code }, err.message)
    return 1
  }
  log.fatal({ error: describeError(err, 2000), stack: (err as Error)?.stack }, 'unexpected error')
  return 1
}
