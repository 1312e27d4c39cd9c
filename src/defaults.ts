/** Defaults a run's options take when neither the command line nor the library caller gives them: resolved once, where the options are read. */

/**
 * `--in-flight`'s default, from measurement (docs/benchmarks.md, "Several sends in flight"):
 * pool 10 at 8 sent 5.5× the serial rate through a 20 ms proxy and 7.4× through 200 ms; near
 * the node windows 2–8 are alike; and 8 stays at half geth's 16 executable slots per account.
 */
export const DEFAULT_IN_FLIGHT = 8

/** `--receipt-timeout`'s default: a sent tx not seen in a block this long after its send (and after the chain last included any of ours) gets `tx_timeout`. */
export const DEFAULT_RECEIPT_TIMEOUT_MS = 60_000
