/** Senders outside the spam pipeline (funding, scenario setup): the same sender units, with their own reads and a wait for the receipt. */
import { setMaxListeners } from 'node:events'
import type { Hex } from 'viem'
import { sleep } from '../base/sleep.js'
import type { FeeOracle } from '../chain/feeOracle.js'
import type { RpcReceipt } from '../chain/receipts.js'
import { NodeHealth } from '../rpc/nodeHealth.js'
import type { Rpc } from '../rpc/rpc.js'
import type { Signer } from '../tx/signer.js'
import { keyOf, type Key } from '../base/key.js'
import { NO_EVENTS } from '../events/eventSink.js'
import type { Logger } from '../log.js'
import { ChainReads } from './chainReads.js'
import { signerLane } from './signerLane.js'
import type { SignerSender } from './signerSender.js'
import { NO_FATES } from './txFates.js'

export interface SessionOptions {
  chain: { rpc: Rpc; chainId: number; fees: FeeOracle }
  /** Retries of a read or a send after a transient failure. */
  retries: number
  /** How long the node may stay unreachable before the session gives up. */
  maxOutageMs: number
  signal?: AbortSignal
  log: Logger
}

/** A session's sends go one at a time, each waited for by its caller. */
const SESSION_IN_FLIGHT = 1

/** One phase's senders (one per signer, each owning that signer's nonces) and reads. */
export class SendSession {
  readonly reads: ChainReads
  private readonly senders = new Map<Key, SignerSender>()

  constructor(private readonly opts: SessionOptions) {
    const cancel = AbortSignal.any([opts.signal ?? new AbortController().signal])
    // every sender of the phase may wait on it at once (a setup step for all of a pool's accounts): not a leak
    setMaxListeners(0, cancel)
    this.reads = new ChainReads({ rpc: opts.chain.rpc, health: new NodeHealth(opts.maxOutageMs), retries: opts.retries, cancel })
  }

  get cancel(): AbortSignal {
    return this.reads.ctx.cancel
  }

  /** The sender of `signer` in this session (made on first use). */
  senderOf(signer: Signer): SignerSender {
    const key = keyOf(signer.address)
    let sender = this.senders.get(key)
    if (!sender) {
      // no worker, no keeper (its caller waits for each tx), no events: a filler would only be logged
      sender = signerLane({
        signer,
        worker: -1,
        chainId: this.opts.chain.chainId,
        fees: this.opts.chain.fees,
        reads: this.reads,
        events: NO_EVENTS,
        fates: NO_FATES,
        log: this.opts.log,
        inFlight: SESSION_IN_FLIGHT,
        retries: this.opts.retries,
        dryRun: false,
        maxFee: undefined,
        keeper: { everyMs: 0, riskBlocks: 0, neverIncludedMs: 0, roomy: () => undefined },
      }).sender
      this.senders.set(key, sender)
    }
    return sender
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
