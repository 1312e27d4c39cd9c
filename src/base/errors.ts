/** Every error code floodgate hands out, the FloodgateError classes that carry them, and how an error is shown. */
/**
 * Why an input line is not a spec (`invalid_spec.error_code`), here with every other code.
 * src/stream/spec.ts still spells the same union out (test/unit/base checks they agree).
 */
export type InvalidSpecCode =
  | 'INVALID_JSON'
  | 'NOT_AN_OBJECT'
  | 'LINE_TOO_LONG'
  | 'INVALID_UTF8'
  | 'UNKNOWN_FIELD'
  | 'MISSING_FIELD'
  | 'INVALID_TYPE'
  | 'INVALID_ADDRESS'
  | 'INVALID_VALUE'
  | 'INVALID_SIGNATURE' // also a node's verdict on a sent tx
  | 'INVALID_ARGS'
  | 'INVALID_HEX'
  | 'INVALID_ACCESS_LIST'
  | 'CONFLICTING_FIELDS'
  | 'UNKNOWN_SENDER'
  | 'UNKNOWN_POOL'
  | 'DUPLICATE_KEY'
  | 'PARSE_FAILED'

/**
 * Every code floodgate gives a failure: in `error_code` of events, in `[CODE]` of the one
 * stderr line a stopped run prints. A new code is added here first.
 */
export type ErrorCode =
  // run-stopping: floodgate exits 1 before (or instead of) sending
  | 'RPC_UNAVAILABLE' // no definite answer from the node (refused, reset, timeout, HTTP error, garbage); also per spec
  | 'RPC_ERROR' // the node answered with a JSON-RPC error; also per spec
  | 'RPC_UNAUTHORIZED' // the node (or a proxy before it) answered HTTP 401/403: credentials, never retried; also per spec
  | 'MAINNET_REFUSED'
  | 'CHAIN_MISMATCH' // --rpc-url given more than once, and the endpoints serve different chains
  | 'METRICS_PORT'
  | 'SIGNER_UNAVAILABLE'
  | 'POOL_DUPLICATE'
  | 'FUNDER_INSUFFICIENT'
  | 'FUNDING_FAILED'
  | 'FUNDING_TIMEOUT'
  | 'SETUP_FAILED'
  | 'SETUP_TIMEOUT'
  | 'CANCELLED' // a stop (signal, --duration) before the work was done; also per spec
  | 'SEED_REFUSED' // the default seed file holds an empty, short or guessable seed
  | 'STATE_DIR_UNUSABLE' // the state dir (or its seed file) cannot be read or written
  | 'INPUT_READ_FAILED' // reading the spec input failed (not a bad line): the run finishes what it read, ends input_failed, exit 1
  // the embedded devnet
  | 'ANVIL_NOT_FOUND'
  | 'ANVIL_START'
  | 'ANVIL_OPTIONS'
  | 'GETH_NOT_FOUND'
  | 'GETH_START'
  // invalid input: the command line (exit 2), a scenario file, an --assert expression, an amount
  | 'USAGE'
  | 'SCENARIO_INVALID'
  | 'ASSERT_SYNTAX'
  | 'INVALID_AMOUNT'
  // invalid spec lines (`invalid_spec.error_code`)
  | InvalidSpecCode
  // per-spec send failures (`tx_result.error_code`): the node's verdicts (src/rpc/classifySendError.ts)
  | 'ALREADY_KNOWN' // not a failure: the node has the tx
  | 'REPLACEMENT_UNDERPRICED'
  | 'NONCE_TOO_LOW'
  | 'NONCE_TOO_HIGH'
  | 'INSUFFICIENT_FUNDS'
  | 'GAS_LIMIT_TOO_HIGH'
  | 'INTRINSIC_GAS_TOO_LOW'
  | 'BLOB_FEE_TOO_LOW'
  | 'SENDER_RESERVED'
  | 'TIP_ABOVE_FEE_CAP'
  | 'FEE_CAP_TOO_LOW'
  | 'UNDERPRICED'
  | 'TX_TYPE_UNSUPPORTED' // also: the chain or signer cannot build the type
  | 'WRONG_CHAIN_ID'
  | 'TX_TOO_LARGE'
  | 'TX_FEE_CAP_EXCEEDED' // the node's cap on one tx's fee (geth/reth --rpc.txfeecap, besu --rpc-tx-feecap)
  | 'TX_UNDECODABLE' // the node could not decode the signed bytes (anvil, reth: a fee field of 2^128 wei or more)
  | 'RPC_TIMEOUT'
  | 'RPC_BUSY'
  | 'POOL_LIMIT' // the node's pool refused more txs of this sender (per-account slots) for longer than --max-outage
  | 'RPC_INTERNAL_ERROR'
  | 'REJECTED' // an error no rule reads, and the node does not have the tx
  // per-spec failures of the worker itself
  | 'GAS_ESTIMATION_FAILED'
  // the account cannot pay the tx and the run's funder cannot top it up any more (funds_exhausted)
  | 'FUNDS_EXHAUSTED'
  // --max-fee cannot pay for the bid the chain needs (first send or replacement)
  | 'FEE_CAP_REACHED'
  // a spec's accepted tx whose nonce went to a filler (`tx_timeout.error_code`, src/chain/filledSpecs.ts):
  // never included while blocks had room; or the node lost it and it could not be sent again
  // (with `replacement_refused` the node's verdict on the re-signed tx is the code, e.g.
  // INSUFFICIENT_FUNDS; REPLACEMENT_REFUSED when it gave none)
  | 'NEVER_INCLUDED'
  | 'REPLACEMENT_REFUSED'
  | 'TX_DROPPED'
  | 'KZG_UNAVAILABLE'
  | 'WORKER_PANIC'
  | 'WORKER_RETIRED'

