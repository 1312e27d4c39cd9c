import type { ReceiptStatus } from '../events/types.js'
import type { RpcError } from './rpc.js'

/** The block fields the receipt tracker reads. */
export interface RpcBlockHeader {
  number: string
  timestamp: string
}

/** The receipt fields the receipt tracker reads (JSON-RPC quantities are hex strings). */
export interface RpcReceipt {
  transactionHash: string
  blockNumber: string
  status?: string | null
  gasUsed: string
  effectiveGasPrice?: string | null
}

export interface ParsedReceipt {
  blockNumber: number
  status: ReceiptStatus
  gasUsed: number
  /** wei, decimal string */
  effectiveGasPrice: string
}

export function parseReceipt(r: RpcReceipt): ParsedReceipt {
  return {
    blockNumber: Number(BigInt(r.blockNumber)),
    // pre-Byzantium receipts have a state root instead of a status; such a chain is not a target
    status: r.status !== undefined && r.status !== null && BigInt(r.status) === 0n ? 'reverted' : 'success',
    gasUsed: Number(BigInt(r.gasUsed)),
    effectiveGasPrice: r.effectiveGasPrice ? BigInt(r.effectiveGasPrice).toString() : '0',
  }
}

/**
 * The node does not implement the method: JSON-RPC -32601, or the wordings nodes and
 * proxies use for it. Anything else (a node error, a timeout) is not a reason to fall back.
 */
export function isMethodMissing(err: RpcError): boolean {
  if (err.code === -32601) return true
  return /method .*(not found|not supported|does not exist|not available|unsupported)|unsupported method|no such method|unknown method/i.test(err.message)
}
