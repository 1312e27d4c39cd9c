/** The option table: every flag of every command, declared once (name, env var, default, help, parser, commands). */
import type { SendOptions } from '../send.js'
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../startup/openChain.js'
import { DEFAULT_IN_FLIGHT, DEFAULT_RECEIPT_TIMEOUT_MS } from '../defaults.js'
import { TX_TYPES, type TxType } from '../stream/spec.js'
import { DEVNET_NODES, type DevnetNode } from '../devnet/embedded.js'
import { parseShard, shardFromJobIndex } from '../base/shard.js'
import type { HelpGroup } from './helpGroups.js'
import { parseCount, parseDuration, parseHttpUrl, parsePositiveDuration, parseRate, parseWei } from './parseFlags.js'

export const COMMANDS = ['send', 'run', 'setup', 'gen', 'devnet', 'report'] as const
export type CommandName = (typeof COMMANDS)[number]

/** Without --duration or --max-txs, a run lasts this long. */
export const DEFAULT_RUN_DURATION = '10s'
/** Without --tps, a run sends this many txs per second. */
export const DEFAULT_RUN_TPS = '100'

/** What one command changes about a flag it takes; `null`: this command has none. */
export interface FlagOverride {
  help?: string
  doc?: string
  env?: string | null
  default?: string | null
  defaultText?: string | null
  mandatory?: boolean
}

interface FlagBase extends Partial<Record<CommandName, FlagOverride>> {
  /** The long name without the dashes (`rpc-url`; `no-receipts` for a negated switch). */
  long: string
  /** Where `--help` and docs/cli.md list it (src/cli/helpGroups.ts). */
  group: HelpGroup
  short?: string
  env?: string
  /** The literal default value, as typed on the command line. */
  default?: string
  /** The default in words, when it is not one literal value (shown as the default, parsed by nobody). */
  defaultText?: string
  choices?: readonly string[]
  /** One line for `--help`. */
  help: string
  /** The meaning in docs/cli.md (markdown), when it says more than `help`. */
  doc?: string
  /** Accepted, but not listed by `--help`. */
  hidden?: boolean
  mandatory?: boolean
  /** A secret: given on the command line, it draws a warning naming this safer way. */
  secret?: string
  /** The commands that take it, in no particular order. */
  commands: readonly CommandName[]
}

/** A flag with a value (`--tps <n>`); `to` turns the value into the SendOptions fields it sets. */
export interface ValueFlag extends FlagBase {
  arg: string
  /** Given more than once, the values add up to a list. */
  repeatable?: boolean
  to?: (value: string, flag: string) => Partial<SendOptions>
}

/** A switch (`--dry-run`, `--no-receipts`); `to` is told whether it was given. */
export interface SwitchFlag extends FlagBase {
  arg?: undefined
  to?: (given: boolean) => Partial<SendOptions>
}

export type Flag = ValueFlag | SwitchFlag

const SEND: readonly CommandName[] = ['send']
/** The commands that send: `send`, and `run` through the same pipeline. */
const SENDING: readonly CommandName[] = ['send', 'run']
/** The commands that open a chain to send on (a pool, funding, fees). */
const CHAIN: readonly CommandName[] = ['send', 'run', 'setup']
const SCENARIO: readonly CommandName[] = ['run', 'setup']
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const
const FUNDER_KEY_ADVICE = 'the FLOODGATE_FUNDER_KEY env var or --funder-key-file'
const SCENARIO_MIN_BALANCE = {
  help: 'top up every scenario account below this',
  doc: 'every scenario account is topped up to this, plus the value its setup calls send; before each deploy or setup step, its senders are topped up to the step\'s estimated cost (gas × max fee + value) plus this; before the spam, each spam account is funded from the spend model, for a window of `--in-flight` of the costliest spam tx at the first bid plus 30 s of its share of `--tps`, with this as the floor; the default lasts an account one `--keep-funded` period of 100 txs of the costliest built-in scenario at a 1 gwei base fee ([reliability.md](reliability.md#the-default---min-balance))',
}

