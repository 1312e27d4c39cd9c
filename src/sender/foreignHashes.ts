/** Sends the node answered with a hash that is not the tx's own: counted, warned about once a run. */
import type { Hex } from 'viem'
import type { Logger } from '../log.js'

/**
 * A node (or a proxy before it) that answers eth_sendRawTransaction with another hash than the
 * signed tx's keccak: floodgate keeps tracking the tx by its own hash (the only one it can
 * check), and says so once, with the count at the end of the run.
 */
export class ForeignHashes {
  count = 0

  constructor(private readonly log: Logger) {}

  /** The node answered the send of the tx `own` with `answered`. */
  note(own: Hex, answered: unknown): void {
    if (typeof answered === 'string' && answered.length === own.length && answered.toLowerCase() === own.toLowerCase()) return
    if (this.count++ > 0) return
    this.log.warn(
      { tx_hash: own, answered: typeof answered === 'string' ? answered.slice(0, 80) : typeof answered },
      "the node answered a send with a hash that is not the tx's own (a proxy or a node that rewrites txs?): floodgate tracks each tx by its own hash; the count comes at the end of the run",
    )
  }

  /** At the end of the run: how many sends were answered so, if any were. */
  report(): void {
    if (this.count > 0) this.log.warn({ count: this.count }, "sends answered with a hash that is not the tx's own")
  }
}
