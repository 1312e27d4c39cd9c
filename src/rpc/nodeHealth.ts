/** Whether the node is reachable: outages, as the workers see them, and when one lasts long enough to end the run. */
/**
 * Is the node reachable? Shared by the workers, read-mostly (like the fee snapshot): a worker
 * that got no definite answer reports a failure, one that got an answer reports success.
 * An outage starts at the first failure with no success after it; it ends at the next
 * success. An outage longer than `budgetMs` (`--rpc-timeout`) makes the node *dead* for the
 * rest of the run: the workers then fail what they hold and every later spec with
 * `RPC_UNAVAILABLE`, and the run ends (exit 1).
 *
 * No lock, no per-signer state: two fields and a flag, written with plain assignments.
 */
export class NodeHealth {
  private downSince: number | undefined
  private deadFlag = false

  constructor(
    /** How long the node may stay unreachable before the run gives up on it. */
    readonly budgetMs: number,
    private readonly onDead?: (outageMs: number) => void,
    /** An answer came after an outage (the node behind the URL may be another one now). */
    private readonly onBack?: () => void,
  ) {}

  /** An answer came (any answer the node sent: a result or a JSON-RPC error). */
  ok(): void {
    if (this.downSince === undefined) return
    this.downSince = undefined
    this.onBack?.()
  }

  /** No definite answer (refused, reset, timeout, HTTP error, garbage). */
  failed(): void {
    if (this.deadFlag) return
    const now = performance.now()
    if (this.downSince === undefined) this.downSince = now
    else if (now - this.downSince > this.budgetMs) {
      this.deadFlag = true
      this.onDead?.(now - this.downSince)
    }
  }

  /** True while no request has succeeded since a failure. */
  get down(): boolean {
    return this.downSince !== undefined
  }

  /** The node stayed unreachable longer than the budget: the run gives up on it. */
  get dead(): boolean {
    return this.deadFlag
  }

  /** How long the current outage has lasted (0 when up). */
  outageMs(): number {
    return this.downSince === undefined ? 0 : performance.now() - this.downSince
  }
}

/** Why a send or a spec failed once the node stayed unreachable past its budget. */
export function outageMessage(budgetMs: number): string {
  return `the node was unreachable for longer than --max-outage (${budgetMs} ms)`
}
