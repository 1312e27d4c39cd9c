/**
 * An in-memory node for unit tests of the sender units: it decodes each signed tx, keeps a
 * pool and a mined nonce per sender, answers the reads a sender and the fee oracle make, and
 * can be scripted per call (refuse, drop the answer, reject with a node's wording, go down).
 */
import { keccak256, parseTransaction, recoverTransactionAddress, type Address, type Hex, type TransactionSerialized } from 'viem'
import { RpcError, TransportError, type Rpc, type TransportFailure } from '../../src/rpc/rpc.js'

const GWEI = 1_000_000_000n

/** A tx the node holds (in its pool, or mined when `block` is set). */
export interface NodeTx {
  hash: Hex
  raw: Hex
  from: Address
  nonce: number
  to: Address | null
  value: bigint
  gas: bigint
  /** The fee cap (`gasPrice` for a legacy/EIP-2930 tx). */
  maxFeePerGas: bigint
  maxPriorityFeePerGas: bigint
  block?: number
}

/** What became of one eth_sendRawTransaction the node was asked. */
export interface SendRecord {
  hash: Hex
  raw: Hex
  /** 'accepted', 'refused' (it never reached the node), the node's error message, or 'answer lost (…)' with what the node did. */
  fate: string
}

/** What the next call of a method meets instead of (or before) a normal answer. */
export type Step =
  /** The node answers this JSON-RPC error without acting on the request. */
  | { kind: 'reject'; message: string; code?: number; before?: Before }
  /** No answer, and the node never saw the request (connection refused). */
  | { kind: 'refuse'; before?: Before }
  /** The node acts on the request, and the answer is lost (`error`: what the client gets instead). */
  | { kind: 'dropAnswer'; error?: Error; before?: Before }
  /** A normal answer, after `before` ran (e.g. another process's tx is mined meanwhile). */
  | { kind: 'answer'; before?: Before }

/** Runs when the call arrives, before the node answers it. */
type Before = () => void | Promise<void>

export const reject = (message: string, code = -32000): Step => ({ kind: 'reject', message, code })
export const refuse = (): Step => ({ kind: 'refuse' })
export const dropAnswer = (failure: TransportFailure = 'network'): Step => ({ kind: 'dropAnswer', error: new TransportError(failure, 'the connection closed before the answer came') })
export const answerAfter = (before: Before): Step => ({ kind: 'answer', before })

export interface FakeNodeOptions {
  chainId?: number
  /** undefined: an EIP-1559 chain at 1 gwei; null: a legacy chain (no base fee). */
  baseFeePerGas?: bigint | null
  /** What eth_maxPriorityFeePerGas answers. */
  tip?: bigint
  /** What eth_gasPrice answers on a legacy chain. */
  gasPrice?: bigint
  blockGasLimit?: bigint
  /** Every account's starting balance (default 1,000 ETH). */
  balance?: bigint
}

interface Account {
  /** The mined nonce (`latest`). */
  mined: number
  balance: bigint
  pool: Map<number, NodeTx>
}

/** A node for one or more accounts, implementing the `Rpc` seam. */
export class FakeNode implements Rpc {
  readonly displayUrl = 'fake-node'
  readonly chainId: number
  baseFeePerGas: bigint | null
  tip: bigint
  gasPrice: bigint
  blockNumber = 1
  /** Every eth_sendRawTransaction asked of the node, in order. */
  readonly sends: SendRecord[] = []
  private readonly blockGasLimit: bigint
  private readonly defaultBalance: bigint
  private readonly accounts = new Map<string, Account>()
  /** Every tx the node knows by hash: pooled or mined. */
  private readonly byHash = new Map<Hex, NodeTx>()
  private readonly scripts = new Map<string, Step[]>()
  private downUntil = 0

  constructor(o: FakeNodeOptions = {}) {
    this.chainId = o.chainId ?? 31337
    this.baseFeePerGas = o.baseFeePerGas === undefined ? GWEI : o.baseFeePerGas
    this.tip = o.tip ?? GWEI
    this.gasPrice = o.gasPrice ?? 2n * GWEI
    this.blockGasLimit = o.blockGasLimit ?? 30_000_000n
    this.defaultBalance = o.balance ?? 1_000n * 10n ** 18n
  }

  // ---- scripting ----

  /** The next calls of `method` meet these steps, one per call, in order; then normal answers. */
  script(method: string, ...steps: Step[]): this {
    const q = this.scripts.get(method) ?? []
    q.push(...steps)
    this.scripts.set(method, q)
    return this
  }

  /** Unreachable (every request refused) for `ms` from now. */
  down(ms = Infinity): void {
    this.downUntil = performance.now() + ms
  }

  up(): void {
    this.downUntil = 0
  }

