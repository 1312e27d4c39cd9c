// Owns the spec types: a validated tx spec, its parse result and problems, and the parse context of a run's pools.
import { keyOf, type Key } from '../base/key.js'
import type { AccessList, Address, Hex } from 'viem'
import type { InvalidSpecCode } from '../base/errors.js'
import type { TxType } from '../tx/txType.js'

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
  /**
   * The tx type: the spec's `tx_type`, else inferred (`eip4844` with blob data, `eip7702` with an
   * authorization address), else the run's `--tx-type`; undefined means the chain's default
   * (EIP-1559 where blocks have a base fee, else legacy, or EIP-2930 with an access list).
   */
  txType?: TxType
  /** EIP-4844: the bytes `blob_data` stands for (hex decoded, or the UTF-8 text). */
  blobData?: Uint8Array
  /** EIP-4844: wei per blob gas, pinned by the spec. */
  maxFeePerBlobGas?: bigint
  /** EIP-7702: the address the sender delegates its code to (signed by the sender). */
  authorizationAddress?: Address
}

export { TX_TYPES, type TxType } from '../tx/txType.js'

/** A spec routed to a worker: `idx` is the 0-based index among accepted specs. */
export interface IndexedSpec extends Spec {
  idx: number
}

export type { InvalidSpecCode }

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
  /** The run's pools, in order: name → address key → checksummed address. `send` has one. */
  pools: ReadonlyMap<string, ReadonlyMap<Key, Address>>
  /** The pool of specs that name no `from_pool` (the first). */
  defaultPool: string
  /** Every pool's addresses (what `from` may pin when no `from_pool` is given). */
  poolAddresses: ReadonlyMap<Key, Address>
  /** The run's `--tx-type`: the type of specs that give none and imply none. */
  txType?: TxType
}

/** For a scenario's entries, parsed before any pool exists: they name no sender. */
export const NO_POOLS: ParseContext = { pools: new Map([['', new Map()]]), defaultPool: '', poolAddresses: new Map() }

/** The parse context of a run's pools (the first is the default), with `--tx-type` when given. */
export function parseContext(pools: ReadonlyArray<readonly [name: string, addresses: readonly Address[]]>, txType?: TxType): ParseContext {
  const byName = new Map(pools.map(([name, addresses]) => [name, new Map(addresses.map((a) => [keyOf(a), a]))]))
  const poolAddresses = new Map([...byName.values()].flatMap((m) => [...m]))
  return { pools: byName, defaultPool: pools[0]?.[0] ?? '', poolAddresses, ...(txType ? { txType } : {}) }
}
