/** Reads a sender needs (nonces, txs, balances, receipts), through transient failures and outages, and probes for a tx. */
import type { Address, Hex } from 'viem'
import { backoffMs } from '../base/backoff.js'
import { sleep } from '../base/sleep.js'
import type { NodeHealth } from '../rpc/nodeHealth.js'
import { isInternalRpcError, isPermanentRpcError, RpcError, TransportError, type Rpc } from '../rpc/rpc.js'

export interface ReadContext {
  rpc: Rpc
  /** Shared reachability of the node: outages are waited out up to its budget. */
  health: NodeHealth
  /** Retries of a read after a transient failure (`--retries`). */
  retries: number
  /** Aborted when the run is cancelled: reads stop retrying. */
  cancel: AbortSignal
}

/** How one read treats failures beyond the shared rules. */
export interface ReadOptions {
  /** A transport failure: the signer notes that the node may have lost its txs. */
  onTransport?: () => void
  /** The read is an estimate of a spec's call: its error answers are the call's own (`estimateGas`). */
  call?: boolean
}

/** Does the node know a tx (pending or mined)? `unreachable`: it could not say. */
export type Seen = 'known' | 'absent' | 'unreachable'

/** Reads shared by every sender of a run; `onTransport` lets a signer note that the node may have lost its txs. */
export class ChainReads {
  constructor(readonly ctx: ReadContext) {}

  /**
   * A read: through a transient failure it is retried (`retries` times at least), and on for as
   * long as its failures last no longer than the outage budget when they are the node's (down,
   * or answering "internal error" while it answers other requests). Then it throws.
   */
  async read<T>(method: string, params: readonly unknown[], { onTransport, call = false }: ReadOptions = {}): Promise<T> {
    const { rpc, health, retries, cancel } = this.ctx
    let firstFailure: number | undefined
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await rpc.request<T>(method, params)
        health.ok()
        return r
      } catch (err) {
        firstFailure ??= performance.now()
        if (err instanceof RpcError) {
          // an error answer to a read of a nonce or a tx is the server's trouble, unless the
          // method or its params are wrong: worth the same retries as a lost answer; an internal
          // error, as long as an outage (a count alone ended a run's funding when four came in a
          // row), while any other stays a matter of --retries. A call's (an estimate's) error
          // answer is its own, thrown at once, bar an internal error (--retries: see estimateGas)
          health.ok()
          const internal = isInternalRpcError(err)
          const spent = attempt > retries && (call || !internal || performance.now() - firstFailure > health.budgetMs)
          if (isPermanentRpcError(err) || (call && !internal) || spent || cancel.aborted) throw err
          await sleep(backoffMs(attempt), cancel)
          continue
        }
        if (!(err instanceof TransportError)) throw err
        health.failed()
        onTransport?.()
        if (health.dead || cancel.aborted || (attempt > retries && !health.down)) throw err
        await sleep(backoffMs(attempt), cancel)
      }
    }
  }

  async nonceAt(address: Address, tag: 'pending' | 'latest', onTransport?: () => void): Promise<number> {
    return Number(BigInt(await this.read<string>('eth_getTransactionCount', [address, tag], { onTransport })))
  }

  /**
   * A worker's `eth_estimateGas` of a spec's call: a lost answer is retried as any read's (an
   * outage is waited out), an internal error only `--retries` times (anvil answers an EVM failure,
   * e.g. of a precompile, with one: never for the outage budget), and any other error answer is
   * the call's own (a revert, funds short), thrown at once: a spec whose call reverts holds its
   * worker for one request, not a backoff.
   */
  async estimateGas(call: Record<string, unknown>): Promise<bigint> {
    return BigInt(await this.read<string>('eth_estimateGas', [call], { call: true }))
  }

  async balanceOf(address: Address): Promise<bigint> {
    return BigInt(await this.read<string>('eth_getBalance', [address, 'latest']))
  }

  /** Does the node know this tx (pending or mined)? One request: 'unreachable' when it cannot tell. */
  async probe(hash: Hex): Promise<Seen> {
    try {
      const tx = await this.ctx.rpc.request<unknown>('eth_getTransactionByHash', [hash])
      this.ctx.health.ok()
      return tx ? 'known' : 'absent'
    } catch (err) {
      if (err instanceof TransportError) this.ctx.health.failed()
      return 'unreachable'
    }
  }

  /** Asks the node for a tx until it says yes or no (backoff), within the outage budget. */
  async probeUntilSure(hash: Hex): Promise<Seen> {
    const { health, cancel } = this.ctx
    const since = performance.now()
    for (let attempt = 1; ; attempt++) {
      const seen = await this.probe(hash)
      if (seen !== 'unreachable' || health.dead || cancel.aborted || performance.now() - since > health.budgetMs) return seen
      await sleep(backoffMs(attempt), cancel)
    }
  }
}
