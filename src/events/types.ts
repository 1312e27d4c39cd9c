/** The TypeScript types of every event floodgate emits, and the event version. */
import type { Address, Hex } from 'viem'
import type { ErrorCode } from '../base/errors.js'

/** Bumped on any breaking change to an event's shape. */
export const EVENT_VERSION = 1 as const

interface Envelope<T extends string> {
  version: typeof EVENT_VERSION
  type: T
  /** `i/n` when the run is shard i of n (`--shard`). */
  shard?: string
}

interface SpecRef {
  /** 0-based index among accepted specs. */
  idx: number
  /** 1-based input line. */
  line: number
  id?: string
  kind?: string
  /** The load shape's (or campaign's) stage whose slot the send took, when the stages are named. */
  stage?: string
}

export interface TxResultEvent extends Envelope<'tx_result'>, SpecRef {
  from: Address
  /** null when the spec never got a nonce (cancelled, retired, failed before build). */
  nonce: number | null
  tx_hash?: Hex
  /** Raw signed tx, only with --dry-run. */
  raw_tx?: Hex
  start_timestamp_ms: number
  /** Paced runs: wall-clock ms when the pacer meant the send to start (its slot was due). */
  scheduled_timestamp_ms?: number
  send_ms: number
  attempts: number
  error?: string
  error_code?: string
  /** `not_sent`: the run stopped (`--duration`, a signal, a closed stdout) before this spec was sent; neither sent nor failed. Absent otherwise. */
  status?: 'not_sent'
  /** The endpoint that sent it (credentials redacted), when the run has several (`--rpc-url` more than once). */
  endpoint?: string
}

export interface InvalidSpecEvent extends Envelope<'invalid_spec'> {
  line: number
  /** The line's `id`, when it was valid JSON with a usable one. */
  id?: string
  error: string
  error_code: string
  field?: string
}

export type BackpressureStage = 'reader' | 'worker' | 'reorder'

export interface BackpressureEvent extends Envelope<'backpressure'> {
  stage: BackpressureStage
  worker?: number
  queued: number
  capacity: number
}

export interface BackpressureEndEvent extends Envelope<'backpressure_end'> {
  stage: BackpressureStage
  worker?: number
  blocked_ms: number
}

export interface WorkerPanicEvent extends Envelope<'worker_panic'> {
  worker: number
  signer: Address
  idx: number
  error: string
}

export interface WorkerRetiredEvent extends Envelope<'worker_retired'> {
  worker: number
  signer: Address
  panics: number
}

/** A worker found the node lacking a tx of its signer and took that nonce with a zero-value self-transfer. */
export interface NonceGapFilledEvent extends Envelope<'nonce_gap_filled'> {
  worker: number
  signer: Address
  nonce: number
  /** The filler's hash. */
  tx_hash: Hex
  /** The tx that was lost at that nonce, and its spec, when the worker still remembered it. */
  lost_tx_hash?: Hex
  idx?: number
  id?: string
  /** Why the nonce could not go to its own spec: `untracked` (no spec remembered for it), `not_resignable` (a blob tx, or a spec that pins its fee), `replacement_refused` (the node refused its re-signed tx definitively), `never_included` (the node held it, its fee was fine, blocks had room, and it was never included: the spec ends `NEVER_INCLUDED`), `refused` (the spec sent at it failed while later ones were in flight — refused, or ended without the node's word and the node lacks it — and no later spec of the signer came to take it before the input ended). */
  reason?: FillReason
}

/** Why a nonce went to a filler (`nonce_gap_filled.reason`; the `tx_timeout.reason` of the spec it was filled over). */
export type FillReason = 'untracked' | 'not_resignable' | 'replacement_refused' | 'never_included' | 'refused'

