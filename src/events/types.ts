import type { Address, Hex } from 'viem'

/** Bumped on any breaking change to an event's shape. */
export const EVENT_VERSION = 1 as const

interface Envelope<T extends string> {
  version: typeof EVENT_VERSION
  type: T
}

interface SpecRef {
  /** 0-based index among accepted specs. */
  idx: number
  /** 1-based input line. */
  line: number
  id?: string
  kind?: string
}

export interface TxResultEvent extends Envelope<'tx_result'>, SpecRef {
  from: Address
  /** null when the spec never got a nonce (cancelled, retired, failed before build). */
  nonce: number | null
  tx_hash?: Hex
  /** Raw signed tx, only with --dry-run. */
  raw_tx?: Hex
  start_timestamp_ms: number
  send_ms: number
  attempts: number
  error?: string
  error_code?: string
}

export interface InvalidSpecEvent extends Envelope<'invalid_spec'> {
  line: number
  /** The line's `id`, when it was valid JSON with a usable one. */
  id?: string
  error: string
  error_code: string
  field?: string
}

export type BackpressureStage = 'reader' | 'worker'

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

export interface LatencySummary {
  p50: number
  p90: number
  p99: number
  max: number
}

export interface SummaryEvent extends Envelope<'summary'> {
  sent: number
  failed: number
  invalid: number
  duration_ms: number
  tps: number
  errors: Record<string, number>
  send_latency_ms: LatencySummary
  backpressure_episodes: number
  worker_panics: number
  /** Why the run ended: eof, max_txs, duration, signal, stdout_closed, rpc_unavailable. */
  reason: string
}

export type FloodgateEvent =
  | TxResultEvent
  | InvalidSpecEvent
  | BackpressureEvent
  | BackpressureEndEvent
  | WorkerPanicEvent
  | WorkerRetiredEvent
  | SummaryEvent

/** Distributive Omit, so `emit({ type: 'tx_result', ... })` type-checks per variant. */
export type EventBody<E = FloodgateEvent> = E extends FloodgateEvent ? Omit<E, 'version'> : never