  /** One block: every account's executable pool txs (contiguous from its mined nonce, within its balance) are mined. */
  mine(): void {
    this.blockNumber++
    for (const a of this.accounts.values()) {
      for (const tx of this.executable(a)) {
        a.pool.delete(tx.nonce)
        a.mined = tx.nonce + 1
        a.balance -= tx.value + tx.gas * this.priceOf(tx)
        tx.block = this.blockNumber
      }
    }
  }

  /** The node drops a pooled tx (evicted, or a restart lost it): unknown by hash from now on. */
  lose(hash: Hex): void {
    const tx = this.byHash.get(hash)
    if (!tx || tx.block !== undefined) throw new Error(`the fake node has no pooled tx ${hash}`)
    this.account(tx.from).pool.delete(tx.nonce)
    this.byHash.delete(hash)
  }

  /** The node's pool drops a tx it still answers by hash, as pending (Ganache 7 with interval mining). */
  ghost(hash: Hex): void {
    const tx = this.byHash.get(hash)
    if (!tx || tx.block !== undefined) throw new Error(`the fake node has no pooled tx ${hash}`)
    this.account(tx.from).pool.delete(tx.nonce)
  }

  /** A restart that keeps the chain and loses the pool. */
  restart(): void {
    for (const a of this.accounts.values()) {
      for (const tx of a.pool.values()) this.byHash.delete(tx.hash)
      a.pool.clear()
    }
  }

  /** Pools a signed tx as if it came from elsewhere (another process, a peer): no script, no outage, not in `sends`. */
  submit(raw: Hex): Promise<Hex> {
    return this.accept(raw)
  }

  setBalance(address: Address, wei: bigint): void {
    this.account(address).balance = wei
  }

  // ---- what the node holds ----

  nonces(address: Address): { latest: number; pending: number } {
    const a = this.account(address)
    return { latest: a.mined, pending: a.mined + this.executable(a).length }
  }

  /** The account's pooled txs, in nonce order. */
  pool(address: Address): NodeTx[] {
    return [...this.account(address).pool.values()].sort((x, y) => x.nonce - y.nonce)
  }

  /** A tx the node knows (pooled or mined). */
  tx(hash: Hex): NodeTx | undefined {
    return this.byHash.get(hash)
  }

  balance(address: Address): bigint {
    return this.account(address).balance
  }

  // ---- Rpc ----