/** A sent tx was re-signed from its spec (same nonce, same payload) at current fees and sent again; its receipt follows the new hash. */
export interface TxReplacedEvent extends Envelope<'tx_replaced'> {
  idx: number
  line?: number
  id?: string
  nonce: number
  old_tx_hash: Hex
  tx_hash: Hex
  /** `fee_below_base`: the node held it but its fee cap fell below the base fee; `dropped`: the node no longer had it. */
  reason: 'fee_below_base' | 'fee_at_risk' | 'dropped'
  /** The new tx's fee cap (a gas-price tx's price), wei as a decimal string. */
  max_fee_per_gas: string
  /** How many times this spec's tx was replaced so far. */
  replacements: number
}

/** A block the receipt tracker read: the chain's side of the run. */
/** A `block` event's body, as the tracker hands it to the chain's load and the auto rate. */
export type BlockBody = Omit<BlockEvent, 'version'>

export interface BlockEvent extends Envelope<'block'> {
  number: number
  /** Unix seconds. */
  timestamp: number
  tx_count: number
  /** Txs of this run in it. */
  ours: number
  gas_used: number
  gas_limit: number
  /** Wei, decimal string; absent on chains without a base fee. */
  base_fee_per_gas?: string
  /** Txs of this run sent and not yet included, after this block. */
  backlog: number
}

/** Blocks had no room for our next tx (by gas) while our backlog waited, several in a row: the chain includes less than we send. Once per episode. */
export interface SaturationEvent extends Envelope<'saturation'> {
  block_number: number
  /** What the chain included of ours per second, over the blocks that started the episode. */
  inclusion_tps: number
  /** Gas the chain included (all txs) per second over the same blocks. */
  inclusion_gas_per_s: number
  /** gas used ÷ gas limit over the last 8 blocks, 0–1. */
  block_fullness: number
  base_fee_per_gas?: string
  backlog: number
}

/** Blocks have room for our next tx again, or our backlog is back under a block's worth: the episode is over. */
export interface SaturationEndEvent extends Envelope<'saturation_end'> {
  block_number: number
  duration_ms: number
  backlog: number
}

/** The funder will not last the run at the current spend: once per run, before it runs dry. */
export interface FundsLowEvent extends Envelope<'funds_low'> {
  /** The funder's address. */
  funder: Hex
  /** Its balance, wei. */
  balance_wei: string
  /** What the pool spends per second now (gas × price + value), wei. */
  spend_wei_per_s: string
  /** Seconds until the funder runs dry at that rate. */
  runway_s: number
}

/** The funder could not pay a top-up the pool needed: from now on, a tx an account cannot pay ends FUNDS_EXHAUSTED. Once per run. */
export interface FundsExhaustedEvent extends Envelope<'funds_exhausted'> {
  funder: Hex
  balance_wei: string
  /** What the top-up needed (with its gas), wei. */
  needed_wei: string
}

export interface LatencySummary {
  p50: number
  p90: number
  p99: number
  p99_9: number
  max: number
}

export type ReceiptStatus = 'success' | 'reverted'

/** A sent tx was found in a block (the tracker read its receipt). */
export interface TxReceiptEvent extends Envelope<'tx_receipt'>, SpecRef {
  tx_hash: Hex
  block_number: number
  /** Block timestamp, unix seconds. */
  block_timestamp: number
  status: ReceiptStatus
  gas_used: number
  /** Wei, as a decimal string. */
  effective_gas_price: string
  /** Blob txs (EIP-4844) only: blob gas used (131072 per blob). */
  blob_gas_used?: number
  /** Blob txs only: wei per blob gas paid, as a decimal string. */
  blob_gas_price?: string
  /** The tx's value, wei as a decimal string, when not 0 (it left the sender only when `status` is success). */
  value?: string
  /** ms from the send start (`tx_result.start_timestamp_ms`) to the tracker first seeing the block. */
  inclusion_ms: number
  /** Paced runs: ms from the intended send time (`tx_result.scheduled_timestamp_ms`) to the same moment. */
  scheduled_inclusion_ms?: number
  /** The receipt's `transactionIndex`: the tx's position in its block (0 = first). */
  tx_index?: number
  /** How many txs (ours and others) the block holds, when the tracker read the block. */
  block_tx_count?: number
  /**
   * Where the outcome was read: `receipt`, the node's receipt; `block`, the block body (a transfer
   * without calldata to an address with no code: success, its intrinsic gas, the price its fees
   * and the block's base fee give; docs/architecture.md#receipts).
   */
  outcome_from?: ReceiptOrigin
}

