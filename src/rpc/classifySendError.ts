import type { ErrorCode } from '../base/errors.js'
import { RpcError, TransportError } from './rpc.js'

/**
 * What a failed `eth_sendRawTransaction` means for the worker that sent it. Node
 * errors are recognised here and only here, from geth's, anvil's, reth's, erigon's
 * and nethermind's wording.
 */
export type SendOutcome =
  /** The node has the tx already (same hash): as good as accepted. */
  | { kind: 'accepted' }
  /** Definitely not in the pool: reuse the nonce, fail the spec with `code`. */
  | { kind: 'rejected'; code: ErrorCode; message: string }
  /** Our fee is below what the node wants: refresh the shared fees, rebuild, retry. */
  | { kind: 'fees'; code: ErrorCode; message: string }
  /** Our nonce is out of step with the node: resync, rebuild, retry. */
  | { kind: 'nonce'; code: ErrorCode; message: string }
  /**
   * No definite answer: the tx may be in the pool. Ask the node before deciding. With
   * `resend`, the same signed bytes may be sent again (transport failure, busy node);
   * without, a tx the node does not know was rejected (an error we cannot read).
   */
  | { kind: 'unknown'; code: ErrorCode; message: string; resend: boolean; retryAfterMs?: number }

type Rule = readonly [RegExp, 'accepted' | 'rejected' | 'fees' | 'nonce', ErrorCode]

/** First match wins, so the more specific wording comes first. */
const RULES: readonly Rule[] = [
  [/already known|already imported|known transaction|already exists|alreadyknown|already in (the )?(tx)?pool/i, 'accepted', 'ALREADY_KNOWN'],
  [/replacement transaction underpriced|replacement.*underpriced|could not replace existing tx|replacementunderpriced/i, 'nonce', 'REPLACEMENT_UNDERPRICED'],
  // ganache: "the tx doesn't have the correct nonce. account has nonce of: 5 tx has nonce of: 4" (it queues future nonces, so only a past one is refused)
  [/nonce too low|nonce has already been used|oldnonce|nonce.*(lower|less) than|doesn't have the correct nonce/i, 'nonce', 'NONCE_TOO_LOW'],
  [/nonce too high|noncegap|nonce gap|nonce.*(higher|greater) than/i, 'nonce', 'NONCE_TOO_HIGH'],
  // hardhat (EDR): "Sender doesn't have enough funds to send tx. The max upfront cost is: …"
  [/insufficient funds|insufficient balance|insufficientfunds|(not|n't have) enough (funds|balance)|lack of funds/i, 'rejected', 'INSUFFICIENT_FUNDS'],
  // anvil: "intrinsic gas too high -- tx.gas_limit > env.block.gas_limit": before the too-low rule
  [/exceeds block gas limit|gas limit reached|gas too high|gaslimitexceeded|exceeds.*gas.*(cap|limit)|tx gas limit|gas limit.*exceed/i, 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  // hardhat (EDR): "Transaction requires at least 21000 gas but got 20000"
  [/intrinsic gas too low|gas too low|call gas cost.*exceeds the gas limit|requires at least \d+ gas/i, 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
  // blob txs: the blob fee cap below the block's blob base fee (geth, reth, anvil wordings); before the base-fee rule
  [/blob ?(gas )?fee ?cap.*(too low|less|below)|max fee per blob gas.*(less|lower|below)|blob_gas_price.*greater than|blob.*fee.*(too low|underpriced)|blobfeecaptoolow|insufficient blob ?fee/i, 'fees', 'BLOB_FEE_TOO_LOW'],
  // geth keeps a sender's blob and non-blob txs in separate pools and refuses the other kind while one is pending
  [/address already reserved/i, 'rejected', 'SENDER_RESERVED'],
  [/max priority fee per gas higher than max fee per gas|tip (above|higher than) fee ?cap|priority fee.*greater than.*max fee/i, 'rejected', 'TIP_ABOVE_FEE_CAP'],
  [/(max )?fee (per gas |cap )?(is )?less than (the )?block base ?fee|fee ?cap.*base ?fee|feecaptoolow|max fee per gas less than block base fee/i, 'fees', 'FEE_CAP_TOO_LOW'],
  [/underpriced|fee too low|gas price too low|gasprice.*too low|tip.*too low|feetoolow|minimum.*fee/i, 'fees', 'UNDERPRICED'],
  [/transaction type not supported|tx ?type not supported|txtypenotsupported|unsupported transaction type/i, 'rejected', 'TX_TYPE_UNSUPPORTED'],
  [/invalid chain ?id|chain ?id mismatch|incorrect chain ?id|wrong chain ?id/i, 'rejected', 'WRONG_CHAIN_ID'],
  [/invalid sender|invalid signature|signature.*invalid/i, 'rejected', 'INVALID_SIGNATURE'],
  [/oversized data|tx size|transaction size|too large/i, 'rejected', 'TX_TOO_LARGE'],
  // anvil and reth decode fee fields as 128-bit numbers: a fee of 2^128 wei or more does not decode
  [/failed to decode|decode (signed )?transaction|rlp:|invalid rlp/i, 'rejected', 'TX_UNDECODABLE'],
]

/** Wording that says "the server is busy", not "your tx is wrong": worth sending again. */
const BUSY = /txpool is full|pool is full|queue is full|timeout|timed out|unavailable|overload|rate limit|too many requests|limit exceeded/i

/** JSON-RPC 2.0's "Internal error" code. */
const INTERNAL_ERROR = -32603

export function classifySendError(err: unknown): SendOutcome {
  if (err instanceof TransportError) {
    return {
      kind: 'unknown',
      code: err.failure === 'timeout' ? 'RPC_TIMEOUT' : 'RPC_UNAVAILABLE',
      message: err.message,
      resend: true,
      ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
    }
  }
  if (err instanceof RpcError) {
    const text = `${err.message} ${typeof err.data === 'string' ? err.data : ''}`
    for (const [pattern, kind, code] of RULES) {
      if (pattern.test(text)) {
        if (kind === 'accepted') return { kind }
        return { kind, code, message: err.message }
      }
    }
    // An error we cannot read may come from a proxy or an overloaded node after the tx
    // was forwarded: never assume it was not sent. The worker asks the node.
    if (BUSY.test(text)) return { kind: 'unknown', code: 'RPC_BUSY', message: err.message, resend: true }
    // JSON-RPC's "internal error" is the server's own trouble (node, proxy, load balancer),
    // not a verdict on the tx: the same bytes are worth sending again (within --retries)
    if (err.rpcCode === INTERNAL_ERROR) return { kind: 'unknown', code: 'RPC_INTERNAL_ERROR', message: err.message, resend: true }
    return { kind: 'unknown', code: 'REJECTED', message: err.message, resend: false }
  }
  throw err
}
