/** A block read, as its `block` event says it. */
import type { BlockBody } from '../events/types.js'
import type { BlockWithHashes } from './trackerReads.js'

/** The chain's side of block `b`: what it held, how full, its base fee, and our backlog after it. */
export function blockBody(b: BlockWithHashes, ours: number, backlog: number): BlockBody {
  const e: BlockBody = {
    type: 'block',
    number: Number(BigInt(b.number)),
    timestamp: Number(BigInt(b.timestamp)),
    tx_count: b.transactions.length,
    ours,
    gas_used: b.gasUsed ? Number(BigInt(b.gasUsed)) : 0,
    gas_limit: b.gasLimit ? Number(BigInt(b.gasLimit)) : 0,
    backlog,
  }
  if (b.baseFeePerGas) e.base_fee_per_gas = BigInt(b.baseFeePerGas).toString()
  return e
}