/** What to do about a code, when one clause says it whatever the message; an error's own hint wins. */
const HINTS: Partial<Record<ErrorCode, string>> = {
  RPC_UNAVAILABLE: 'is the node up and the URL right? raise --rpc-timeout if it is slow',
  FUNDER_INSUFFICIENT: 'fund the funder or lower --min-balance',
  FUNDS_EXHAUSTED: 'fund the funder, or send at a lower rate',
  FUNDING_TIMEOUT: 'is the chain producing blocks?',
  SETUP_TIMEOUT: 'is the chain producing blocks? raise --receipt-timeout if they are slow',
  INPUT_READ_FAILED: 'the lines read before the failure were sent and accounted for; check the producer or the file',
  METRICS_PORT: 'pick another --metrics-port, or 0 for a free one',
  SIGNER_UNAVAILABLE: 'use --signer auto or viem',
  NEVER_INCLUDED: 'the node accepted a tx it does not mine: check its pool rules (minimum tip, gas per tx)',
  REPLACEMENT_REFUSED: "the node lost the tx and refused its re-signed copy: check the sender's balance and the node's pool rules",
  TX_DROPPED: 'the node dropped the tx and refused its bytes again; a spec that pins its fee cannot be re-signed: leave the fee to floodgate',
}

/** The hint for `code`, when one clause says it whatever the message. */
export function hintFor(code: ErrorCode): string | undefined {
  return HINTS[code]
}

export interface ErrorOptions {
  /** The error this one explains (kept as `cause`, walked by `walk`). */
  cause?: unknown
  /** What to do, in one clause ("fund the funder or lower --min-balance"). Never secrets. */
  hint?: string
  /** More of the story for debugging (a node's output, an RPC error code). */
  details?: string
}

/**
 * The one error base. `code` is a stable machine-readable identifier that ends up in
 * events (`error_code`) and in the `[CODE]` of the stderr line; `message` is short, for
 * people, and never carries secrets; `hint` says what to do.
 */
export class FloodgateError extends Error {
  override name = 'FloodgateError'
  readonly code: ErrorCode
  readonly hint?: string
  readonly details?: string

  constructor(code: ErrorCode, message: string, opts: ErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.code = code
    const hint = opts.hint ?? HINTS[code]
    if (hint !== undefined) this.hint = hint
    if (opts.details !== undefined) this.details = opts.details
  }

  /**
   * Follows the `cause` chain: the first error (this one included) `fn` accepts, or
   * without `fn` the deepest cause. undefined when `fn` accepts none.
   */
  walk(fn?: (err: unknown) => boolean): unknown {
    let err: unknown = this
    for (let depth = 0; depth < 32; depth++) {
      if (fn?.(err)) return err
      const next = err instanceof Error ? err.cause : undefined
      if (next === undefined) return fn ? undefined : err
      err = next
    }
    return fn ? undefined : err
  }
}

/** A command-line usage problem: exit code 2, before anything is sent. */
export class UsageError extends FloodgateError {
  override name = 'UsageError'
  constructor(message: string, opts: ErrorOptions = {}) {
    super('USAGE', message, opts)
  }
}

/** A problem that stops the run before it starts (unreachable RPC, funding): exit code 1. */
export class FatalError extends FloodgateError {
  override name = 'FatalError'
}

/** Short single-line description of anything thrown, for events and logs. */
export function describeError(err: unknown, max = 300): string {
  const text =
    err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err) ?? String(err)
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine
}

/** The one stderr line of a FloodgateError that stops floodgate: `[CODE] message — hint`. */
export function errorLine(err: FloodgateError): string {
  return `[${err.code}] ${err.message.replace(/\s*\n\s*/g, ' ').trim()}${err.hint ? ` — ${err.hint}` : ''}`
}
