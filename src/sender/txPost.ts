/** One signer's way to the node: sign, send signed bytes once and read the answer, rebroadcast, send at a fixed nonce. */
import type { Address, Hex, TransactionSerializable } from 'viem'
import { classifySendError, type SendOutcome } from '../rpc/classifySendError.js'
import { RpcError, TransportError } from '../rpc/rpc.js'
import { buildTx, type TxFields } from '../tx/buildTx.js'
import type { FeeSnapshot } from '../tx/fees.js'
import { txHash, type Signer } from '../tx/signer.js'
import type { ChainReads, Seen } from './chainReads.js'

export const ACCEPTED = { kind: 'accepted' } as const
export type PostOutcome = SendOutcome | typeof ACCEPTED

export interface TxPostOptions {
  signer: Signer
  reads: ChainReads
  /** A send got no answer: the node may have lost txs of ours (the keeper checks soon). */
  onTransport: () => void
}

/**
 * Every eth_sendRawTransaction of a signer goes through `sendRaw` (a spec's send, a
 * replacement, a rebroadcast, a filler), so each notes the node's reachability and reads the
 * node's answer the same way.
 */
export class TxPost {
  constructor(private readonly opts: TxPostOptions) {}

  get address(): Address {
    return this.opts.signer.address
  }

  /** Signs a tx: the native signer's synchronous path when it has one (no promise on the hot path). */
  sign(tx: TransactionSerializable): { raw: Hex; hash: Hex } | Promise<{ raw: Hex; hash: Hex }> {
    const { signer } = this.opts
    if (signer.signNow) return signer.signNow(tx)
    return signer.signTransaction(tx).then((raw) => ({ raw, hash: txHash(raw) }))
  }

  /**
   * One eth_sendRawTransaction and what its answer means; the node's reachability is noted. One
   * promise per send (the hot path). With `hash` (the tx's own), an answer with another hash is
   * counted (the run's ForeignHashes).
   */
  sendRaw(raw: Hex, hash?: Hex): Promise<PostOutcome> {
    const sent = this.opts.reads.ctx.rpc.request('eth_sendRawTransaction', [raw])
    const foreign = this.opts.reads.ctx.foreign
    if (hash === undefined || foreign === undefined) return sent.then(this.accepted, this.refused)
    return sent.then((answered) => {
      foreign.note(hash, answered)
      return this.accepted()
    }, this.refused)
  }

  private readonly accepted = (): PostOutcome => {
    this.opts.reads.ctx.health.ok()
    return ACCEPTED
  }

  private readonly refused = (err: unknown): PostOutcome => {
    const { health } = this.opts.reads.ctx
    if (err instanceof TransportError) {
      health.failed()
      this.opts.onTransport()
    } else if (err instanceof RpcError) health.ok()
    return classifySendError(err)
  }

  /** Does the node know this tx? One request. */
  probe(hash: Hex): Promise<Seen> {
    return this.opts.reads.probe(hash)
  }

  /** Asks the node for a tx until it says yes or no, within the outage budget. */
  probeUntilSure(hash: Hex): Promise<Seen> {
    return this.opts.reads.probeUntilSure(hash)
  }

  /** Sends bytes the node had before once more: 'ok' when it has them (or mined them). */
  async rebroadcast(raw: Hex): Promise<'ok' | 'refused' | 'unreachable'> {
    const outcome = await this.sendRaw(raw)
    if (outcome.kind === 'unknown' && (outcome.code === 'RPC_UNAVAILABLE' || outcome.code === 'RPC_TIMEOUT')) return 'unreachable'
    // accepted (already known) or nonce too low (it was mined meanwhile): nothing lacks
    return outcome.kind === 'accepted' || outcome.kind === 'nonce' ? 'ok' : 'refused'
  }

  /**
   * Signs and sends a new tx at a fixed nonce (a filler) with these fees: 'ok' once the node
   * has it. Unlike a rebroadcast, a nonce answer means another tx took the nonce, not that
   * this one was mined: only the node knowing this hash makes it 'ok'.
   */
  async sendAt(fields: TxFields, fees: FeeSnapshot): Promise<{ result: 'ok' | 'refused' | 'unreachable'; hash: Hex; raw: Hex }> {
    const { raw, hash } = await this.sign(buildTx(fields, fees))
    const outcome = await this.sendRaw(raw, hash)
    if (outcome.kind === 'accepted') return { result: 'ok', hash, raw }
    if (outcome.kind === 'rejected' || outcome.kind === 'fees') return { result: 'refused', hash, raw }
    // no answer, or a nonce answer: ask the node whether it has this very tx
    const seen = await this.probeUntilSure(hash)
    return { result: seen === 'known' ? 'ok' : seen === 'absent' ? 'refused' : 'unreachable', hash, raw }
  }
}
