/** Senders outside the spam pipeline (funding, scenario setup): the same sender units, with their own reads and a wait for the receipt. */
import { setMaxListeners } from 'node:events'
import type { Hex } from 'viem'
import { sleep } from '../base/sleep.js'
import type { FeeOracle } from '../chain/feeOracle.js'
import type { RpcReceipt } from '../chain/receipts.js'
import { NodeHealth } from '../rpc/nodeHealth.js'
import type { Rpc } from '../rpc/rpc.js'
import type { Signer } from '../tx/signer.js'
import { ChainReads } from './chainReads.js'
import { NonceLedger } from './nonceLedger.js'
import { SignerSender } from './signerSender.js'

export interface SessionOptions {
  chain: { rpc: Rpc; chainId: number; fees: FeeOracle }
  /** Retries of a read or a send after a transient failure. */
  retries: number
  /** How long the node may stay unreachable before the session gives up. */
  maxOutageMs: number
  signal?: AbortSignal
}

/** One phase's senders (one per signer, each owning that signer's nonces) and reads. */
export class SendSession {
  readonly reads: ChainReads
  private readonly senders = new Map<string, SignerSender>()

  constructor(private readonly o: SessionOptions) {
    const cancel = AbortSignal.any([o.signal ?? new AbortController().signal])
    // every sender of the phase may wait on it at once (a setup step for all of a pool's accounts): not a leak
    setMaxListeners(0, cancel)
    this.reads = new ChainReads({ rpc: o.chain.rpc, health: new NodeHealth(o.maxOutageMs), retries: o.retries, cancel })
  }

  get cancel(): AbortSignal {
    return this.reads.ctx.cancel
  }

  /** The sender of `signer` in this session (made on first use). */
  senderOf(signer: Signer): SignerSender {
    const key = signer.address.toLowerCase()
    let s = this.senders.get(key)
    if (!s) {
      s = new SignerSender({ signer, chainId: this.o.chain.chainId, fees: this.o.chain.fees, reads: this.reads, ledger: new NonceLedger(false), retries: this.o.retries, dryRun: false })
      this.senders.set(key, s)
    }
    return s
  }

  /** Waits for a sent tx's receipt, polling through the session's reads; null when `timeoutMs` passed or the session was cancelled. */
  async receipt(hash: Hex, timeoutMs: number, pollMs = 150): Promise<RpcReceipt | null> {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const r = await this.reads.read<RpcReceipt | null>('eth_getTransactionReceipt', [hash])
      if (r || this.cancel.aborted || performance.now() > deadline) return r
      await sleep(pollMs, this.cancel)
    }
  }
}