/** The table, in the order `--help` and docs/cli.md list the flags within a group. */
export const FLAGS: readonly Flag[] = [
  { long: 'count', group: 'start', arg: '<n>', help: 'number of specs', mandatory: true, commands: ['gen'] },
  {
    long: 'rpc-url', group: 'start', short: 'r', arg: '<url>', env: 'RPC_URL', commands: [...CHAIN, 'gen'], repeatable: true,
    help: 'target JSON-RPC endpoint; repeatable: the signers are spread over the endpoints, each signer always on the same one',
    doc: 'target JSON-RPC endpoint (http/https). Given more than once (`send`, `run`), the signers are spread over the endpoints (signer k on endpoint k mod m), each always on the same one; fees, receipts and funding use the first; `tx_result.endpoint` says which one sent ([scale-out.md](scale-out.md#several-endpoints))',
    defaultText: 'start the embedded anvil devnet',
    to: (v, flag) => ({ rpcUrl: parseHttpUrl(v, flag) }),
    setup: { defaultText: null, help: 'target JSON-RPC endpoint; required (the embedded devnet lives only as long as one command)', doc: 'target JSON-RPC endpoint; required (the embedded devnet lives only as long as one command); given more than once, the first' },
    gen: { defaultText: null, help: 'chain whose recorded deployment to use (asks its chain id and checks the contracts are there)', doc: 'chain whose recorded deployment to use (asks its chain id and checks the contracts are there); given more than once, the first' },
  },
  {
    long: 'send-rpc-url', group: 'connection', arg: '<url>', env: 'SEND_RPC_URL', commands: CHAIN,
    help: 'send the txs (eth_sendRawTransaction) to this endpoint, a sequencer or builder; everything else reads --rpc-url',
    doc: 'send every tx (`eth_sendRawTransaction`: the spam, funding, setup) to this endpoint, e.g. a sequencer or a builder; blocks, receipts, nonces and fees are read from `--rpc-url` (contender\'s `--txs-url`, polygon-cli\'s `--send-rpc-url`). Needs `--rpc-url`, once',
    to: (v, flag) => ({ sendRpcUrl: parseHttpUrl(v, flag) }),
  },
  { long: 'chain-id', group: 'connection', arg: '<id>', help: 'use the deployment recorded for this chain id, without asking a node', commands: ['gen'] },
  { long: 'from', group: 'start', arg: '<stdin|file>', default: 'stdin', help: 'where specs come from: stdin (or -), or a JSON-lines file', commands: SEND },
  {
    long: 'pool-size', group: 'accounts', arg: '<n>', default: '10', commands: SEND,
    help: 'signer accounts in the pool = concurrent workers', doc: 'signer accounts in the pool = concurrent workers; 1 with `--in-flight 1` is fully serial',
  },
  {
    long: 'from-pool', group: 'accounts', arg: '<name>', default: 'executors', commands: [...SEND, 'gen'],
    help: 'name of the pool; not given: the first spec\'s from_pool, else executors; specs with another from_pool are invalid',
    gen: { default: null, help: 'put from_pool = <name> on every line, instead of each spam entry\'s own pool', doc: 'put `"from_pool": "<name>"` on every line, instead of each spam entry\'s own pool (`send` takes its pool from the first line)' },
  },
  {
    long: 'seed', group: 'accounts', arg: '<seed>', env: 'FLOODGATE_SEED', defaultText: 'a random seed kept in the state dir', secret: 'the FLOODGATE_SEED env var',
    commands: [...CHAIN, 'gen'], help: 'derive the pool from this seed (at least 8 characters, not guessable: an empty, short or repetitive seed is refused)', to: (v) => ({ seed: v }),
    run: { help: 'derive the pools (and the fuzz values) from this seed' },
    setup: { help: 'derive the scenario\'s accounts from this seed (give `run` the same)' },
    gen: { env: null, default: 'floodgate', defaultText: null, help: 'seed of the fuzz values; the same seed gives the same lines' },
  },
  { long: 'key-derivation', group: 'accounts', arg: '<how>', choices: ['floodgate', 'contender'], default: 'floodgate', commands: CHAIN, to: (v) => ({ keyDerivation: v as 'floodgate' | 'contender' }),
    help: "how --seed becomes the pool's keys: floodgate's own, or contender's (its addresses for the same --seed, a number, and pool name)" },
  {
    long: 'mnemonic', group: 'accounts', arg: '<words>', env: 'FLOODGATE_MNEMONIC', secret: 'the FLOODGATE_MNEMONIC env var', commands: SEND,
    help: 'derive the pool from a BIP-39 mnemonic instead (m/44\'/60\'/0\'/0/i)', to: (v) => ({ mnemonic: v }),
  },
  {
    long: 'funder-key', group: 'accounts', arg: '<key>', env: 'FLOODGATE_FUNDER_KEY', secret: FUNDER_KEY_ADVICE, commands: CHAIN,
    defaultText: 'the dev key on the embedded devnet, else none',
    help: 'private key that tops up the pool (prefer the env var or --funder-key-file)',
    setup: { defaultText: null, help: 'private key that tops up the scenario\'s accounts (prefer the env var or --funder-key-file)' },
  },
  {
    long: 'priv-key', group: 'accounts', short: 'p', arg: '<key>', hidden: true, secret: FUNDER_KEY_ADVICE, commands: CHAIN,
    help: 'alias of --funder-key (contender\'s name)', doc: 'alias of `--funder-key` (contender\'s name); not listed by `--help`',
  },
  { long: 'funder-key-file', group: 'accounts', arg: '<path>', help: 'read the funder key from a file (at most 4 KiB; a file others can read is warned of)', commands: CHAIN },
  {
    long: 'min-balance', group: 'accounts', arg: '<amount>', defaultText: '0.1 eth; 1000 eth on the embedded devnet', commands: CHAIN,
    help: 'top up pool accounts below this', doc: 'pool accounts below this are topped up to it before sending: a floor. During the run (`--keep-funded`) each account is topped up to what it spends, and a signer short of money for its next tx asks the funder out of turn ([reliability.md](reliability.md#a-chain-at-capacity-and-the-funder)). The default lasts an account one `--keep-funded` period of 100 txs of the costliest built-in scenario at a 1 gwei base fee ([reliability.md](reliability.md#the-default---min-balance))',
    to: (v, flag) => ({ minBalance: parseWei(v, flag) }),
    run: SCENARIO_MIN_BALANCE,
    setup: { ...SCENARIO_MIN_BALANCE, defaultText: '0.1 eth' },
  },
  {
    long: 'skip-funding', group: 'accounts', help: 'do not top up the pool', commands: CHAIN, to: (given) => ({ skipFunding: given }),
    setup: { help: 'do not top up the scenario\'s accounts' },
  },
  {
    long: 'tps', group: 'start', arg: '<n>', default: '0', commands: SENDING,
    help: 'send rate across the pool; 0 = as fast as the workers go; auto = the highest rate the chain includes without a growing backlog; gas-target = blocks half full, the base fee flat (soaks)',
    doc: 'send rate across the pool; `0` = as fast as the workers go; `auto` = steered by inclusion to the highest rate the chain includes without a growing backlog (our backlog held at about one block\'s worth), found and reported (`summary.capacity`); `gas-target` = steered to the chain\'s gas target, blocks half full by gas (EIP-1559\'s target), so the base fee stays flat: for runs of hours (`run transfers --forever --tps gas-target`) ([architecture.md](architecture.md#saturation))',
    to: (v, flag) => (v.trim() === 'auto' ? { tps: 0, autoTps: 'capacity' } : v.trim() === 'gas-target' ? { tps: 0, autoTps: 'gas-target' } : { tps: parseRate(v, flag) }),
    run: { default: DEFAULT_RUN_TPS, help: 'send rate across all pools; 0 = as fast as the workers go; auto = steered by inclusion; gas-target = blocks half full' },
  },
  {
    long: 'tpb', group: 'pacing', arg: '<n>', commands: SENDING,
    help: 'send n txs for each new block (contender\'s per-block mode) instead of a rate; exclusive with --tps, --ramp, --stage',
    doc: 'send n txs for each new block instead of a rate (contender\'s per-block mode): heads are watched with `eth_blockNumber`, and slots of a block not taken by the next are missed ([load shapes](load-shapes.md))',
  },
  {
    long: 'ramp', group: 'pacing', arg: '<from>:<to>', commands: SENDING,
    help: 'ramp the rate linearly from <from> to <to> tx/s over --duration (needs --duration on send)',
    doc: 'ramp the rate linearly from `<from>` to `<to>` tx/s over `--duration` (e.g. `--ramp 50:500 --duration 10s`) ([load shapes](load-shapes.md))',
  },
  {
    long: 'stage', group: 'pacing', arg: '<[name=]time:rate>', repeatable: true, commands: SENDING,
    help: 'one stage of the load, repeatable, in order: 30s:200 (tx/s), 10s:50..500 (a ramp), 20s:20/block (per block); the stages set the run\'s length',
    doc: 'one stage of the load, repeatable, in order: `30s:200` (tx/s), `warm=10s:50..500` (a named ramp), `20s:20/block` (per block); the stages set the run\'s length, events carry the stage\'s name ([load shapes](load-shapes.md))',
  },
  {
    long: 'forever', group: 'pacing', commands: ['run'],
    help: 'send until a signal (SIGINT/SIGTERM), with no duration (contender\'s flag)',
    doc: 'send until a signal (SIGINT/SIGTERM) instead of for `--duration` (contender\'s flag); memory stays flat: nothing is kept of a tx after its terminal event ([benchmarks](benchmarks.md))',
  },
  {
    long: 'duration-scale', group: 'pacing', arg: '<factor>', commands: ['run'],
    help: 'campaigns: multiply every stage\'s duration by this (0.05: a 60 s stage lasts 3 s)',
    doc: 'contender campaigns: multiply every stage\'s duration by this (`0.05`: a 60 s stage lasts 3 s; the rates stay) ([campaigns](campaigns.md))',
  },
  {
    long: 'max-txs', group: 'pacing', arg: '<n>', commands: SENDING,
    help: 'stop reading after this many accepted specs', to: (v, flag) => ({ maxTxs: parseCount(v, flag) }),
    run: { help: 'send this many txs', doc: 'send this many txs (with `--duration`, the smaller count)' },
  },
  {
    long: 'duration', group: 'start', arg: '<time>', commands: SENDING,
    help: 'stop after this long (e.g. 30s); queued specs end not sent (summary.not_sent, not failed)', to: (v, flag) => ({ durationMs: parseDuration(v, flag) }),
    run: {
      defaultText: `${DEFAULT_RUN_DURATION} unless --max-txs`,
      help: 'send for this long; what was generated is sent, nothing is cancelled',
      doc: 'send for this long; with `--tps`, exactly rate × duration txs; what was generated is sent, nothing is cancelled at the end',
    },
  },
  {
    long: 'in-flight', group: 'pacing', arg: '<n>', default: String(DEFAULT_IN_FLIGHT), commands: SENDING,
    help: 'sends of one signer outstanding at once, at consecutive nonces (1: strictly one after another)',
    doc: 'sends of one signer outstanding at once, at consecutive nonces; `1` sends strictly one after another. Blob and set-code txs are always sent alone. Halved for a signer while the node refuses its txs for its per-account pool limit (the rules: [architecture](architecture.md#several-sends-in-flight); 8 is several times faster at a distance: [benchmarks](benchmarks.md#several-sends-in-flight))',
    to: (v, flag) => ({ inFlight: parseCount(v, flag, 1, 1024) }),
  },
  {
    long: 'retries', group: 'faults', arg: '<n>', default: '3', commands: SENDING,
    help: 'resends of the same signed tx after a transport failure', to: (v, flag) => ({ retries: parseCount(v, flag) }),
  },
  { long: 'request-timeout', group: 'receipts', arg: '<time>', default: '10s', help: 'timeout of one RPC request', commands: CHAIN },
  {
    long: 'connect-timeout', group: 'receipts', arg: '<time>', defaultText: `the request timeout, at most ${DEFAULT_CONNECT_TIMEOUT_MS / 1000}s`, commands: CHAIN,
    help: 'how long the first contact with the node (eth_chainId, retried through transient failures) may take',
  },
  {
    long: 'max-outage', group: 'faults', arg: '<time>', default: '10s', commands: CHAIN,
    help: 'how long the node may stay unreachable before the run gives up (the remaining specs end RPC_UNAVAILABLE, exit 1)',
    doc: 'how long the node may stay unreachable before the run gives up: the remaining specs end `RPC_UNAVAILABLE`, exit 1',
    setup: { help: 'how long the node may stay unreachable before setup gives up' },
  },
  {
    long: 'rpc-timeout', group: 'receipts', arg: '<time>', commands: CHAIN,
    help: `all three at once: --request-timeout and --max-outage <time>, --connect-timeout <time> but at most ${DEFAULT_CONNECT_TIMEOUT_MS / 1000}s; each of them, given too, wins for its own part`,
    doc: `all three at once (the one timeout of earlier versions): \`--request-timeout\` and \`--max-outage\` get \`<time>\`, \`--connect-timeout\` gets \`<time>\` but at most ${DEFAULT_CONNECT_TIMEOUT_MS / 1000}s; each of them, given too, wins for its own part`,
  },
  {
    long: 'batch-size', group: 'connection', arg: '<n>', default: 'auto', commands: SENDING,
    help: 'most sends coalesced into one JSON-RPC batch; 1 = no batching; auto = a quarter of the sends in flight (pool × --in-flight), at most 100',
    doc: 'most sends coalesced into one JSON-RPC batch; `1` = no batching; `auto` = a quarter of the sends in flight (pool × `--in-flight`), at most 100. Each send still gets its own answer or error',
    to: (v, flag) => (v === 'auto' ? {} : { batchSize: parseCount(v, flag, 1) }),
  },
  {
    long: 'batch-wait', group: 'connection', arg: '<time>', default: '0', commands: SENDING,
    help: 'how long a send waits for others to share its batch (0 = same event-loop turn)', to: (v, flag) => ({ batchWaitMs: parseDuration(v, flag) }),
  },
  {
    long: 'signer', group: 'txs', arg: '<backend>', choices: ['auto', 'native', 'viem'], default: 'auto', commands: CHAIN,
    help: 'signing backend: native libsecp256k1 when it loads, else viem (auto)',
    doc: '`native` (libsecp256k1, from the `secp256k1` package\'s prebuilt addon), `viem` (pure JS, same bytes, ≈8× the CPU); `auto` = native when the addon loads',
    to: (v) => ({ signer: v as 'auto' | 'native' | 'viem' }),
  },
  {
    long: 'fee-refresh', group: 'txs', arg: '<time>', defaultText: 'the block time, or 2s', commands: SENDING,
    help: 'fee snapshot refresh period', to: (v, flag) => ({ feeRefreshMs: Math.max(100, parseDuration(v, flag)) }),
  },
  {
    long: 'priority-fee', group: 'txs', arg: '<amount>', defaultText: 'the node\'s suggestion', commands: CHAIN,
    help: 'pin the priority fee (tip), e.g. "1 gwei"', to: (v, flag) => ({ priorityFee: parseWei(v, flag) }),
  },
  {
    long: 'gas-price', group: 'txs', arg: '<amount>', commands: CHAIN,
    help: 'pin the fee: legacy gas price, or max fee per gas', to: (v, flag) => ({ gasPrice: parseWei(v, flag) }),
  },
  {
    long: 'max-fee', group: 'txs', arg: '<amount>', commands: CHAIN,
    help: 'cap every bid (first send and replacements), e.g. "50 gwei"; a spec that needs more ends FEE_CAP_REACHED',
    doc: 'caps every bid, first send and [replacements](events.md#tx_replaced) alike: no tx bids a fee cap above it; a spec whose tx needs more (the base fee rose above it) ends with `FEE_CAP_REACHED` (`tx_result` when the base fee is already above it at send time, else `tx_timeout` with `reason: "fee_cap"`)',
    to: (v, flag) => ({ maxFee: parseWei(v, flag) }),
  },
  {
    long: 'tx-type', group: 'txs', arg: '<type>', choices: TX_TYPES, defaultText: 'eip1559, legacy on a chain without base fee', commands: SENDING,
    help: 'tx type of specs that give no tx_type and imply none',
    doc: 'type of lines that give no `tx_type` and imply none ([tx types](stream-format.md#tx-types))',
    to: (v) => ({ txType: v as TxType }),
  },
  {
    long: 'dry-run', group: 'txs', commands: SEND, help: 'build and sign without sending; tx_result carries raw_tx',
    doc: 'build and sign without sending; `tx_result.raw_tx` has the signed bytes', to: (given) => ({ dryRun: given }),
  },
  {
    long: 'allow-mainnet', group: 'connection', commands: CHAIN, help: 'allow public mainnet chain ids',
    doc: 'allow public mainnet chain ids (refused otherwise)', to: (given) => ({ allowMainnet: given }),
  },
  {
    long: 'reader-queue', group: 'pacing', arg: '<n>', default: '256', commands: SENDING,
    help: 'capacity of the queue between reader and router', to: (v, flag) => ({ readerCapacity: parseCount(v, flag, 1) }),
  },
  {
    long: 'worker-queue', group: 'pacing', arg: '<n>', default: '64', commands: SENDING,
    help: 'capacity of each worker\'s queue', to: (v, flag) => ({ workerCapacity: parseCount(v, flag, 1) }),
  },
  {
    long: 'ordered', group: 'output', commands: SENDING, help: 'write tx_result events in idx order, through a bounded reorder stash (a slow spec holds back the later lines)',
    doc: 'write `tx_result` events in `idx` order: a result that completes before an earlier one waits in a stash, and events about it (`tx_receipt`, `tx_replaced`, …) wait behind it; the router lets spec `idx` on only while `idx` < the next result to write + `--reorder-window`, so the stash stays bounded, and waiting for that is `backpressure` with `stage: "reorder"` ([events.md](events.md#ordering): the guarantee and what it costs)',
    to: (given) => ({ ordered: given }),
  },
  {
    long: 'reorder-window', group: 'output', arg: '<n>', defaultText: '--worker-queue + --in-flight per signer', commands: SENDING,
    help: 'with --ordered: how many specs may be past the router without their tx_result written',
    doc: 'with `--ordered`: how many specs may be past the router without their `tx_result` written; the stash holds fewer results than this. The default is what the worker queues hold anyway, so ordering adds no wait while the workers keep pace with each other',
    to: (v, flag) => ({ reorderWindow: parseCount(v, flag, 1) }),
  },
  {
    long: 'receipt-timeout', group: 'receipts', arg: '<time>', default: `${DEFAULT_RECEIPT_TIMEOUT_MS / 1000}s`, commands: SENDING,
    help: 'a sent tx without a receipt this long after it was accepted gets tx_timeout',
    to: (v, flag) => ({ receiptTimeoutMs: parsePositiveDuration(v, flag) }),
  },
  {
    long: 'receipts-by', group: 'receipts', arg: '<how>', choices: ['auto', 'block', 'tx'], default: 'auto', commands: SENDING,
    help: 'read receipts per block (eth_getBlockReceipts) or per tx in JSON-RPC batches; auto: per tx on anvil, where block receipts hold the node',
    doc: '`block`: one `eth_getBlockReceipts` per block of ours; `tx`: per tx of ours, in JSON-RPC batches of 100; `auto`: `tx` on anvil, whose block receipts hold the whole node, else `block` ([architecture](architecture.md#receipts))',
    to: (v) => ({ receiptSource: v as 'auto' | 'block' | 'tx' }),
  },
  {
    long: 'full-receipts', group: 'receipts', commands: SENDING,
    help: "read every tx's receipt from the node, also where its block tells the outcome (--receipts-by says how)",
    doc: "read every tx's receipt from the node. By default a transfer without calldata to an address with no code ends from its block body alone (`tx_receipt.outcome_from: \"block\"`: success, its intrinsic gas, the price its fees and the block's base fee give), once the run's first 16 such receipts matched the node's field by field; every other tx's receipt is read as `--receipts-by` says ([architecture](architecture.md#receipts))",
    to: (given) => ({ fullReceipts: given }),
  },
  {
    long: 'keep-funded', group: 'accounts', arg: '<time>', default: '10s', commands: SENDING,
    help: 'how often pool balances are checked during the run; accounts are topped up from the funder to what they spend; 0: off',
    doc: 'how often, during the run, the pool\'s and the funder\'s balances are read (`src/accounts/treasury.ts`): each account\'s spend since the last check, projected one period ahead by how fast it grew, sets its top-up (its window\'s cost at today\'s fee cap plus two periods of spend, topped up to four), all in one batch of the funder\'s sends; between checks a signer that cannot pay its next tx asks the funder out of turn. A funder that will not last 120 s at the projected spend gives `funds_low`; one that cannot pay a top-up, `funds_exhausted`, after which a tx its account cannot pay ends `FUNDS_EXHAUSTED`, unsent. Off with `--skip-funding`, `--dry-run`, no funder, or 0 (a signer short of money then waits up to 30 s for its txs in flight to be mined, then fails `INSUFFICIENT_FUNDS`)',
    to: (v, flag) => ({ keepFundedMs: parseDuration(v, flag) }),
  },
  {
    long: 'gap-check', group: 'faults', arg: '<time>', defaultText: '2 block times, 1-10 s', commands: SENDING,
    help: 'how often each signer\'s pending nonce is checked for txs the node lost (rebroadcast, else nonce_gap_filled); 0: off',
    to: (v, flag) => ({ gapCheckMs: parseDuration(v, flag) }),
  },
  {
    long: 'no-receipts', group: 'receipts', commands: SENDING, help: 'do not follow blocks: no tx_receipt / tx_timeout, no inclusion figures',
    doc: 'do not follow blocks: no `tx_receipt` / `tx_timeout`, no inclusion figures, no wait at the end', to: (given) => ({ receipts: !given }),
  },
  {
    long: 'report-interval', group: 'output', arg: '<time>', commands: SENDING, help: 'emit a progress event this often (e.g. 5s)',
    to: (v, flag) => ({ reportIntervalMs: Math.max(100, parseDuration(v, flag)) }),
  },
  {
    long: 'metrics-port', group: 'output', arg: '<port>', commands: SENDING, help: 'serve Prometheus metrics on 127.0.0.1:<port>/metrics (0: a free port, logged)',
    doc: 'serve Prometheus metrics on `127.0.0.1:<port>/metrics` (`0`: a free port, logged); `/` is a page naming the run and linking them. Every counter series starts at 0 for the label values known before they happen (the kind `(none)`, each error code of `tx_result`, the receipt statuses, the timeout reasons, the backpressure stages; a kind\'s series at its first event: src/metrics/knownLabels.ts), so that `rate()` and alerts see the first failure',
    to: (v, flag) => ({ metricsPort: parseCount(v, flag, 0, 65_535) }),
  },
  {
    long: 'metrics-host', group: 'output', arg: '<address>', default: '127.0.0.1', commands: SENDING,
    help: 'the address --metrics-port listens on; 0.0.0.0 where Prometheus scrapes from outside (a pod)',
    doc: 'the address `--metrics-port` listens on; `0.0.0.0` where Prometheus scrapes from outside, e.g. a Kubernetes pod ([scale-out.md](scale-out.md#kubernetes))',
    to: (v) => ({ metricsHost: v }),
  },
  {
    long: 'events', group: 'output', arg: '<-|file>', defaultText: 'stdout, unless it is a terminal', commands: SENDING,
    help: "where the JSON-line events go: - (stdout, a terminal too) or a file; on a terminal they are not printed by default (the status line and the summary are)",
    doc: 'where the JSON-line events go: `-` (stdout, even when it is a terminal) or a file. By default they go to stdout when it is a pipe or a file, and nowhere when it is a terminal, which shows the live status line and the end-of-run summary instead ([README](../README.md#quick-start))',
  },
  {
    long: 'assert', group: 'output', arg: '<expr>', repeatable: true, commands: SENDING,
    help: 'threshold over the summary, repeatable: \'failed == 0\', \'p99_inclusion_ms < 3000 && included_tps >= 190\'; a miss exits 3',
    doc: 'threshold over the summary, repeatable (`\'failed == 0\'`, `\'p99_inclusion_ms < 3000\'`); results in `summary.asserts`; a miss exits 3 ([ci.md](ci.md#thresholds))',
  },
  {
    long: 'shard', group: 'pacing', arg: '<i/n>', env: 'FLOODGATE_SHARD', commands: SENDING,
    help: 'be shard i of n (0-based): signers of its own, every n-th input line from line i+1, 1/n of --tps',
    doc: 'be shard `i` of `n` (0-based) of one load run on several processes or machines: signers of its own (derived from the seed and `i`), the input lines whose number − 1 is `i` modulo `n` (the others get no event from it), `1/n` of `--tps`; events carry `shard`, metrics a `shard` label ([scale-out.md](scale-out.md))',
    to: (v, flag) => ({ shard: parseShard(v, flag) }),
    run: {
      help: 'be shard i of n (0-based): accounts of its own, 1/n of the rate and of the mix; shard 0 deploys, the others wait for its record',
      doc: 'be shard `i` of `n` (0-based): accounts of its own, `1/n` of the rate and of the spam mix; shard 0 deploys and sets up, the others wait until the deployment is on chain ([scale-out.md](scale-out.md))',
    },
  },
  {
    long: 'shards', group: 'pacing', arg: '<n>', env: 'FLOODGATE_SHARDS', commands: SENDING,
    help: 'be shard $JOB_COMPLETION_INDEX of n (each pod of a Kubernetes Indexed Job): as --shard',
    to: (v, flag) => ({ shard: shardFromJobIndex(v, flag) }),
  },
  {
    long: 'accounts-per-pool', group: 'accounts', arg: '<n>', default: '10', commands: SCENARIO,
    help: 'accounts (= workers) of each named pool (from_pool) that sends spam',
    doc: 'accounts (= workers) of each named pool (`from_pool`) that sends spam; a pool only `[[create]]` / `[[setup]]` use has 1',
  },
  {
    long: 'label', group: 'accounts', arg: '<label>', commands: [...SCENARIO, 'gen'], help: 'keeps this deployment apart from others of the same scenario on the same chain',
    gen: { help: 'the deployment recorded under this --label' },
  },
  { long: 'redeploy', group: 'accounts', commands: SCENARIO, help: 'deploy the contracts and run the setup steps again, even if recorded' },
  {
    long: 'node', group: 'connection', arg: '<node>', choices: DEVNET_NODES, defaultText: 'anvil', commands: ['send', 'run', 'devnet'],
    help: "the embedded devnet's node (without --rpc-url): anvil, or geth (FLOODGATE_GETH, else geth on the PATH)",
    doc: "the embedded devnet's node (without --rpc-url): anvil (the npm package's), or geth in dev mode (`FLOODGATE_GETH`, else `geth` on the PATH; [devnet.md](devnet.md#nodes))",
    to: (v) => ({ devnetNode: v as DevnetNode }),
  },
  {
    long: 'block-time', group: 'connection', arg: '<time>', defaultText: '1s', commands: ['send', 'run', 'devnet'],
    help: "the embedded devnet's block time (without --rpc-url), e.g. 2s",
    to: (v, flag) => ({ devnetBlockTimeMs: parsePositiveDuration(v, flag) }),
  },
  {
    long: 'block-gas-limit', group: 'connection', arg: '<gas>', defaultText: '1000000000', commands: ['send', 'run', 'devnet'],
    help: "the embedded devnet's block gas limit (without --rpc-url), e.g. 30000000 for a chain the load can fill",
    to: (v, flag) => ({ devnetGasLimit: BigInt(parseCount(v, flag, 21_000)) }),
  },
  { long: 'port', group: 'start', arg: '<n>', defaultText: 'a free port', commands: ['devnet'], help: "the devnet's RPC port on 127.0.0.1 (anvil's --port, geth's --http.port)", to: (v, flag) => ({ devnetPort: parseCount(v, flag, 1, 65_535) }) },
  { long: 'html', group: 'start', arg: '<out.html>', commands: ['report'], help: 'also write one self-contained HTML file with charts (no network needed to view it)' },
  {
    long: 'log-level', group: 'output', arg: '<level>', choices: LOG_LEVELS, default: 'info', commands: ['send', 'run', 'setup', 'gen', 'devnet'],
    help: 'stderr log level',
  },
]

/** The table entry of `--<long>`. */
export function flag(long: string): Flag {
  const f = FLAGS.find((x) => x.long === long)
  if (!f) throw new Error(`no flag --${long} in the option table`)
  return f
}

/** A value flag's SendOptions fields, through the table's own parser (for commands that do not build SendOptions). */
export function parseValueFlag(long: string, value: string): Partial<SendOptions> {
  const f = flag(long)
  if (f.arg === undefined || !f.to) throw new Error(`--${long} is not a value flag with a parser`)
  return f.to(value, `--${long}`)
}
