import type { AccessList, Address, Hex } from 'viem'

/** The placeholder contender uses for "the address that sends this tx". */
export const SENDER_PLACEHOLDER = '{_sender}'

/**
 * A validated transaction spec, ready for a worker. Everything that can be
 * checked without knowing the sender has been checked by the parser.
 */
export interface Spec {
  /** 1-based line number in the input. */
  line: number
  /** Correlation id echoed in every event of this spec. */
  id?: string
  /** Label echoed in events. */
  kind?: string
  /** Recipient, or the sender itself when the spec wrote `{_sender}`. */
  to: Address | typeof SENDER_PLACEHOLDER
  /** Pinned sender (a pool address, checksummed). */
  from?: Address
  /** The spec's `from_pool`, when the run has several pools (routes it to that pool's workers). */
  pool?: string
  /** Wei. */
  value: bigint
  /**
   * Calldata. A function when it depends on the sender (`{_sender}` in args),
   * encoded once per send; a hex string otherwise (encoded once at parse time).
   */
  calldata?: Hex | ((sender: Address) => Hex)
  /** 4-byte selector of the calldata, for the gas-estimate cache. */
  selector?: Hex
  gasLimit?: bigint
  accessList?: AccessList
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
}

/** A spec routed to a worker: `idx` is the 0-based index among accepted specs. */
export interface IndexedSpec extends Spec {
  idx: number
}

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
  | 'INVALID_SIGNATURE'
  | 'INVALID_ARGS'
  | 'INVALID_HEX'
  | 'INVALID_ACCESS_LIST'
  | 'CONFLICTING_FIELDS'
  | 'UNSUPPORTED_FIELD'
  | 'UNKNOWN_SENDER'
  | 'UNKNOWN_POOL'

export interface SpecProblem {
  code: InvalidSpecCode
  /** The offending field, when the problem is with one field. */
  field?: string
  /** Human message; never contains secrets. */
  error: string
}

export type ParseResult =
  | { ok: true; spec: Spec; ignored: string[] }
  /** `id` is the line's own `id` when it had a usable one, echoed in `invalid_spec`. */
  | { ok: false; problem: SpecProblem; id?: string }

/** What the parser needs to know about the run to validate `from` / `from_pool`. */
export interface ParseContext {
  /** Name of the one pool (contender's default is `executors`). */
  poolName: string
  /** Lower-cased pool addresses → checksummed address. */
  poolAddresses: ReadonlyMap<string, Address>
  /**
   * A run with several named pools (`floodgate run`): pool name → its lower-cased addresses.
   * `from_pool` may then name any of them; `poolName` is the pool of specs that name none.
   */
  pools?: ReadonlyMap<string, ReadonlyMap<string, Address>>
}
