/** The tx types floodgate sends, and what a spec says of its type's own fields. */
import type { Address } from 'viem'

/** The tx types floodgate sends (the spec's `tx_type`, `--tx-type`). */
export const TX_TYPES = ['legacy', 'eip2930', 'eip1559', 'eip4844', 'eip7702'] as const
export type TxType = (typeof TX_TYPES)[number]

/** What a spec says of its type's own fields (blob data, the authorization), as tx/ needs it. */
export interface TypeSpec {
  txType?: TxType
  blobData?: Uint8Array
  maxFeePerBlobGas?: bigint
  authorizationAddress?: Address
}
