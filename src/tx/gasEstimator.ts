/** Gas limits of specs that give none: 21000, or eth_estimateGas per (to, selector), cached, with headroom. */
import { keyOf } from '../base/key.js'
import { toHex, type Address, type Hex, type SignedAuthorization } from 'viem'

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
  /** EIP-7702: the tx's authorizations, estimated with it (their delegation changes what the call runs). */
  authorizationList?: SignedAuthorization[]
}

/** An estimate plus headroom (default 25 %): state can change between the estimate and the tx. */
export function withHeadroom(gas: bigint, percent = 25n): bigint {
  return gas + (gas * percent) / 100n
}

/**
 * Gas limits for specs that give none: 21000 without calldata; otherwise one
 * `eth_estimateGas` per distinct (to, selector), cached, plus 25 % headroom.
 * Concurrent workers asking for the same key share one request. A failed estimate is
 * not cached (the next spec's arguments may well succeed).
 */
export class GasEstimator {
  private readonly cache = new Map<string, Promise<bigint>>()

  /** `estimateGas`: one eth_estimateGas of a call (ChainReads.estimateGas: through transient failures). */
  constructor(
    private readonly estimateGas: (call: Record<string, unknown>) => Promise<bigint>,
    private readonly headroomPercent = 25n,
  ) {}

  limitFor(q: GasQuery): bigint | Promise<bigint> {
    if (!q.data || q.data === '0x') return TRANSFER_GAS
    const auth = q.authorizationList?.length ? `:7702:${q.authorizationList.map((a) => keyOf(a.address)).join(',')}` : ''
    const key = `${q.toIsSender ? '{_sender}' : keyOf(q.to)}:${q.selector ?? q.data.slice(0, 10)}${auth}`
    let hit = this.cache.get(key)
    if (!hit) {
      hit = this.estimate(q)
      this.cache.set(key, hit)
      hit.catch(() => this.cache.delete(key))
    }
    return hit
  }

  private async estimate(q: GasQuery): Promise<bigint> {
    const call: Record<string, unknown> = { from: q.from, to: q.to, data: q.data, value: toHex(q.value) }
    if (q.authorizationList?.length) {
      call.authorizationList = q.authorizationList.map((a) => ({ chainId: toHex(a.chainId), address: a.address, nonce: toHex(a.nonce), yParity: toHex(a.yParity ?? 0), r: a.r, s: a.s }))
    }
    return withHeadroom(await this.estimateGas(call), this.headroomPercent)
  }
}
