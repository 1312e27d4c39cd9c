/** `floodgate devnet`: the embedded devnet (anvil, or geth with --node geth) in the foreground, its URL and dev key on stdout. */
import { Command } from 'commander'
import { connectChain, READS_ONLY } from '../startup/openChain.js'
import { EVENT_VERSION } from '../events/types.js'
import { createLogger } from '../log.js'
import { withFlags } from './commandOptions.js'
import { parseValueFlag } from './options.js'

/**
 * `floodgate devnet`: the embedded devnet in the foreground. Prints one JSON line on stdout
 * with its node, RPC URL and a funded dev key (anvil's public, well-known test key) for other
 * processes, then runs until SIGINT/SIGTERM.
 */
export function devnetCommand(): Command {
  const cmd = new Command('devnet').description('run the embedded devnet (anvil, or geth with --node geth) in the foreground; prints its RPC URL and a funded dev key')
  return withFlags(cmd, 'devnet')
    .action(async (flags: { logLevel: string; node?: string; blockTime?: string; blockGasLimit?: string; port?: string }) => {
      const log = createLogger({ level: flags.logLevel as 'info' })
      const shape = {
        ...(flags.node !== undefined ? parseValueFlag('node', flags.node) : {}),
        ...(flags.blockTime !== undefined ? parseValueFlag('block-time', flags.blockTime) : {}),
        ...(flags.blockGasLimit !== undefined ? parseValueFlag('block-gas-limit', flags.blockGasLimit) : {}),
        ...(flags.port !== undefined ? parseValueFlag('port', flags.port) : {}),
      }
      const conn = await connectChain({ requestTimeoutMs: 10_000, allowMainnet: false, log, inFlight: READS_ONLY, ...shape })
      const devnet = conn.devnet!
      process.stdout.write(
        `${JSON.stringify({
          version: EVENT_VERSION,
          type: 'devnet',
          node: devnet.node,
          rpc_url: devnet.url,
          chain_id: devnet.chainId,
          funder_address: devnet.funderAddress,
          funder_key: devnet.funderKey,
        })}\n`,
      )
      log.info({ node: devnet.node, rpc: devnet.url, chainId: devnet.chainId }, 'devnet running; Ctrl-C to stop')
      log.info(`try: floodgate send --rpc-url ${devnet.url} < specs.jsonl  (FLOODGATE_FUNDER_KEY from the line on stdout)`)
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      await conn.close()
    })
}
