/** Reads a sender needs (nonces, txs, balances, receipts), through transient failures and outages, and probes for a tx. */
import type { Address, Hex } from 'viem'
import type { NodeHealth } from '../rpc/nodeHealth.js'
import { readRetry, type ReadBudget } from '../rpc/readRetry.js'
import type { Rpc } from '../rpc/rpc.js'
import type { ForeignHashes } from './foreignHashes.js'

export interface ReadContext {
  rpc: Rpc
  /** Shared reachability of the node: outages are waited out up to its budget. */
  health: NodeHealth
  /** Retries of a read after a transient failure (`--retries`). */
  retries: number
  /** Aborted when the run is cancelled: reads stop retrying. */
  cancel: AbortSignal
  /** Where sends answered with another hash than the tx's own are counted (the run's). */
  foreign?: ForeignHashes
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
   * or answering "internal error" while it answers other requests). Then it throws. The rules
   * are readRetry's, with the `retries` budget.
   */
  read<T>(method: string, params: readonly unknown[], { onTransport, call = false }: ReadOptions = {}): Promise<T> {
    const { rpc, health, retries, cancel } = this.ctx
    return readRetry(() => rpc.request<T>(method, params), { retries }, { health, cancel, call, ...(onTransport ? { onTransport } : {}) })
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
  probe(hash: Hex): Promise<Seen> {
    return this.lookUp(hash, { once: true })
  }

  /** Asks the node for a tx until it says yes or no (backoff), within the outage budget. */
  probeUntilSure(hash: Hex): Promise<Seen> {
    return this.lookUp(hash, { windowMs: this.ctx.health.budgetMs })
  }

  /** eth_getTransactionByHash under `budget` (the request's own timeout: the connection's). */
  private async lookUp(hash: Hex, budget: ReadBudget): Promise<Seen> {
    const { rpc, health, cancel } = this.ctx
    try {
      const tx = await readRetry(() => rpc.request<unknown>('eth_getTransactionByHash', [hash]), budget, { health, cancel })
      return tx ? 'known' : 'absent'
    } catch {
      return 'unreachable'
    }
  }
}
