/** A signer's lane, built whole: its nonce window, its post to the node, its sender, its gap filler and its keeper. */
import type { FeeOracle } from '../chain/feeOracle.js'
import type { EventSink } from '../events/eventSink.js'
import type { Logger } from '../log.js'
import type { Signer } from '../tx/signer.js'
import type { ChainReads } from './chainReads.js'
import { GapFiller } from './gapFiller.js'
import { NonceWindow } from './nonceWindow.js'
import { Purse, type Funds } from './purse.js'
import { SignerSender } from './signerSender.js'
import type { TxFates } from './txFates.js'
import { TxKeeper, type KeeperSettings } from './txKeeper.js'
import { TxPost } from './txPost.js'

export type { KeeperSettings }

export interface SignerLaneOptions {
  signer: Signer
  /** The worker's index, for logs and events. */
  worker: number
  chainId: number
  fees: FeeOracle
  /** The reads of the lane's endpoint (its nonce stays with one node's pool). */
  reads: ChainReads
  events: EventSink
  fates: TxFates
  log: Logger
  /** `--in-flight`. */
  inFlight: number
  /** `--retries`. */
  retries: number
  dryRun: boolean
  /** `--max-fee`. */
  maxFee: bigint | undefined
  keeper: KeeperSettings
  /** The run's funder, asked out of turn when the signer runs short (none: `--keep-funded 0`, no funder key). */
  funds?: Funds
}

/** One signer's units: each is the only one of its kind for that signer, and each is made once, here. */
export interface SignerLane {
  window: NonceWindow
  post: TxPost
  sender: SignerSender
  /** What the signer can still spend; none when its txs are not kept (a dry run, gap checks off). */
  purse: Purse | undefined
  filler: GapFiller
  keeper: TxKeeper
}

/** Builds a signer's lane; nothing in it is wired after construction. */
export function signerLane(opts: SignerLaneOptions): SignerLane {
  const { signer, reads, fees, events, fates, log, worker } = opts
  const keep = opts.keeper.everyMs > 0 && !opts.dryRun
  const window = new NonceWindow({ address: signer.address, reads, inFlight: opts.inFlight, keep })
  // what a signer's txs can cost is counted only in the ledger of kept txs
  const settle = async () => window.kept.minedBelow(await window.nonceAt('latest'))
  const purse = keep ? new Purse({ address: signer.address, costs: window.kept, settle, reads, funds: opts.funds, inFlight: opts.inFlight }) : undefined
  const post = new TxPost({ signer, reads, onTransport: () => window.kept.checkSoon() })
  const filler = new GapFiller({ worker, chainId: opts.chainId, fees, post, window, events, fates, log })
  const sender = new SignerSender({ signer, fees, reads, window, post, fillGaps: filler.fillGaps, retries: opts.retries, dryRun: opts.dryRun, maxFee: opts.maxFee, purse })
  const keeper = new TxKeeper({ worker, window, sender, post, filler, fees, events, fates, log, ...opts.keeper, everyMs: opts.dryRun ? 0 : opts.keeper.everyMs })
  return { window, post, sender, purse, filler, keeper }
}
