import { toHex, type Address, type Hex } from 'viem'
import type { Rpc } from './rpc.js'

/** Gas of a plain value transfer without calldata. */
export const TRANSFER_GAS = 21_000n

export interface GasQuery {
  from: Address
  to: Address
  /** `to` was `{_sender}`: cache under the sender placeholder, not one address. */
  toIsSender: boolean
  value: bigint
  data?: Hex
  selector?: Hex
}

/**
 * Gas limits for specs that give none: 21000 without calldata; otherwise one
 * `eth_estimateGas` per distinct (to, selector), cached, plus 25 % headroom.
 * Concurrent workers asking for the same key share one request. A failed estimate is
 * not cached (the next spec's arguments may well succeed).
 */
export class GasEstimator {
  private readonly cache = new Map<string, Promise<bigint>>()

  constructor(
    private readonly rpc: Rpc,
    private readonly headroomPercent = 25n,
  ) {}

  limitFor(q: GasQuery): bigint | Promise<bigint> {
    if (!q.data || q.data === '0x') return TRANSFER_GAS
    const key = `${q.toIsSender ? '{_sender}' : q.to.toLowerCase()}:${q.selector ?? q.data.slice(0, 10)}`
    let hit = this.cache.get(key)
    if (!hit) {
      hit = this.estimate(q)
      this.cache.set(key, hit)
      hit.catch(() => this.cache.delete(key))
    }
    return hit
  }

  private async estimate(q: GasQuery): Promise<bigint> {
    const call = { from: q.from, to: q.to, data: q.data, value: toHex(q.value) }
    const gas = BigInt(await this.rpc.request<string>('eth_estimateGas', [call]))
    return gas + (gas * this.headroomPercent) / 100n
  }
}
