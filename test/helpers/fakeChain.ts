import type { Hex } from 'viem'
import type { EventBody, TxReceiptEvent, TxResultEvent, TxTimeoutEvent } from '../../src/events/types.js'
import type { RpcReceipt } from '../../src/chain/receipts.js'
import { RpcError, TransportError, type BatchCall, type BatchItem, type Rpc } from '../../src/rpc/rpc.js'
import type { SendEnd } from '../../src/sender/txFates.js'

/** A tx to mine: its hash as the node spells it, and what its receipt says. */
export interface FakeTx {
  hash: Hex
  status?: 'success' | 'reverted'
  gasUsed?: number
  effectiveGasPrice?: bigint
  blobGasUsed?: number
  blobGasPrice?: bigint
  /** A contract creation's new address, as its receipt gives it. */
  contractAddress?: Hex
}

export interface FakeBlock {
  number: number
  /** Unix seconds. */
  timestamp: number
  hashes: string[]
  /** Wall-clock ms when the test mined it. */
  minedAt: number
  /** The base fee its header gives (FakeChain.baseFee when it was mined). */
  baseFee: bigint
}

interface Gate {
  method: string
  arrive: () => void
  released: Promise<void>
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`

/**
 * An in-memory chain behind an `Rpc`: the calls the receipt tracker makes, answered from
 * blocks the test mines, with faults (a call or a whole batch failing with a
 * TransportError) and gates (a call held until the test releases it).
 */
export class FakeChain {
  /** What web3_clientVersion answers. */
  clientVersion = 'Geth/v1.14.0-stable'
  /** False: the node has no eth_getBlockReceipts (JSON-RPC -32601). */
  blockReceipts = true
  /** The base fee of the blocks mined from now on. */
  baseFee = 1_000_000_000n
  /** eth_getCode, by lowercased address ('0x' when not set). */
  readonly code = new Map<string, Hex>()
  /** Calls asked (answered or failed), by method. */
  readonly calls = new Map<string, number>()
  private readonly blocks = new Map<number, FakeBlock>()
  private readonly receipts = new Map<string, RpcReceipt & { blockNumber: string }>()
  private readonly pool = new Set<string>()
  /** What eth_getTransactionByHash says of a pooled tx's sender and nonce, when the test set it. */
  private readonly poolFields = new Map<string, { from: string; nonce: string }>()
  /** eth_getTransactionCount(address, 'latest'), by lowercased address (0 when not set). */
  readonly minedCount = new Map<string, number>()
  private tip: number
  private failing = new Map<string, { skip: number; left: number; error: () => Error }>()
  private batchFails: ((k: number) => boolean) | undefined
  private batchesSeen = 0
  private gates: Gate[] = []

  constructor(head = 100) {
    this.tip = head
    this.blocks.set(head, { number: head, timestamp: 1_700_000_000, hashes: [], minedAt: Date.now(), baseFee: this.baseFee })
  }

  get head(): number {
    return this.tip
  }

  /** The node holds these txs unmined: eth_getTransactionByHash answers them without a block. */
  toPool(...hashes: Hex[]): void {
    for (const h of hashes) this.pool.add(h.toLowerCase())
  }

  /** The node holds this tx unmined and shows its sender and nonce. */
  toPoolFrom(hash: Hex, from: Hex, nonce: number): void {
    this.toPool(hash)
    this.poolFields.set(hash.toLowerCase(), { from, nonce: hex(nonce) })
  }

  /** Mines the next block, holding `txs` (out of the pool now). */
  mine(...txs: FakeTx[]): FakeBlock {
    const n = ++this.tip
    const b: FakeBlock = { number: n, timestamp: this.blocks.get(n - 1)!.timestamp + 12, hashes: txs.map((t) => t.hash), minedAt: Date.now(), baseFee: this.baseFee }
    this.blocks.set(n, b)
    for (const [i, t] of txs.entries()) {
      this.pool.delete(t.hash.toLowerCase())
      this.receipts.set(t.hash.toLowerCase(), {
        transactionHash: t.hash,
        blockNumber: hex(n),
        transactionIndex: hex(i),
        status: t.status === 'reverted' ? '0x0' : '0x1',
        gasUsed: hex(t.gasUsed ?? 21_000),
        effectiveGasPrice: hex(t.effectiveGasPrice ?? 1_000_000_007n),
        ...(t.blobGasUsed !== undefined ? { blobGasUsed: hex(t.blobGasUsed), blobGasPrice: hex(t.blobGasPrice ?? 1n) } : {}),
        contractAddress: t.contractAddress ?? null,
      })
    }
    return b
  }

  /** A reorg took these txs out of their block: no receipt any more, back in the pool. */
  unmine(...hashes: Hex[]): void {
    for (const h of hashes) {
      this.receipts.delete(h.toLowerCase())
      this.pool.add(h.toLowerCase())
    }
  }

  /**
   * Calls of `method`, alone or in a batch, fail: after the next `after` (default 0), the
   * `times` following (default all), with `error` (default a TransportError).
   */
  failCalls(method: string, o: { times?: number; after?: number; error?: () => Error } = {}): void {
    const error = o.error ?? (() => new TransportError('network', `${method}: cannot reach fake (injected)`))
    this.failing.set(method, { skip: o.after ?? 0, left: o.times ?? Infinity, error })
  }

  /** Batch number k (1-based, counting from now) fails as a whole with a TransportError when `which(k)`. */
  failBatches(which: (k: number) => boolean): void {
    this.batchesSeen = 0
    this.batchFails = which
  }

  /** No more faults. */
  heal(): void {
    this.failing.clear()
    this.batchFails = undefined
  }

  /** Holds the next call of `method` (or the batch holding one): `reached` once it came, answered after `release()`. */
  hold(method: string): { reached: Promise<void>; release: () => void } {
    let arrive!: () => void
    let release!: () => void
    const reached = new Promise<void>((r) => (arrive = r))
    const released = new Promise<void>((r) => (release = r))
    this.gates.push({ method, arrive, released })
    return { reached, release }
  }

  /** An Rpc on this chain; `batch: false` gives one without JSON-RPC batches. */
  rpc(opts: { batch?: boolean } = {}): Rpc {
    const request = async <T>(method: string, params: readonly unknown[] = []): Promise<T> => {
      await this.pass([method])
      this.count(method)
      const fault = this.fault(method)
      if (fault) throw fault
      return this.answer(method, params) as T
    }
    const batch = async (calls: readonly BatchCall[]): Promise<BatchItem[]> => {
      await this.pass(calls.map((c) => c.method))
      if (this.batchFails?.(++this.batchesSeen)) throw new TransportError('network', `batch ${this.batchesSeen}: cannot reach fake (injected)`)
      return calls.map((c) => {
        this.count(c.method)
        const fault = this.fault(c.method)
        if (fault) return { ok: false, error: fault as TransportError | RpcError }
        try {
          return { ok: true, result: this.answer(c.method, c.params ?? []) }
        } catch (err) {
          return { ok: false, error: err as RpcError }
        }
      })
    }
    return { displayUrl: 'fake://chain', request, ...(opts.batch === false ? {} : { batch }) }
  }

  private count(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1)
  }

  private async pass(methods: string[]): Promise<void> {
    const gate = this.gates.find((g) => methods.includes(g.method))
    if (!gate) return
    this.gates.splice(this.gates.indexOf(gate), 1)
    gate.arrive()
    await gate.released
  }

  private fault(method: string): Error | undefined {
    const f = this.failing.get(method)
    if (!f || f.left <= 0) return undefined
    if (f.skip > 0) {
      f.skip--
      return undefined
    }
    f.left--
    return f.error()
  }

  private answer(method: string, params: readonly unknown[]): unknown {
    const n = typeof params[0] === 'string' && params[0].startsWith('0x') ? Number(BigInt(params[0])) : NaN
    const hash = String(params[0]).toLowerCase()
    switch (method) {
      case 'eth_blockNumber':
        return hex(this.tip)
      case 'web3_clientVersion':
        return this.clientVersion
      case 'eth_getBlockByNumber': {
        const b = this.blocks.get(n)
        return b ? { number: hex(b.number), timestamp: hex(b.timestamp), baseFeePerGas: hex(b.baseFee), transactions: b.hashes } : null
      }
      case 'eth_getBlockReceipts': {
        if (!this.blockReceipts) throw new RpcError(-32601, 'the method eth_getBlockReceipts does not exist/is not available')
        const b = this.blocks.get(n)
        return b ? b.hashes.map((h) => this.receipts.get(h.toLowerCase())) : null
      }
      case 'eth_getTransactionReceipt':
        return this.receipts.get(hash) ?? null
      case 'eth_getTransactionByHash': {
        const r = this.receipts.get(hash)
        if (r) return { hash, blockNumber: r.blockNumber }
        return this.pool.has(hash) ? { hash, blockNumber: null, ...this.poolFields.get(hash) } : null
      }
      case 'eth_getCode':
        return this.code.get(hash) ?? '0x'
      case 'eth_getTransactionCount':
        return hex(this.minedCount.get(hash) ?? 0)
      default:
        throw new RpcError(-32601, `the method ${method} does not exist/is not available`)
    }
  }
}

/** A distinct tx hash per i. */
export const hashOf = (i: number): Hex => `0x${(0xabc0000 + i).toString(16).padStart(64, '0')}`

/** An accepted, sent tx's tx_result (sent now unless told otherwise). */
export function txResult(idx: number, hash: Hex, over: Partial<TxResultEvent> = {}): TxResultEvent {
  return { version: 1, type: 'tx_result', idx, line: idx + 1, from: '0x000000000000000000000000000000000000f00d', nonce: idx, tx_hash: hash, start_timestamp_ms: Date.now(), send_ms: 1, attempts: 1, ...over }
}

/** The fate a worker reports beside the tx_result `e` of a tx the node took. */
export function sentOf(e: TxResultEvent): SendEnd & { hash: Hex } {
  const end: SendEnd & { hash: Hex } = { ref: { idx: e.idx, line: e.line }, hash: e.tx_hash!, startMs: e.start_timestamp_ms }
  if (e.id !== undefined) end.ref.id = e.id
  if (e.kind !== undefined) end.ref.kind = e.kind
  if (e.stage !== undefined) end.ref.stage = e.stage
  if (e.scheduled_timestamp_ms !== undefined) end.scheduledMs = e.scheduled_timestamp_ms
  return end
}

/** Where the tracker's events go, with waits on them. */
export function eventSink() {
  const events: EventBody[] = []
  const receipts = () => events.filter((e): e is Omit<TxReceiptEvent, 'version'> => e.type === 'tx_receipt')
  const timeouts = () => events.filter((e): e is Omit<TxTimeoutEvent, 'version'> => e.type === 'tx_timeout')
  /** Resolves once `ok()` holds; throws after `ms`. */
  const until = async (ok: () => boolean, ms = 2_000, what = 'the expected events'): Promise<void> => {
    const end = performance.now() + ms
    while (!ok()) {
      if (performance.now() > end) throw new Error(`no ${what} within ${ms} ms; got ${JSON.stringify(events.map((e) => e.type))}`)
      await new Promise((r) => setTimeout(r, 2))
    }
  }
  return { events, emit: (e: EventBody) => void events.push(e), receipts, timeouts, until }
}
