import { createReadStream, statSync } from 'node:fs'
import { Command, Option } from 'commander'
import type { Hex } from 'viem'
import { UsageError } from '../base/errors.js'
import { createLogger } from '../log.js'
import { StatusLine } from '../metrics/statusLine.js'
import { send, type SendOptions } from '../send.js'
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../startup/openChain.js'
import { parseCount, parseDuration, parsePrivateKey, parseRate, parseWei, readKeyFile } from './parseFlags.js'
import { exitCodeFor, installSignals } from './signals.js'
import { assertOption, assertions } from './assertOption.js'
import { TX_TYPES, type TxType } from '../stream/spec.js'

export interface SendFlags {
  rpcUrl?: string
  from: string
  poolSize: string
  fromPool: string
  seed?: string
  mnemonic?: string
  funderKey?: string
  privKey?: string
  funderKeyFile?: string
  minBalance?: string
  skipFunding?: boolean
  tps: string
  maxTxs?: string
  duration?: string
  retries: string
  rpcTimeout: string
  batchSize: string
  batchWait: string
  signer: string
  feeRefresh?: string
  priorityFee?: string
  gasPrice?: string
  txType?: string
  dryRun?: boolean
  allowMainnet?: boolean
  readerQueue: string
  workerQueue: string
  logLevel: string
  assert?: string[]
  receipts: boolean
  receiptTimeout: string
  receiptsBy: string
  gapCheck?: string
  reportInterval?: string
  metricsPort?: string
}

/** The `send` options, in the order `--help` and docs/cli.md list them. */
export function sendCommand(): Command {
  return new Command('send')
    .description('read JSON-line tx specs and send them through one worker per pool signer; events on stdout')
    .addOption(new Option('-r, --rpc-url <url>', 'target JSON-RPC endpoint (default: start the embedded anvil devnet)').env('RPC_URL'))
    .addOption(new Option('--from <stdin|file>', 'where specs come from').default('stdin'))
    .addOption(new Option('--pool-size <n>', 'signer accounts in the pool = concurrent workers').default('10'))
    .addOption(new Option('--from-pool <name>', 'name of the pool; specs with another from_pool are invalid').default('executors'))
    .addOption(new Option('--seed <seed>', 'derive the pool from this seed (default: a random seed kept in the state dir)').env('FLOODGATE_SEED'))
    .addOption(new Option('--mnemonic <words>', 'derive the pool from a BIP-39 mnemonic instead (m/44\'/60\'/0\'/0/i)').env('FLOODGATE_MNEMONIC'))
    .addOption(new Option('--funder-key <key>', 'private key that tops up the pool (prefer the env var or --funder-key-file)').env('FLOODGATE_FUNDER_KEY'))
    .addOption(new Option('-p, --priv-key <key>', 'alias of --funder-key (contender\'s name)').hideHelp())
    .addOption(new Option('--funder-key-file <path>', 'read the funder key from a file'))
    .addOption(new Option('--min-balance <amount>', 'top up pool accounts below this (default: 0.01 eth; 1000 eth on the embedded devnet)'))
    .addOption(new Option('--skip-funding', 'do not top up the pool'))
    .addOption(new Option('--tps <n>', 'send rate across the pool; 0 = as fast as the workers go').default('0'))
    .addOption(new Option('--max-txs <n>', 'stop reading after this many accepted specs'))
    .addOption(new Option('--duration <time>', 'stop after this long (e.g. 30s); queued specs end as CANCELLED'))
    .addOption(new Option('--retries <n>', 'resends of the same signed tx after a transport failure').default('3'))
    .addOption(new Option('--rpc-timeout <time>', 'timeout of one RPC request').default('10s'))
    .addOption(new Option('--batch-size <n>', 'most sends coalesced into one JSON-RPC batch; 1 = no batching (default: a quarter of the pool, at most 100)').default('auto'))
    .addOption(new Option('--batch-wait <time>', 'how long a send waits for others to share its batch (0 = same event-loop turn)').default('0'))
    .addOption(new Option('--signer <backend>', 'signing backend: native libsecp256k1 when it loads, else viem (auto)').choices(['auto', 'native', 'viem']).default('auto'))
    .addOption(new Option('--fee-refresh <time>', 'fee snapshot refresh period (default: the block time, or 2s)'))
    .addOption(new Option('--priority-fee <amount>', 'pin the priority fee (tip), e.g. "1 gwei"'))
    .addOption(new Option('--gas-price <amount>', 'pin the fee: legacy gas price, or max fee per gas'))
    .addOption(new Option('--tx-type <type>', 'tx type of specs that give no tx_type and imply none (default: eip1559, legacy on a chain without base fee)').choices([...TX_TYPES]))
    .addOption(new Option('--dry-run', 'build and sign without sending; tx_result carries raw_tx'))
    .addOption(new Option('--allow-mainnet', 'allow public mainnet chain ids'))
    .addOption(new Option('--reader-queue <n>', 'capacity of the queue between reader and router').default('256'))
    .addOption(new Option('--worker-queue <n>', 'capacity of each worker\'s queue').default('64'))
    .addOption(new Option('--receipt-timeout <time>', 'a sent tx without a receipt this long after it was accepted gets tx_timeout').default('60s'))
    .addOption(new Option('--receipts-by <how>', 'read receipts per block (eth_getBlockReceipts) or per tx in JSON-RPC batches; auto: per tx on anvil, where block receipts hold the node').choices(['auto', 'block', 'tx']).default('auto'))
    .addOption(new Option('--gap-check <time>', "how often each signer's pending nonce is checked for txs the node lost (rebroadcast, else nonce_gap_filled); 0: off (default: 2 block times, 1-10 s)"))
    .addOption(new Option('--no-receipts', 'do not follow blocks: no tx_receipt / tx_timeout, no inclusion figures'))
    .addOption(new Option('--report-interval <time>', 'emit a progress event this often (e.g. 5s)'))
    .addOption(new Option('--metrics-port <port>', 'serve Prometheus metrics on 127.0.0.1:<port>/metrics (0: a free port, logged)'))
    .addOption(assertOption())
    .addOption(new Option('--log-level <level>', 'stderr log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'))
    .action(async (flags: SendFlags, cmd: Command) => {
      // a live status line when stderr is a terminal and stdout is not (events on a terminal would break it)
      const statusLine = process.stdout.isTTY ? undefined : StatusLine.for(process.stderr)
      const log = createLogger({ level: flags.logLevel as 'info', ...(statusLine ? { destination: statusLine.logStream, pretty: true } : {}) })
      const controller = new AbortController()
      const signals = installSignals(controller, log)
      const checks = assertions(flags.assert)
      const opts = { ...resolveSendOptions(flags, cmd, log, controller.signal), ...(statusLine ? { statusLine } : {}), ...(checks.onSummary ? { onSummary: checks.onSummary } : {}) }
      try {
        const result = await send(opts)
        process.exitCode = checks.finish(exitCodeFor(result.reason, signals.received()))
      } finally {
        signals.remove()
      }
    })
}

