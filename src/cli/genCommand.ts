/** `floodgate gen SCENARIO`: a scenario's spam stream as JSON-line specs, with its recorded contract addresses. */
import { Command } from 'commander'
import type { Address, Hex } from 'viem'
import { keccak256 } from 'viem'
import { connectChain, READS_ONLY, type Connection } from '../startup/openChain.js'
import { UsageError } from '../base/errors.js'
import { createLogger, type Logger } from '../log.js'
import { compileSpam, specObjects } from '../scenario/generate.js'
import { builtinScenarios, loadScenario } from '../scenario/load.js'
import { validateScenario } from '../scenario/prepare.js'
import { readRecord, recordPath } from '../scenario/record.js'
import { ScenarioError, type Scenario } from '../scenario/types.js'
import { stateDir } from '../state.js'
import { withFlags } from './commandOptions.js'
import { parseCount } from './parseFlags.js'
import { builtinsHelp } from './scenarioShared.js'

interface GenFlags {
  count: string
  seed: string
  rpcUrl?: string | string[]
  chainId?: string
  label?: string
  fromPool?: string
  logLevel: string
}

/**
 * `floodgate gen SCENARIO --count N`: the scenario's spam stream as JSON lines on stdout,
 * placeholders resolved (contract addresses from `floodgate setup`'s record), fuzz applied,
 * the same for the same seed. `{_sender}` stays: the worker that sends a line fills it in. Each
 * line names its spam entry's pool (`from_pool`, `spammers` by default; `--from-pool` renames it):
 * `send` takes its pool from the first line, so `gen | send` sends from the accounts `setup` prepared.
 */
export function genCommand(): Command {
  const cmd = new Command('gen')
    .description('write a scenario\'s spam stream as JSON-line specs on stdout (pipe into `floodgate send`)')
    .argument('<scenario>', builtinsHelp(builtinScenarios()))
  return withFlags(cmd, 'gen')
    .action(async (scenarioArg: string, flags: GenFlags) => {
      const log = createLogger({ level: flags.logLevel as 'info' })
      const count = parseCount(flags.count, '--count')
      const scenario = loadScenario(scenarioArg)
      validateScenario(scenario)
      const contracts = await recordedContracts(scenario, scenarioArg, flags, log)
      let steps
      try {
        steps = compileSpam(scenario, { env: scenario.env, contractNames: new Set(contracts.keys()), contracts }, { fromPool: true })
      } catch (err) {
        if (err instanceof ScenarioError) throw new UsageError(`scenario ${scenario.name}: ${err.message}`)
        throw err
      }
      const it = specObjects(steps, flags.seed)
      const out = process.stdout
      let closed = false
      out.on('error', () => (closed = true)) // `| head`: stop quietly
      let buf = ''
      for (let i = 0; i < count && !closed; i++) {
        const spec = it.next().value!
        buf += `${JSON.stringify(flags.fromPool !== undefined ? { ...spec, from_pool: flags.fromPool } : spec)}\n`
        if (buf.length >= 64 * 1024) {
          if (!out.write(buf)) await new Promise((r) => out.once('drain', r).once('error', r))
          buf = ''
        }
      }
      if (buf && !closed) out.write(buf)
    })
}

/** The addresses `floodgate setup` recorded for the scenario's contracts on the chain named by --chain-id or --rpc-url (checked there). */
async function recordedContracts(scenario: Scenario, scenarioArg: string, flags: GenFlags, log: Logger): Promise<Map<string, Address>> {
  const contracts = new Map<string, Address>()
  if (scenario.creates.length === 0) return contracts
  let chainId: number
  let conn: Connection | undefined
  if (flags.chainId !== undefined) chainId = parseCount(flags.chainId, '--chain-id', 1)
  else if (flags.rpcUrl !== undefined) {
    conn = await connectChain({ rpcUrl: [flags.rpcUrl].flat()[0]!, requestTimeoutMs: 10_000, allowMainnet: true, log, inFlight: READS_ONLY })
    chainId = conn.chainId
  } else {
    throw new UsageError(`scenario ${scenario.name} deploys contracts: give --rpc-url or --chain-id of the chain where \`floodgate setup ${scenarioArg}\` deployed them`)
  }
  try {
    const file = recordPath(stateDir(), chainId, scenario.name, flags.label)
    const record = readRecord(file)
    const missing = scenario.creates.filter((c) => !record?.contracts[c.name])
    if (!record || missing.length > 0) {
      throw new UsageError(`no deployment of ${scenario.name}${flags.label ? `@${flags.label}` : ''} is recorded for chain ${chainId}: run \`floodgate setup ${scenarioArg} --rpc-url …\` first`)
    }
    for (const c of scenario.creates) contracts.set(c.name, record.contracts[c.name]!.address)
    if (conn) {
      for (const c of scenario.creates) {
        const code = await conn.rpc.request<Hex>('eth_getCode', [contracts.get(c.name), 'latest'])
        if (code === '0x' || keccak256(code) !== record.contracts[c.name]!.codeHash) {
          throw new UsageError(`contract ${c.name} recorded at ${contracts.get(c.name)} is not on chain ${chainId} any more: run \`floodgate setup ${scenarioArg}\` again`)
        }
      }
    }
    log.debug({ record: file }, 'using recorded contracts')
  } finally {
    await conn?.close()
  }
  return contracts
}
