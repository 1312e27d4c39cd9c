/** The receipt fields the tracker reads, and what they become: a parsed receipt, a tx_receipt event. */
import type { Hex } from 'viem'
import type { EventBody, ReceiptOrigin, ReceiptStatus, TxReceiptEvent } from '../events/types.js'
import { receiptShape } from '../rpc/answerShape.js'
import { TransportError, type RpcError } from '../rpc/rpc.js'
import type { TxRef } from '../sender/txFates.js'

/** The block fields the receipt tracker reads. */
export interface RpcBlockHeader {
  number: string
  timestamp: string
  gasUsed?: string
  gasLimit?: string
  baseFeePerGas?: string | null
}

/** The receipt fields the receipt tracker reads (JSON-RPC quantities are hex strings). */
export interface RpcReceipt {
  transactionHash: string
  blockNumber: string
  /** The tx's position in its block. */
  transactionIndex?: string | null
  status?: string | null
  gasUsed: string
  effectiveGasPrice?: string | null
  /** EIP-4844 receipts only. */
  blobGasUsed?: string | null
  blobGasPrice?: string | null
  /** A contract creation's new address (null or absent otherwise): what a deploy's waiter reads. */
  contractAddress?: string | null
}

export interface ParsedReceipt {
  blockNumber: number
  /** The tx's position in its block, when the node gave it. */
  txIndex?: number
  status: ReceiptStatus
  gasUsed: number
  /** wei, decimal string */
  effectiveGasPrice: string
  /** Blob txs: blob gas used, and wei per blob gas as a decimal string. */
  blobGasUsed?: number
  blobGasPrice?: string
}

/**
 * `r` if it is a receipt the tracker can read; else a TransportError ('malformed', RPC_UNAVAILABLE):
 * the read that got it failed, and is retried (or the tx looked up) as after any bad answer.
 */
export function checkedReceipt(r: unknown, from: string): RpcReceipt {
  const bad = receiptShape(r)
  if (bad !== undefined) throw new TransportError('malformed', `eth_getTransactionReceipt: the answer from ${from} is ${bad}`, undefined, undefined, from)
  return r as RpcReceipt
}

/** The fields of a receipt; throws (checkedReceipt's TransportError) on one of the wrong shape, never a bare TypeError. */
export function parseReceipt(r: RpcReceipt): ParsedReceipt {
  checkedReceipt(r, 'the node')
  const parsed: ParsedReceipt = {
    blockNumber: Number(BigInt(r.blockNumber)),
    // pre-Byzantium receipts have a state root instead of a status; such a chain is not a target
    status: r.status !== undefined && r.status !== null && BigInt(r.status) === 0n ? 'reverted' : 'success',
    gasUsed: Number(BigInt(r.gasUsed)),
    effectiveGasPrice: r.effectiveGasPrice ? BigInt(r.effectiveGasPrice).toString() : '0',
  }
  if (r.transactionIndex !== undefined && r.transactionIndex !== null) parsed.txIndex = Number(BigInt(r.transactionIndex))
  // nodes give blob fields on blob txs' receipts only (some also give them as 0x0 on others: skip those)
  if (r.blobGasUsed && BigInt(r.blobGasUsed) > 0n) {
    parsed.blobGasUsed = Number(BigInt(r.blobGasUsed))
    parsed.blobGasPrice = r.blobGasPrice ? BigInt(r.blobGasPrice).toString() : '0'
  }
  return parsed
}

/**
 * The node does not implement the method: JSON-RPC -32601, or the wordings nodes and
 * proxies use for it. Anything else (a node error, a timeout) is not a reason to fall back.
 */
export function isMethodMissing(err: RpcError): boolean {
  if (err.rpcCode === -32601) return true
  return /method .*(not found|not supported|does not exist|not available|unsupported)|unsupported method|no such method|unknown method/i.test(err.message)
}

/**
 * The tx_receipt of a sent tx, from its receipt (`outcome_from`: `receipt`, the node's; `block`,
 * what its block told): `inclusion_ms` runs from its send start to `seenMs`, when its block first
 * showed up.
 */
export function receiptEvent(
  p: { ref: TxRef; startMs: number; scheduledMs?: number; value?: bigint; hash: Hex; minedHash?: Hex },
  parsed: ParsedReceipt,
  from: ReceiptOrigin,
  at: { timestamp: number; seenMs: number; txCount?: number },
): EventBody<TxReceiptEvent> {
  const event: EventBody<TxReceiptEvent> = {
    type: 'tx_receipt',
    ...p.ref,
    // the hash mined: a replaced tx's earlier one, when the replacement came too late
    tx_hash: p.minedHash ?? p.hash,
    block_number: parsed.blockNumber,
    block_timestamp: at.timestamp,
    status: parsed.status,
    gas_used: parsed.gasUsed,
    effective_gas_price: parsed.effectiveGasPrice,
    ...(parsed.blobGasUsed !== undefined ? { blob_gas_used: parsed.blobGasUsed, blob_gas_price: parsed.blobGasPrice! } : {}),
    ...(p.value !== undefined ? { value: p.value.toString() } : {}),
    inclusion_ms: at.seenMs - p.startMs,
  }
  if (p.scheduledMs !== undefined) event.scheduled_inclusion_ms = at.seenMs - p.scheduledMs
  if (parsed.txIndex !== undefined) event.tx_index = parsed.txIndex
  if (at.txCount !== undefined) event.block_tx_count = at.txCount
  event.outcome_from = from
  return event
}
