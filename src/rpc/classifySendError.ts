/** What a failed eth_sendRawTransaction means, from the wording of each node client's errors. */
import type { ErrorCode } from '../base/errors.js'
import { RpcError, TransportError } from './rpc.js'

/**
 * What a failed `eth_sendRawTransaction` means for the worker that sent it. Node
 * errors are recognised here and only here, from the wording of geth, reth, nethermind,
 * besu, erigon, Hardhat (EDR), Ganache and anvil.
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
  | { kind: 'unknown'; code: ErrorCode; message: string; resend: boolean; retryAfterMs?: number; crowded?: true }

type Rule = readonly [RegExp, 'accepted' | 'rejected' | 'fees' | 'nonce', ErrorCode]

/**
 * First match wins, so the more specific wording comes first. Matched against the node's
 * message (and string `data`) with underscores read as spaces, so besu's enum names
 * (`NONCE_TOO_LOW`) read as sentences. Each client's exact sentences, with the file they come
 * from, are in test/unit/rpc/clientWording.test.ts.
 */
const RULES: readonly Rule[] = [
  // "\bknown": anvil's "Unknown transaction type not supported" is no "known transaction"
  [/already known|already imported|\bknown transaction|already exists|alreadyknown|already in (the )?(tx)?pool|existing txn? with same hash/i, 'accepted', 'ALREADY_KNOWN'],
  // the node's cap on one tx's fee (geth, reth: --rpc.txfeecap; besu: --rpc-tx-feecap): before the gas-limit rule
  [/exceeds the configured cap|fee ?cap exceeded/i, 'rejected', 'TX_FEE_CAP_EXCEEDED'],
  [/replacement transaction underpriced|replacement.*underpriced|could not replace existing tx|replacementunderpriced|price to replace existing|replacementnotallowed/i, 'nonce', 'REPLACEMENT_UNDERPRICED'],
  // ganache: "the tx doesn't have the correct nonce. account has nonce of: 5 tx has nonce of: 4" (it queues future nonces, so only a past one is refused)
  [/nonce too low|nonce has already been used|oldnonce|nonce.*(lower|less) than|doesn't have the correct nonce|ownnoncealreadyused/i, 'nonce', 'NONCE_TOO_LOW'],
  [/nonce too high|noncegap|nonce gap|nonce.*(higher|greater) than|nonce too far|too distant from current sender nonce/i, 'nonce', 'NONCE_TOO_HIGH'],
  // hardhat (EDR): "Sender doesn't have enough funds to send tx. …"; besu: "Upfront cost exceeds account balance"
  [/insufficient funds|insufficient balance|insufficientfunds|(not|n't have) enough (funds|balance)|lack of funds|upfront cost exceeds|overdraws from account|int256overflow|transaction cost overflow/i, 'rejected', 'INSUFFICIENT_FUNDS'],
  // besu's "Intrinsic gas exceeds gas limit", geth's calldata floor, hardhat's "Transaction requires at least 21000 gas but got 20000", erigon's "IntrinsicGas": before the gas-limit rule
  [/intrinsic gas too low|intrinsic gas exceeds (the )?gas limit|floor data gas|requires at least \d+ gas|\bintrinsicgas\b/i, 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
  // anvil: "intrinsic gas too high -- tx.gas_limit > env.block.gas_limit": before the too-low rule
  [/exceeds block gas limit|gas limit reached|gas too high|gaslimitexceeded|exceeds.*gas.*(cap|limit)|tx gas limit|gas limit.*exceed|gas limit (is )?too high|greater than the block gas limit/i, 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  [/gas too low|call gas cost.*exceeds the gas limit/i, 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
  // blob txs: the blob fee cap below the block's blob base fee (geth, reth, anvil, besu, hardhat wordings); before the base-fee rule
  [/blob ?(gas )?fee ?cap.*(too low|less|below)|max fee per blob gas.*(less|lower|below)|blob gas price.*greater than|blob.*fee.*(too low|underpriced)|blobfeecaptoolow|insufficient blob ?fee|blob gas price below|maxfeeperblobgas.*too low/i, 'fees', 'BLOB_FEE_TOO_LOW'],
  // geth keeps a sender's blob and non-blob txs in separate pools and refuses the other kind while one is pending (nethermind, erigon alike)
  [/address already reserved|pending transaction type conflict|pendingtxsofothertype|replace blob-txn with a non-blob-txn/i, 'rejected', 'SENDER_RESERVED'],
  [/max priority fee per gas higher than max fee per gas|tip (above|higher than) fee ?cap|priority fee.*greater than.*max fee|priority fee per gas exceeds max fee|invalidmaxpriorityfeepergas|max priority fee per gas\W*greater than/i, 'rejected', 'TIP_ABOVE_FEE_CAP'],
  // hardhat: "Transaction maxFeePerGas (1) is too low for the next block, which has a baseFeePerGas of 7"
  [/(max )?fee (per gas |cap )?(is )?less than (the )?block base ?fee|fee ?cap.*base ?fee|feecaptoolow|max fee per gas less than block base fee|below current base fee|too low for the next block/i, 'fees', 'FEE_CAP_TOO_LOW'],
  [/underpriced|fee too low|gas price too low|gasprice.*too low|tip.*too low|feetoolow|minimum.*fee|below (the |configured )?minimum|below chain minimum|price too low/i, 'fees', 'UNDERPRICED'],
  [/transaction type not supported|tx ?type not supported|txtypenotsupported|unsupported transaction type|invalid transaction type|invalidtxtype|transaction type.*not supported|not activated yet/i, 'rejected', 'TX_TYPE_UNSUPPORTED'],
  [/invalid chain ?id|chain ?id mismatch|incorrect chain ?id|wrong chain ?id|invalidtxchainid|signed for another chain/i, 'rejected', 'WRONG_CHAIN_ID'],
  [/invalid sender|invalid signature|signature.*invalid|failed to (recover|resolve) sender|failedtoresolvesender/i, 'rejected', 'INVALID_SIGNATURE'],
  [/oversized data|tx size|transaction size|too large|rlptoolong/i, 'rejected', 'TX_TOO_LARGE'],
  // anvil and reth decode fee fields as 128-bit numbers: a fee of 2^128 wei or more does not decode
  [/failed to decode|decode (signed )?transaction|rlp:|invalid rlp/i, 'rejected', 'TX_UNDECODABLE'],
]

/**
 * The pool's limit on one sender's txs (geth: "account limit exceeded", "in-flight transaction
 * limit reached for delegated accounts"): the same tx is worth sending once earlier ones are
 * mined, with fewer in flight.
 */
const SENDER_LIMIT = /account limit exceeded|in-flight transaction limit|identified as spammer/i
/**
 * A full pool (geth, erigon; reth also says so for its per-sender limit): busy, and fewer in
 * flight helps too. geth's full pool also refuses a tx past a nonce gap that would push out a
 * pending one ("future transaction tries to replace pending", legacypool.go): the gap is one of
 * our sends still on its way, and the same tx is taken once it is in.
 */
const POOL_FULL = /pool is full|future transaction tries to replace pending/i

/** Wording that says "the server is busy", not "your tx is wrong": worth sending again. */
const BUSY = /txpool is full|pool is full|queue is full|timeout|timed out|unavailable|overload|rate limit|too many requests|limit exceeded/i

/** JSON-RPC 2.0's "Internal error" code. */
const INTERNAL_ERROR = -32603

export function classifySendError(err: unknown): SendOutcome {
  if (err instanceof TransportError) {
    return {
      kind: 'unknown',
      code: err.failure === 'timeout' ? 'RPC_TIMEOUT' : err.code,
      message: err.message,
      resend: true,
      ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
    }
  }
  if (err instanceof RpcError) {
    const text = `${err.message} ${typeof err.data === 'string' ? err.data : ''}`.replaceAll('_', ' ')
    for (const [pattern, kind, code] of RULES) {
      if (pattern.test(text)) {
        if (kind === 'accepted') return { kind }
        return { kind, code, message: err.message }
      }
    }
    // An error we cannot read may come from a proxy or an overloaded node after the tx
    // was forwarded: never assume it was not sent. The worker asks the node.
    if (SENDER_LIMIT.test(text)) return { kind: 'unknown', code: 'POOL_LIMIT', message: err.message, resend: true, crowded: true }
    if (POOL_FULL.test(text)) return { kind: 'unknown', code: 'RPC_BUSY', message: err.message, resend: true, crowded: true }
    if (BUSY.test(text)) return { kind: 'unknown', code: 'RPC_BUSY', message: err.message, resend: true }
    // JSON-RPC's "internal error" is the server's own trouble (node, proxy, load balancer),
    // not a verdict on the tx: the same bytes are worth sending again (within --retries)
    if (err.rpcCode === INTERNAL_ERROR) return { kind: 'unknown', code: 'RPC_INTERNAL_ERROR', message: err.message, resend: true }
    return { kind: 'unknown', code: 'REJECTED', message: err.message, resend: false }
  }
  throw err
}
