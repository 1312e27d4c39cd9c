/** A signer's sender units wired to a fake node, as a worker wires them, with small budgets. */
import type { Address } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { FeeOracle, type FeeOracleOptions } from '../../../src/chain/feeOracle.js'
import { NodeHealth } from '../../../src/rpc/nodeHealth.js'
import { ChainReads } from '../../../src/sender/chainReads.js'
import { NonceLedger } from '../../../src/sender/nonceLedger.js'
import { SendFailure, SignerSender, type SendProgress, type TxRequest } from '../../../src/sender/signerSender.js'
import type { TxFields } from '../../../src/tx/buildTx.js'
import { viemSigner, type Signer } from '../../../src/tx/signer.js'
import { FakeNode } from '../../helpers/fakeNode.js'

export const SINK: Address = '0x000000000000000000000000000000000000dEaD'

export interface RigOptions {
  node?: FakeNode
  /** Resends / read retries after a transient failure (default 2). */
  retries?: number
  /** The NodeHealth outage budget in ms (default 300). */
  budgetMs?: number
  dryRun?: boolean
  /** Keep accepted txs in the ledger for gap checks (default true). */
  keep?: boolean
  /** FeeOracle pins (`--gas-price`, `--priority-fee`). */
  fees?: Omit<FeeOracleOptions, 'refreshMs'>
  /** The chain id the sender builds with (default: the node's). */
  chainId?: number
  /** Sends that may be in flight at once (default 1). */
  inFlight?: number
}

export interface Rig {
  node: FakeNode
  signer: Signer
  sender: SignerSender
  ledger: NonceLedger
  health: NodeHealth
  fees: FeeOracle
  /** A fresh plain transfer request (send() sets its nonce). */
  transfer(extra?: Partial<TxFields> & { idx?: number; id?: string }): TxRequest
  /** Sends and returns the progress and the SendFailure, if it failed. */
  attempt(req?: TxRequest): Promise<{ p: SendProgress; failure?: SendFailure }>
}

const open: FeeOracle[] = []

/** A sender for a throwaway key against `o.node` (a new fake node by default), its fee oracle started. */
export async function rig(o: RigOptions = {}): Promise<Rig> {
  const node = o.node ?? new FakeNode()
  const signer = viemSigner(generatePrivateKey())
  const fees = new FeeOracle(node, { refreshMs: 60_000, ...o.fees })
  open.push(fees)
  await fees.start(1_000)
  const health = new NodeHealth(o.budgetMs ?? 300)
  const reads = new ChainReads({ rpc: node, health, retries: o.retries ?? 2, cancel: new AbortController().signal })
  const ledger = new NonceLedger(o.keep ?? true)
  const chainId = o.chainId ?? node.chainId
  const sender = new SignerSender({ signer, chainId, fees, reads, ledger, retries: o.retries ?? 2, dryRun: o.dryRun ?? false, inFlight: o.inFlight ?? 1 })
  const transfer: Rig['transfer'] = ({ idx, id, ...extra } = {}) => {
    const req: TxRequest = { fields: { chainId, nonce: 0, to: SINK, value: 1n, gas: 21_000n, ...extra }, idx: idx ?? 0 }
    if (id !== undefined) req.id = id
    return req
  }
  const attempt: Rig['attempt'] = async (req = transfer()) => {
    const p: SendProgress = { nonce: null, attempts: 0 }
    try {
      await sender.send(req, p)
      return { p }
    } catch (err) {
      if (err instanceof SendFailure) return { p, failure: err }
      throw err
    }
  }
  return { node, signer, sender, ledger, health, fees, transfer, attempt }
}

/** Stops the fee oracles the rigs started (afterEach). */
export function stopRigs(): void {
  for (const f of open.splice(0)) f.stop()
}
