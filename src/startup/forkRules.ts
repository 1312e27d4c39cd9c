/** The fork rules a run's txs must follow that the node does not enforce on entry to its pool. */
import type { Rpc } from '../rpc/rpc.js'

/**
 * Whether the chain is at Prague or later, read from the latest header: Prague added
 * `requestsHash` (EIP-7685). Prague also brought EIP-7623's calldata floor, which some pools
 * (anvil 1.7) do not check on entry, so a tx below it would be accepted and never mined.
 * A failed read: false (the floor is then left to the node).
 */
export async function isPragueOrLater(rpc: Rpc): Promise<boolean> {
  try {
    const latest = await rpc.request<{ requestsHash?: string | null } | null>('eth_getBlockByNumber', ['latest', false])
    return typeof latest?.requestsHash === 'string'
  } catch {
    return false
  }
}
