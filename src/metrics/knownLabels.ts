/**
 * The label values a run's counters can take, known before it sends: each counter series is
 * created at 0 for them, so that rate() and alerts see the first increment (Prometheus's
 * instrumentation advice: "Avoid missing metrics").
 */
import type { ErrorCode } from '../base/errors.js'
import type { BackpressureStage, ReceiptStatus, TimeoutReason } from '../events/types.js'

/** The codes a `tx_result` fails with: the node's verdicts on a send, and the worker's own. */
export const TX_RESULT_CODES = [
  'RPC_UNAVAILABLE', 'RPC_ERROR', 'RPC_UNAUTHORIZED', 'CANCELLED',
  'REPLACEMENT_UNDERPRICED', 'NONCE_TOO_LOW', 'NONCE_TOO_HIGH', 'INSUFFICIENT_FUNDS', 'GAS_LIMIT_TOO_HIGH', 'INTRINSIC_GAS_TOO_LOW',
  'BLOB_FEE_TOO_LOW', 'SENDER_RESERVED', 'TIP_ABOVE_FEE_CAP', 'FEE_CAP_TOO_LOW', 'UNDERPRICED', 'TX_TYPE_UNSUPPORTED', 'WRONG_CHAIN_ID',
  'TX_TOO_LARGE', 'TX_FEE_CAP_EXCEEDED', 'TX_UNDECODABLE', 'INVALID_SIGNATURE', 'RPC_TIMEOUT', 'RPC_BUSY', 'POOL_LIMIT', 'RPC_INTERNAL_ERROR', 'REJECTED',
  'GAS_ESTIMATION_FAILED', 'FUNDS_EXHAUSTED', 'FEE_CAP_REACHED',
] as const satisfies readonly ErrorCode[]

export const RECEIPT_STATUSES = ['success', 'reverted'] as const satisfies readonly ReceiptStatus[]
/** `tx_timeout.reason`: the common ones (a fill's reason is rarer, and made at its first event). */
export const TIMEOUT_REASONS = ['timeout', 'run_stopped', 'fee_cap'] as const satisfies readonly TimeoutReason[]
export const BACKPRESSURE_STAGES = ['reader', 'worker', 'reorder'] as const satisfies readonly BackpressureStage[]
