/** What a signer's sender is asked to send, what a send did so far, and how a send fails. */
import type { Hex, SignedAuthorization, TransactionSerializable } from 'viem'
import { FloodgateError } from '../base/errors.js'
import type { TxFields } from '../tx/buildTx.js'

export interface TxRequest {
  /** The tx's fields; `nonce` is the sender's to set. */
  fields: TxFields
  /** A set-code tx's authorization for the sender's nonce after the tx's own (`nonce` + 1). */
  authorize?: (nonce: number) => Promise<SignedAuthorization>
  /** Kept with the tx in the ledger, for gap and replacement reports. */
  idx?: number
  id?: string
  line?: number
}

/** What a send did so far: the caller reports it, also when the send throws. */
export interface SendProgress {
  nonce: number | null
  hash?: Hex
  /** The signed bytes (a dry run's result). */
  raw?: Hex
  /** The tx the node took, as signed. */
  tx?: TransactionSerializable
  attempts: number
}

/** A send that ended without the node taking the tx: the spec fails with `code`, the sender goes on. */
export class SendFailure extends FloodgateError {
  override name = 'SendFailure'
}
