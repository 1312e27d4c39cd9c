/** Senders outside the spam pipeline (funding, scenario setup): the same sender units, with their own reads, and the phase's receipt tracker for the waits. */
import { setMaxListeners } from 'node:events'
import type { Hex } from 'viem'
import type { FeeOracle } from '../chain/feeOracle.js'
import { pollMsFor, ReceiptTracker } from '../chain/receiptTracker.js'
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
import type { SendProgress, TxRequest } from './txRequest.js'

export interface SessionOptions {
  chain: { rpc: Rpc; chainId: number; fees: FeeOracle; blockTimeMs: number | undefined }
  /** Retries of a read or a send after a transient failure. */
  retries: number
  /** How long the node may stay unreachable before the session gives up. */
  maxOutageMs: number
  /** How long a sent tx may stay unmined before its wait gives up (default 120 s). */
  receiptTimeoutMs?: number
  signal?: AbortSignal
  log: Logger
}

/** How long a session's tx may stay unmined, unless told. */
export const SESSION_RECEIPT_TIMEOUT_MS = 120_000

/** The tx hashes of the blocks read last that a session's tracker keeps (the run's keeps 200,000). */
const SESSION_RECENT_HASHES = 10_000

/** A session's sends go one at a time, each waited for by its caller. */
const SESSION_IN_FLIGHT = 1

/**
 * One phase's senders (one per signer, each owning that signer's nonces), reads, and receipt
 * tracker: the run's block-driven way of waiting for txs, started before the phase's first send
 * and stopped by `close()`, which the phase's owner calls when the phase ends, failed or not.
 * Its events go nowhere (funding and setup write none).
 */
export class SendSession {
  readonly reads: ChainReads
  /** How long a sent tx may stay unmined before `receipt` gives up on it. */
  readonly receiptTimeoutMs: number
  private readonly senders = new Map<Key, SignerSender>()
  private tracker: Promise<ReceiptTracker> | undefined
  private closed = false

  constructor(private readonly opts: SessionOptions) {
    const cancel = AbortSignal.any([opts.signal ?? new AbortController().signal])
    // every sender of the phase may wait on it at once (a setup step for all of a pool's accounts): not a leak
    setMaxListeners(0, cancel)
    this.reads = new ChainReads({ rpc: opts.chain.rpc, health: new NodeHealth(opts.maxOutageMs), retries: opts.retries, cancel })
    this.receiptTimeoutMs = opts.receiptTimeoutMs ?? SESSION_RECEIPT_TIMEOUT_MS
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

  /**
   * Sends `req` from `signer` through its sender, once the session's tracker follows the chain
   * (started on the first send, so it reads every block that can hold the tx): the hash the
   * node took. Ask for its `receipt` right away.
   */
  async send(signer: Signer, req: TxRequest, progress: SendProgress = { nonce: null, attempts: 0 }): Promise<Hex> {
    await this.following()
    await this.senderOf(signer).send(req, progress)
    return progress.hash!
  }

  /**
   * The receipt of a tx `send` sent, as the node gave it (status, block, contractAddress), once
   * the session's tracker read it from its block; null when it stayed unmined for
   * `receiptTimeoutMs` (the tracker's timeout: looked up once), or the session was cancelled or
   * closed. Never rejects once the tracker runs.
   */
  async receipt(hash: Hex): Promise<RpcReceipt | null> {
    if (this.closed) return null
    return (await this.following()).track(hash, this.cancel)
  }

  /** Stops the session's tracker (a wait still open gets null). Idempotent; the phase's owner calls it, also after an error. */
  async close(): Promise<void> {
    this.closed = true
    const tracker = await this.tracker?.catch(() => undefined)
    await tracker?.stop()
  }

  /** The session's tracker, started on first use from a head read through the session's reads (its retries, outage budget, cancel). */
  private following(): Promise<ReceiptTracker> {
    if (this.closed) return Promise.reject(new Error('SendSession: used after close()'))
    this.tracker ??= this.startTracker().catch((err: unknown) => {
      // a failed start (the node away) is tried again at the next use
      this.tracker = undefined
      throw err
    })
    return this.tracker
  }

  private async startTracker(): Promise<ReceiptTracker> {
    const { chain, log } = this.opts
    const head = Number(BigInt(await this.reads.read<string>('eth_blockNumber', [])))
    const tracker = new ReceiptTracker({
      rpc: chain.rpc,
      emit: NO_EVENTS.emit,
      log,
      timeoutMs: this.receiptTimeoutMs,
      pollMs: pollMsFor(chain.blockTimeMs),
      // no inclusion times to measure: its head polls need be no finer than its block reads
      headPollMs: pollMsFor(chain.blockTimeMs),
      // its txs are asked for right after their sends: the last blocks' hashes are enough, and a
      // background top-up's tracker runs beside a heavy spam (a tx missed here is looked up at its timeout)
      recentHashCap: SESSION_RECENT_HASHES,
    })
    await tracker.start(head)
    return tracker
  }
}
