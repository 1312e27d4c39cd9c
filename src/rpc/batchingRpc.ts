/** Coalescing concurrent sends into JSON-RPC batches, each caller keeping its own outcome; the default batch size. */
import { TransportError, type BatchCall, type BatchItem, type RequestOptions, type Rpc } from './rpc.js'

export interface BatchingOptions {
  /** Most calls in one batch; a full batch is sent at once. */
  maxSize: number
  /**
   * How long the first call of a batch waits for company, in ms. 0: until the current turn
   * of the event loop ends, i.e. it takes whatever the workers sent in the same turn.
   */
  waitMs: number
  /** Methods that are coalesced (default: eth_sendRawTransaction); the others go alone. */
  methods?: readonly string[]
}

/**
 * The default batch size for `outstanding` sends at once (the signers on one endpoint times
 * `--in-flight`): a quarter of them (at most 100). Batches of all of them would make the node and floodgate
 * take turns (the node idle while the workers sign the next round, and the reverse); about four
 * batches in flight overlap signing with the node's ingest, and each batch still spreads one
 * HTTP request's cost over many sends. docs/benchmarks.md has the measurements.
 */
export function autoBatchSize(outstanding: number): number {
  return Math.max(1, Math.min(100, Math.ceil(outstanding / 4)))
}

interface Waiting {
  call: BatchCall
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
}

/**
 * Coalesces concurrent calls (by default only `eth_sendRawTransaction`, from many workers) into
 * JSON-RPC batches. Every caller still gets its own outcome: its result, its own RpcError, or
 * a TransportError. A batch that got no definite answer as a whole (timeout, connection lost,
 * HTTP error, garbage) is a TransportError for every member, so each worker probes its own tx
 * by hash exactly as it would after a single lost request. Calls are never retried here.
 */
export function createBatchingRpc(inner: Rpc, o: BatchingOptions): Rpc {
  const batchFn = inner.batch?.bind(inner)
  if (!batchFn || o.maxSize <= 1) return inner
  const maxSize = Math.floor(o.maxSize)
  const methods = new Set(o.methods ?? ['eth_sendRawTransaction'])
  let pending: Waiting[] = []
  let timer: NodeJS.Timeout | undefined
  let immediate: NodeJS.Immediate | undefined

  function flush(): void {
    if (timer) clearTimeout(timer)
    if (immediate) clearImmediate(immediate)
    timer = undefined
    immediate = undefined
    const group = pending
    pending = []
    sendGroup(inner, batchFn!, group)
  }

  function request<T>(method: string, params?: readonly unknown[], ro?: RequestOptions): Promise<T> {
    // a call with its own deadline or cancel signal cannot share a batch's
    if (!methods.has(method) || ro?.timeoutMs !== undefined || ro?.signal !== undefined) return inner.request<T>(method, params, ro)
    return new Promise<T>((resolve, reject) => {
      pending.push({ call: params === undefined ? { method } : { method, params }, resolve: resolve as (v: unknown) => void, reject })
      if (pending.length >= maxSize) flush()
      else if (pending.length === 1) {
        if (o.waitMs > 0) timer = setTimeout(flush, o.waitMs)
        else immediate = setImmediate(flush)
      }
    })
  }

  return {
    displayUrl: inner.displayUrl,
    request,
    batch: batchFn,
    ...(inner.close ? { close: () => inner.close!() } : {}),
  }
}

/** One flushed group: alone, a plain request (whose answer shape every node understands); else one batch. */
function sendGroup(inner: Rpc, batchFn: NonNullable<Rpc['batch']>, group: Waiting[]): void {
  if (group.length === 0) return
  if (group.length === 1) {
    const w = group[0]!
    inner.request(w.call.method, w.call.params).then(w.resolve, w.reject)
    return
  }
  let answer: Promise<BatchItem[]>
  try {
    answer = batchFn(group.map((w) => w.call))
  } catch (err) {
    answer = Promise.reject(err)
  }
  answer.then(
    (items: BatchItem[]) => settle(group, items),
    (err: unknown) => {
      for (const w of group) w.reject(err)
    },
  )
}

/** Each caller of a batch gets its own item: its result, its error, or malformed when the answer has none for it. */
function settle(group: readonly Waiting[], items: readonly BatchItem[]): void {
  for (let i = 0; i < group.length; i++) {
    const item = items[i]
    const w = group[i]!
    if (item === undefined) w.reject(new TransportError('malformed', `${w.call.method}: no answer for this call in the batch`))
    else if (item.ok) w.resolve(item.result)
    else w.reject(item.error)
  }
}