/** `send` flags → SendOptions; `given` replaces `--from` (`floodgate run` streams its own specs). */
export function resolveSendOptions(flags: SendFlags, cmd: Command, log: ReturnType<typeof createLogger>, signal: AbortSignal, given?: SendOptions['input']): SendOptions {
  const fromCli = (name: string) => cmd.getOptionValueSource(name) === 'cli'
  for (const [name, env] of [['funderKey', 'FLOODGATE_FUNDER_KEY'], ['privKey', 'FLOODGATE_FUNDER_KEY'], ['mnemonic', 'FLOODGATE_MNEMONIC'], ['seed', 'FLOODGATE_SEED']] as const) {
    if (fromCli(name) && flags[name] !== undefined) {
      log.warn(`a secret given on the command line is visible to other users in ps; use the ${env} env var${name.endsWith('Key') ? ' or --funder-key-file' : ''} instead`)
    }
  }
  if (flags.seed !== undefined && flags.mnemonic !== undefined) throw new UsageError('--seed and --mnemonic are exclusive: give one')
  const onCli = [flags.funderKeyFile, flags.privKey, fromCli('funderKey') ? flags.funderKey : undefined].filter((k) => k !== undefined)
  if (onCli.length > 1) throw new UsageError('give the funder key once: --funder-key, -p/--priv-key or --funder-key-file')
  let funderKey: Hex | undefined
  if (flags.funderKeyFile !== undefined) funderKey = readKeyFile(flags.funderKeyFile, '--funder-key-file')
  else if (flags.privKey !== undefined) funderKey = parsePrivateKey(flags.privKey, '--priv-key')
  else if (flags.funderKey !== undefined) funderKey = parsePrivateKey(flags.funderKey, fromCli('funderKey') ? '--funder-key' : 'FLOODGATE_FUNDER_KEY')

  if (flags.rpcUrl !== undefined) {
    try {
      const u = new URL(flags.rpcUrl)
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error()
    } catch {
      throw new UsageError('--rpc-url: not an http(s) URL')
    }
  }
  let input: SendOptions['input']
  if (given) input = given
  else if (flags.from === 'stdin' || flags.from === '-') input = process.stdin
  else {
    try {
      if (!statSync(flags.from).isFile()) throw new Error()
    } catch {
      throw new UsageError(`--from: ${flags.from} is not a readable file`)
    }
    input = createReadStream(flags.from)
  }
  const poolSize = parseCount(flags.poolSize, '--pool-size', 1)
  return {
    ...(flags.rpcUrl !== undefined ? { rpcUrl: flags.rpcUrl } : {}),
    input,
    output: process.stdout,
    log,
    pools: [{ name: flags.fromPool, size: poolSize }],
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.mnemonic !== undefined ? { mnemonic: flags.mnemonic } : {}),
    ...(funderKey !== undefined ? { funderKey } : {}),
    ...(flags.minBalance !== undefined ? { minBalance: parseWei(flags.minBalance, '--min-balance') } : {}),
    skipFunding: flags.skipFunding === true,
    tps: parseRate(flags.tps, '--tps'),
    ...(flags.maxTxs !== undefined ? { maxTxs: parseCount(flags.maxTxs, '--max-txs') } : {}),
    ...(flags.duration !== undefined ? { durationMs: parseDuration(flags.duration, '--duration') } : {}),
    retries: parseCount(flags.retries, '--retries'),
    ...rpcTimeouts(parseDuration(flags.rpcTimeout, '--rpc-timeout')),
    ...(flags.batchSize !== 'auto' ? { batchSize: parseCount(flags.batchSize, '--batch-size', 1) } : {}),
    batchWaitMs: parseDuration(flags.batchWait, '--batch-wait'),
    signer: flags.signer as 'auto' | 'native' | 'viem',
    ...(flags.feeRefresh !== undefined ? { feeRefreshMs: Math.max(100, parseDuration(flags.feeRefresh, '--fee-refresh')) } : {}),
    ...(flags.priorityFee !== undefined ? { priorityFee: parseWei(flags.priorityFee, '--priority-fee') } : {}),
    ...(flags.gasPrice !== undefined ? { gasPrice: parseWei(flags.gasPrice, '--gas-price') } : {}),
    ...(flags.txType !== undefined ? { txType: flags.txType as TxType } : {}),
    dryRun: flags.dryRun === true,
    allowMainnet: flags.allowMainnet === true,
    receipts: flags.receipts !== false,
    receiptSource: flags.receiptsBy as 'auto' | 'block' | 'tx',
    receiptTimeoutMs: positive(parseDuration(flags.receiptTimeout, '--receipt-timeout'), '--receipt-timeout'),
    ...(flags.gapCheck !== undefined ? { gapCheckMs: parseDuration(flags.gapCheck, '--gap-check') } : {}),
    ...(flags.reportInterval !== undefined ? { reportIntervalMs: Math.max(100, parseDuration(flags.reportInterval, '--report-interval')) } : {}),
    ...(flags.metricsPort !== undefined ? { metricsPort: parseCount(flags.metricsPort, '--metrics-port', 0, 65_535) } : {}),
    readerCapacity: parseCount(flags.readerQueue, '--reader-queue', 1),
    workerCapacity: parseCount(flags.workerQueue, '--worker-queue', 1),
    signal,
  }
}

/** `--rpc-timeout`: one request's timeout, the first contact's (at most 8 s) and how long an outage may last. */
function rpcTimeouts(ms: number): Pick<SendOptions, 'requestTimeoutMs' | 'connectTimeoutMs' | 'maxOutageMs'> {
  return { requestTimeoutMs: ms, connectTimeoutMs: Math.min(ms, DEFAULT_CONNECT_TIMEOUT_MS), maxOutageMs: ms }
}

function positive(ms: number, flag: string): number {
  if (ms <= 0) throw new UsageError(`${flag}: must be longer than 0`)
  return ms
}