  async request<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    await Promise.resolve() // answers come later, as over a wire
    const raw = method === 'eth_sendRawTransaction' ? (params[0] as Hex) : undefined
    const record = (fate: string) => {
      if (raw) this.sends.push({ hash: keccak256(raw), raw, fate })
    }
    if (performance.now() < this.downUntil) {
      record('refused')
      throw new TransportError('network', `${method}: cannot reach ${this.displayUrl} (ECONNREFUSED)`)
    }
    const step = this.scripts.get(method)?.shift()
    await step?.before?.()
    if (step?.kind === 'refuse') {
      record('refused')
      throw new TransportError('network', `${method}: cannot reach ${this.displayUrl} (ECONNREFUSED)`)
    }
    if (step?.kind === 'reject') {
      record(step.message)
      throw new RpcError(step.code ?? -32000, step.message)
    }
    let result: unknown
    let fate = 'accepted'
    let error: unknown
    try {
      result = await this.answer(method, params)
    } catch (err) {
      if (!(err instanceof RpcError)) throw err
      fate = err.message
      error = err
    }
    if (step?.kind === 'dropAnswer') {
      record(`answer lost (${fate})`)
      throw step.error ?? new TransportError('network', `${method}: the connection closed before the answer came`)
    }
    record(fate)
    if (error) throw error
    return result as T
  }

  private async answer(method: string, params: readonly unknown[]): Promise<unknown> {
    switch (method) {
      case 'eth_chainId':
        return hex(this.chainId)
      case 'eth_blockNumber':
        return hex(this.blockNumber)
      case 'eth_getBlockByNumber':
        return { number: hex(this.blockNumber), timestamp: hex(1_700_000_000 + this.blockNumber), baseFeePerGas: this.baseFeePerGas === null ? null : hex(this.baseFeePerGas) }
      case 'eth_maxPriorityFeePerGas':
        if (this.baseFeePerGas === null) throw new RpcError(-32601, 'the method eth_maxPriorityFeePerGas does not exist')
        return hex(this.tip)
      case 'eth_gasPrice':
        return hex(this.baseFeePerGas === null ? this.gasPrice : this.baseFeePerGas + this.tip)
      case 'eth_getBalance':
        return hex(this.account(params[0] as Address).balance)
      case 'eth_getTransactionCount': {
        const n = this.nonces(params[0] as Address)
        return hex(params[1] === 'pending' ? n.pending : n.latest)
      }
      case 'eth_getTransactionByHash': {
        const tx = this.byHash.get(params[0] as Hex)
        if (!tx) return null
        return { hash: tx.hash, from: tx.from, to: tx.to, nonce: hex(tx.nonce), value: hex(tx.value), gas: hex(tx.gas), blockNumber: tx.block === undefined ? null : hex(tx.block) }
      }
      case 'eth_getTransactionReceipt': {
        const tx = this.byHash.get(params[0] as Hex)
        if (tx?.block === undefined) return null
        return { transactionHash: tx.hash, blockNumber: hex(tx.block), status: '0x1', gasUsed: hex(tx.gas), effectiveGasPrice: hex(this.priceOf(tx)) }
      }
      case 'eth_sendRawTransaction':
        return this.accept(params[0] as Hex)
      default:
        throw new RpcError(-32601, `the method ${method} does not exist/is not available`)
    }
  }

  /** Validates a signed tx as a node's pool does (geth's and anvil's wording), and pools it. */
  private async accept(raw: Hex): Promise<Hex> {
    const hash = keccak256(raw)
    // a mined tx is no longer in the pool: its copy meets "nonce too low", as in geth
    const known = this.byHash.get(hash)
    // (a ghost, known by hash but gone from the pool, is pooled again: Ganache takes its bytes again)
    if (known && known.block === undefined && this.account(known.from).pool.get(known.nonce) === known) throw new RpcError(-32000, 'already known')
    const t = parseTransaction(raw)
    const from = await recoverTransactionAddress({ serializedTransaction: raw as TransactionSerialized })
    const tx: NodeTx = {
      hash,
      raw,
      from,
      nonce: t.nonce ?? 0,
      to: t.to ?? null,
      value: t.value ?? 0n,
      gas: t.gas ?? 0n,
      maxFeePerGas: t.maxFeePerGas ?? t.gasPrice ?? 0n,
      maxPriorityFeePerGas: t.maxPriorityFeePerGas ?? t.gasPrice ?? 0n,
    }
    const a = this.account(from)
    if (t.chainId !== undefined && t.chainId !== this.chainId) throw new RpcError(-32000, 'invalid chain id for signer')
    if (tx.gas > this.blockGasLimit) throw new RpcError(-32000, 'exceeds block gas limit')
    if (tx.maxPriorityFeePerGas > tx.maxFeePerGas) throw new RpcError(-32000, 'max priority fee per gas higher than max fee per gas')
    if (tx.nonce < a.mined) throw new RpcError(-32000, `nonce too low: next nonce ${a.mined}, tx nonce ${tx.nonce}`)
    if (tx.gas < intrinsicGas(t.data, tx.to)) throw new RpcError(-32000, 'intrinsic gas too low')
    if (this.baseFeePerGas !== null && tx.maxFeePerGas < this.baseFeePerGas) throw new RpcError(-32000, 'max fee per gas less than block base fee')
    if (a.balance < this.costOf(tx)) throw new RpcError(-32000, 'insufficient funds for gas * price + value')
    const held = a.pool.get(tx.nonce)
    if (held) {
      // geth's price bump: 10 % on both the fee cap and the tip
      const bumped = (old: bigint, now: bigint) => now * 100n >= old * 110n
      if (!bumped(held.maxFeePerGas, tx.maxFeePerGas) || !bumped(held.maxPriorityFeePerGas, tx.maxPriorityFeePerGas)) throw new RpcError(-32000, 'replacement transaction underpriced')
      this.byHash.delete(held.hash)
    }
    a.pool.set(tx.nonce, tx)
    this.byHash.set(hash, tx)
    return hash
  }

  /** The pool txs the node would run next: contiguous from the mined nonce, while the balance covers them. */
  private executable(a: Account): NodeTx[] {
    const out: NodeTx[] = []
    let spent = 0n
    for (let n = a.mined; ; n++) {
      const tx = a.pool.get(n)
      if (!tx || (spent += this.costOf(tx)) > a.balance) return out
      out.push(tx)
    }
  }

  /** What the node holds back from the balance for a tx: value + gas × fee cap. */
  private costOf(tx: NodeTx): bigint {
    return tx.value + tx.gas * tx.maxFeePerGas
  }

  private priceOf(tx: NodeTx): bigint {
    if (this.baseFeePerGas === null) return tx.maxFeePerGas
    const p = this.baseFeePerGas + tx.maxPriorityFeePerGas
    return p < tx.maxFeePerGas ? p : tx.maxFeePerGas
  }

  private account(address: Address): Account {
    const key = address.toLowerCase()
    let a = this.accounts.get(key)
    if (!a) {
      a = { mined: 0, balance: this.defaultBalance, pool: new Map() }
      this.accounts.set(key, a)
    }
    return a
  }
}

function hex(n: number | bigint): Hex {
  return `0x${n.toString(16)}`
}

/** 21,000 (+32,000 for a creation) + 16 per non-zero and 4 per zero calldata byte. */
function intrinsicGas(data: Hex | undefined, to: Address | null): bigint {
  let gas = to === null ? 53_000n : 21_000n
  const d = data && data !== '0x' ? data.slice(2) : ''
  for (let i = 0; i < d.length; i += 2) gas += d.slice(i, i + 2) === '00' ? 4n : 16n
  return gas
}
