/** What a caller may ask of an embedded anvil: where it listens, its chain's shape, its output. */
import type { Logger } from '../log.js'
export interface AnvilOptions {
  /** Interface to listen on. Default '127.0.0.1'. */
  host?: string
  /** Default 0: anvil binds a free port and reports it ("Listening on 127.0.0.1:NNNNN"). */
  port?: number
  /** Interval mining, seconds; fractions work (0.5). Omit for anvil's default (mine one block per tx). */
  blockTime?: number
  /** Mine only on request (evm_mine). */
  noMining?: boolean
  /** Block gas limit. */
  gasLimit?: bigint
  chainId?: number
  /** e.g. 'prague', 'osaka'. anvil's default is its latest. */
  hardfork?: string
  /** Number of dev accounts. */
  accounts?: number
  /** Balance of every dev account, in ether. */
  balance?: number
  loadState?: string
  /** Written by anvil when it exits on SIGTERM (stop() sends SIGTERM first). */
  dumpState?: string
  /** Appended after the flags above. */
  extraArgs?: string[]
  /** Until "Listening on" (and, if silent, the first RPC). Default 15000. */
  startTimeoutMs?: number
  /** stop(): SIGTERM, then SIGKILL after this long. Default 5000. */
  stopTimeoutMs?: number
  /**
   * Switch anvil's own per-transaction/per-block log lines off once it is ready
   * (anvil_setLoggingEnabled false). Its output is never shown either way; this spares anvil
   * formatting it, which at thousands of tx/s is a sizeable share of its CPU (see docs/devnet.md).
   */
  silent?: boolean
  /** Lifecycle logging (debug: start/stop; warn: unexpected exit, SIGKILL). Default createLogger(); null: none. */
  logger?: Logger | null
}
