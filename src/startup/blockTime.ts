/** The chain's block time, read from its two latest blocks' timestamps. */
import type { Rpc } from '../rpc/rpc.js'

/** Block time from the two latest blocks' timestamps, when it looks like one (1-30 s). */
export async function blockTimeMs(rpc: Rpc): Promise<number | undefined> {
  try {
    const latest = await rpc.request<{ number: string; timestamp: string }>('eth_getBlockByNumber', ['latest', false])
    const n = BigInt(latest.number)
    if (n === 0n) return undefined
    const parent = await rpc.request<{ timestamp: string }>('eth_getBlockByNumber', [`0x${(n - 1n).toString(16)}`, false])
    const dt = Number(BigInt(latest.timestamp) - BigInt(parent.timestamp))
    return dt >= 1 && dt <= 30 ? dt * 1000 : undefined
  } catch {
    return undefined
  }
}