/** Where a tx_receipt's outcome was read. */
export type ReceiptOrigin = 'receipt' | 'block'

/** Why a sent tx ended without a receipt: its wait ran out, the run stopped, --max-fee, or its nonce went to a filler (the fill's reason). */
export type TimeoutReason = 'timeout' | 'run_stopped' | 'fee_cap' | FillReason

/** A sent tx had no receipt within --receipt-timeout, the run stopped before it had one, or its nonce went to a filler. */
export interface TxTimeoutEvent extends Envelope<'tx_timeout'>, SpecRef {
  tx_hash: Hex
  /** The node still has the tx (eth_getTransactionByHash answered it, without a block). */
  pending: boolean
  /** ms from the send start to this event. */
  waited_ms: number
  reason: TimeoutReason
  /**
   * `FEE_CAP_REACHED` with reason `fee_cap`: --max-fee kept its bid below what the chain needed.
   * A filled spec's (`fillCode`, src/chain/fillCodes.ts): `NEVER_INCLUDED`; with
   * `replacement_refused` the node's verdict on the replacement (e.g. `INSUFFICIENT_FUNDS`);
   * `TX_DROPPED` for the others.
   */
  error_code?: ErrorCode
  /** The filler that took its nonce (`nonce_gap_filled.tx_hash`), when the reason is a fill's. */
  filler_tx_hash?: Hex
  /** Why the node could not be asked (then `pending` is false: not confirmed). */
  lookup_error?: string
}

/** p50/p99 over one progress window, in ms. */
export interface WindowLatency {
  p50: number
  p99: number
}

export interface ProgressEvent extends Envelope<'progress'> {
  /** Run totals so far. */
  sent: number
  failed: number
  included: number
  /** Sent, neither included nor timed out yet. */
  pending: number
  /** Rates and latencies over the window since the previous progress event. */
  tps: number
  included_tps: number
  send_latency_ms: WindowLatency
  inclusion_latency_ms: WindowLatency
  window_ms: number
  elapsed_ms: number
}

export interface KindSummary {
  sent: number
  failed: number
  /** `tx_result` with `status: not_sent`. */
  not_sent: number
  included: number
  reverted: number
  timed_out: number
  /** `tx_timeout` with reason `run_stopped`. */
  pending_at_stop: number
  send_latency_ms: LatencySummary
  inclusion_latency_ms: LatencySummary
  /** Decimal string. */
  gas_used: string
}

