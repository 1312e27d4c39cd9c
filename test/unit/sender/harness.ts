/** A signer's lane (window, sender, filler, keeper) built by the product's factory against a fake node, with small budgets, at the product's default window. */
import type { Address, Hex } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import type { ErrorCode } from '../../../src/base/errors.js'
import { FeeOracle, type FeeOracleOptions } from '../../../src/chain/feeOracle.js'
import { DEFAULT_IN_FLIGHT } from '../../../src/defaults.js'
import { EVENT_VERSION, type FloodgateEvent } from '../../../src/events/types.js'
import { createLogger } from '../../../src/log.js'
import { NodeHealth } from '../../../src/rpc/nodeHealth.js'
import { ChainReads } from '../../../src/sender/chainReads.js'
import type { Funds } from '../../../src/sender/purse.js'
import { signerLane, type KeeperSettings, type SignerLane } from '../../../src/sender/signerLane.js'
import type { FillReason, SendEnd, TxFates } from '../../../src/sender/txFates.js'
import { SendFailure, type SendProgress, type TxRequest } from '../../../src/sender/txRequest.js'
import type { TxFields } from '../../../src/tx/buildTx.js'
import { viemSigner, type Signer } from '../../../src/tx/signer.js'
import { FakeNode } from '../../helpers/fakeNode.js'

export const SINK: Address = '0x000000000000000000000000000000000000dEaD'
/** The worker index the rig's lane reports. */
export const WORKER = 3

export interface RigOptions {
  node?: FakeNode
  /** Resends / read retries after a transient failure (default 2). */
  retries?: number
  /** The NodeHealth outage budget in ms (default 300). */
  budgetMs?: number
  dryRun?: boolean
  /** Keep accepted txs for the keeper's checks (default true). */
  keep?: boolean
  /** FeeOracle pins (`--gas-price`, `--priority-fee`). */
  fees?: Omit<FeeOracleOptions, 'refreshMs'>
  /** The chain id the sender builds with (default: the node's). */
  chainId?: number
  /** Sends that may be in flight at once (default: the product's, DEFAULT_IN_FLIGHT). */
  inFlight?: number
  /** The keeper's settings (default: a look every 10 ms, 3 risk blocks, never-included after 30 s, room unknown). */
  keeper?: Partial<KeeperSettings>
  /** The run's funder, asked when the signer runs short (default: none). */
  funds?: Funds
}

/** The fates the lane reported, in order. */
export interface FateLog {
  sent: SendEnd[]
  replaced: [Hex, Hex][]
  capped: Hex[]
  /** [the tx, the reason, the filler's hash, the node's verdict on a refused replacement if any] */
  filled: ([Hex, FillReason, Hex] | [Hex, FillReason, Hex, ErrorCode])[]
}

export interface Rig extends SignerLane {
  node: FakeNode
  signer: Signer
  health: NodeHealth
  fees: FeeOracle
  /** The events the lane emitted. */
  events: FloodgateEvent[]
  fates: FateLog
  /** A fresh plain transfer request (send() sets its nonce). */
  transfer(extra?: Partial<TxFields> & { idx?: number; id?: string }): TxRequest
  /** Sends and returns the progress and the SendFailure, if it failed. */
  attempt(req?: TxRequest): Promise<{ p: SendProgress; failure?: SendFailure }>
}

const open: FeeOracle[] = []

/** A lane for a throwaway key against `o.node` (a new fake node by default), its fee oracle started. */
export async function rig(o: RigOptions = {}): Promise<Rig> {
  const node = o.node ?? new FakeNode()
  const signer = viemSigner(generatePrivateKey())
  const fees = new FeeOracle(node, { refreshMs: 60_000, ...o.fees })
  open.push(fees)
  await fees.start(1_000)
  const health = new NodeHealth(o.budgetMs ?? 300)
  const reads = new ChainReads({ rpc: node, health, retries: o.retries ?? 2, cancel: new AbortController().signal })
  const chainId = o.chainId ?? node.chainId
  const events: FloodgateEvent[] = []
  const log: FateLog = { sent: [], replaced: [], capped: [], filled: [] }
  const fates: TxFates = {
    sent: (end) => log.sent.push(end),
    replaced: (oldHash, hash) => log.replaced.push([oldHash, hash]),
    capped: (hash) => log.capped.push(hash),
    filled: (hash, reason, filler, refusal) => log.filled.push(refusal === undefined ? [hash, reason, filler] : [hash, reason, filler, refusal]),
  }
  const lane = signerLane({
    signer,
    worker: WORKER,
    chainId,
    fees,
    reads,
    events: { emit: (body) => events.push({ version: EVENT_VERSION, ...body } as FloodgateEvent), emitOwned: (e) => events.push(e) },
    fates,
    log: createLogger({ level: 'silent' }),
    inFlight: o.inFlight ?? DEFAULT_IN_FLIGHT,
    retries: o.retries ?? 2,
    dryRun: o.dryRun ?? false,
    maxFee: o.fees?.maxFee,
    keeper: { everyMs: (o.keep ?? true) ? 10 : 0, riskBlocks: 3, neverIncludedMs: 30_000, roomy: () => undefined, ...o.keeper },
    ...(o.funds ? { funds: o.funds } : {}),
  })
  const transfer: Rig['transfer'] = ({ idx, id, ...extra } = {}) => {
    const req: TxRequest = { fields: { chainId, nonce: 0, to: SINK, value: 1n, gas: 21_000n, ...extra }, idx: idx ?? 0 }
    if (id !== undefined) req.id = id
    return req
  }
  const attempt: Rig['attempt'] = async (req = transfer()) => {
    const p: SendProgress = { nonce: null, attempts: 0 }
    try {
      await lane.sender.send(req, p)
      return { p }
    } catch (err) {
      if (err instanceof SendFailure) return { p, failure: err }
      throw err
    }
  }
  return { ...lane, node, signer, health, fees, events, fates: log, transfer, attempt }
}

/** Stops the fee oracles the rigs started (afterEach). */
export function stopRigs(): void {
  for (const f of open.splice(0)) f.stop()
}