export interface SummaryEvent extends Envelope<'summary'> {
  sent: number
  failed: number
  /** `tx_result` with `status: not_sent`: specs the run stopped before sending (neither sent nor failed). */
  not_sent: number
  invalid: number
  duration_ms: number
  tps: number
  errors: Record<string, number>
  send_latency_ms: LatencySummary
  /** `tx_receipt` events (success and reverted). */
  included: number
  /** `tx_receipt` with status reverted (a subset of `included`). */
  reverted: number
  /** `tx_timeout` events but those of reason `run_stopped`. */
  timed_out: number
  /** `tx_timeout` events of reason `run_stopped`: sent txs still pending when the run stopped. */
  pending_at_stop: number
  inclusion_latency_ms: LatencySummary
  /** Paced runs: send and inclusion latency measured from each tx's intended send time, not its actual send. */
  scheduled_send_latency_ms?: LatencySummary
  scheduled_inclusion_latency_ms?: LatencySummary
  /** included / ms from dispatch start to the last receipt. */
  included_tps: number
  /** Total gas used by our included txs, decimal string. */
  gas_used: string
  /** The same figures per spec `kind`; specs without one under "(none)". */
  by_kind: Record<string, KindSummary>
  backpressure_episodes: number
  worker_panics: number
  /** Why the run ended: eof, max_txs, duration, signal, stdout_closed, rpc_unavailable, chain_changed, input_failed. */
  reason: string
  /** `tx_replaced` events: txs re-signed at current fees. */
  replaced?: number
  /** Saturation episodes (`saturation` events) and how long they lasted in all. */
  saturation?: { episodes: number; saturated_ms: number }
  /** The chain's inclusion rate over the saturated blocks (no room for our next tx, our backlog waiting), or the rate `--tps auto` steered to. */
  capacity?: { tps: number; gas_per_s: number }
  /** With `--tps`: the target, and the slots the pool gave up because it fell more than 1 s behind. */
  pacing?: {
    target_tps: number
    missed_slots: number
    late_slots: number
    max_lag_ms: number
    /** `--tps auto` or `--tps gas-target`: the rate was steered by the blocks; `target_tps` is where it ended. */
    auto?: boolean
    /** `--tps gas-target`: steered to blocks half full (the base fee flat), not to the capacity. */
    gas_target?: boolean
    /** Named stages (`--stage`, campaigns): each one's target and length on the schedule. */
    stages?: { name: string; duration_ms: number; from_tps?: number; to_tps?: number; per_block?: number; blocks?: number }[]
  }
  /** `--ordered`: the reorder window, and the most `tx_result` events the stash held at once (always below the window). */
  reorder?: { window: number; max_held: number }
  /** What the pool's included txs cost (from the `tx_receipt` events): fees, the value they moved, and the rate over the last minute of blocks. */
  spend?: { fee_wei: string; value_wei: string; total_wei: string; wei_per_s?: string }
  /** The base fee over the `block` events: first, peak and last (wei), last ÷ first, and that growth per minute of block time. */
  base_fee?: { first: string; peak: string; last: string; span_s: number; ratio?: number; growth_per_min?: number }
  /** What the funder sent the run's accounts (initial funding + top-ups), its balance at the last read, and its runway at the spend rate. */
  funding?: { sent_wei: string; top_ups: number; top_up_wei: string; funder_balance_wei?: string; runway_s?: number }
  /** Every JSON-RPC call the run made to its node(s), per method (each call of a batch under its own), from the first contact to the summary. */
  rpc_calls?: Record<string, number>
  /** The HTTP requests that carried `rpc_calls` (a batch is one). */
  rpc_http_requests?: number
  /** `rpc_calls` but eth_sendRawTransaction (what watching the chain cost the node) per 1,000 txs sent; absent when none was sent. */
  watch_calls_per_1k_txs?: number
  /** `--assert` results (src/assert/metrics.ts), when the run was given any. */
  asserts?: { passed: boolean; results: { expr: string; passed: boolean; checks: { metric: string; op: string; expected: number; measured: number | null; passed: boolean }[] }[] }
}

export type FloodgateEvent =
  | TxResultEvent
  | InvalidSpecEvent
  | BackpressureEvent
  | BackpressureEndEvent
  | WorkerPanicEvent
  | WorkerRetiredEvent
  | NonceGapFilledEvent
  | TxReplacedEvent
  | BlockEvent
  | SaturationEvent
  | SaturationEndEvent
  | FundsLowEvent
  | FundsExhaustedEvent
  | TxReceiptEvent
  | TxTimeoutEvent
  | ProgressEvent
  | SummaryEvent

/** Distributive Omit, so `emit({ type: 'tx_result', ... })` type-checks per variant. */
export type EventBody<E = FloodgateEvent> = E extends FloodgateEvent ? Omit<E, 'version'> : never
