/** The JSON-RPC seam (Rpc), its two error kinds, and its HTTP transport on an undici pool. */
import { Pool } from 'undici'
import { FloodgateError } from '../base/errors.js'
import { badShape } from './answerShape.js'
import { MAX_ANSWER_BYTES, post, type HttpAnswer, type PostFailed } from './httpPost.js'
import { redactUrl } from './redactUrl.js'

/**
 * The node answered, and the answer is a JSON-RPC error: the outcome is definite. `code` is
 * floodgate's RPC_ERROR; `rpcCode` is the node's JSON-RPC error code (-32000, -32601…).
 */
export class RpcError extends FloodgateError {
  override name = 'RpcError'
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly data?: unknown,
    /** Where the answer came from, for the hint: the redacted URL and the method. */
    at: { url?: string; method?: string } = {},
  ) {
    super('RPC_ERROR', message, {
      details: `JSON-RPC error ${rpcCode}`,
      ...(at.url ? { hint: `the node at ${at.url} refused ${at.method ?? 'the request'}: see its logs` } : {}),
    })
  }
}

/** JSON-RPC codes a retry cannot change: method not found, invalid params. */
const PERMANENT_RPC_CODES = new Set([-32601, -32602])

/** A node error no retry can change (the method or its params are wrong); any other may pass. */
export function isPermanentRpcError(err: RpcError): boolean {
  return PERMANENT_RPC_CODES.has(err.rpcCode)
}

/** JSON-RPC 2.0's "Internal error": the server's trouble (or a proxy's), not the request's. */
export function isInternalRpcError(err: RpcError): boolean {
  return err.rpcCode === -32603
}

/**
 * Why there is no usable answer: none in time, no connection, an HTTP error, an answer that is
 * not JSON-RPC or not of its method's shape (ids included), one over MAX_ANSWER_BYTES, a
 * 401/403 (credentials: never retried), or an HTTP status no JSON-RPC endpoint gives
 * (`not_rpc`: a 404, a 501… with no JSON-RPC body: the URL is not a node's; never retried).
 */
export type TransportFailure = 'timeout' | 'network' | 'http' | 'malformed' | 'too_large' | 'unauthorized' | 'not_rpc'

/** What to do about a TransportError from the node at `url`. */
function transportHint(failure: TransportFailure, url: string): string {
  switch (failure) {
    case 'timeout':
      return `is the node at ${url} up? raise --rpc-timeout if it is slow`
    case 'network':
      return `is the node at ${url} up?`
    case 'http':
      return `is the node at ${url} (or the proxy before it) healthy?`
    case 'malformed':
      return `is ${url} a JSON-RPC endpoint of an Ethereum node?`
    case 'too_large':
      return `is ${url} a JSON-RPC endpoint of an Ethereum node? no answer may exceed ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`
    case 'not_rpc':
      return `it answered, but it is not a JSON-RPC endpoint of an Ethereum node: is the URL (its path too) a node's?`
    case 'unauthorized':
      return `the node at ${url} (or the proxy before it) refused the credentials: put the right user:password in the URL (https://user:pass@host/…)`
  }
}

/**
 * No definite answer from the node (connection refused or reset, timeout, HTTP error,
 * garbage or misshapen body). For a send, the tx may or may not have reached the pool. `code` is
 * RPC_UNAVAILABLE (RPC_UNAUTHORIZED for a 401/403); `failure` says which.
 */
export class TransportError extends FloodgateError {
  override name = 'TransportError'
  constructor(
    readonly failure: TransportFailure,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    /** The redacted URL of the node, for the hint. */
    url?: string,
  ) {
    super(failure === 'unauthorized' ? 'RPC_UNAUTHORIZED' : 'RPC_UNAVAILABLE', message, url ? { hint: transportHint(failure, url) } : {})
  }
}

export interface RequestOptions {
  timeoutMs?: number
  signal?: AbortSignal
}

/** One call of a JSON-RPC batch. */
export interface BatchCall {
  method: string
  params?: readonly unknown[]
}

/** The outcome of one call of a batch: its result, or its own error. */
export type BatchItem = { ok: true; result: unknown } | { ok: false; error: RpcError | TransportError }

/** The seam every chain access goes through; tests inject faulty ones. */
export interface Rpc {
  /** The URL with credentials removed, for messages. */
  readonly displayUrl: string
  request<T = unknown>(method: string, params?: readonly unknown[], opts?: RequestOptions): Promise<T>
  /**
   * Several calls in one JSON-RPC batch (one HTTP request). Each call gets its own outcome:
   * its result, its own RpcError (a definite node error for that call), or a TransportError
   * when the answer has nothing definite for it. Rejects with a TransportError when the
   * batch as a whole got no definite answer (timeout, connection lost, HTTP error, garbage).
   * Optional: an Rpc without it is sent calls one by one.
   */
  batch?(calls: readonly BatchCall[], opts?: RequestOptions): Promise<BatchItem[]>
  /** Closes idle connections; pending requests finish first. */
  close?(): Promise<void>
}

export interface HttpRpcOptions {
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number
  /** Keep-alive connections to the node at most (default 32). */
  connections?: number
}

interface JsonRpcResponse {
  jsonrpc?: string
  id?: unknown
  result?: unknown
  error?: { code?: number; message?: string; data?: unknown }
}

/**
 * A minimal JSON-RPC 2.0 client over HTTP, on an undici connection pool with keep-alive
 * (Node's global `fetch` costs several times more CPU per request: WHATWG streams, Headers,
 * Response objects). No retries here: callers decide, per outcome.
 */
export function createHttpRpc(url: string, opts: HttpRpcOptions = {}): Rpc {
  const http = new HttpRpc(url, opts)
  // a plain object of plain functions, as before: callers may pass `request` around unbound
  return {
    displayUrl: http.displayUrl,
    request: <T>(method: string, params?: readonly unknown[], ro?: RequestOptions) => http.request<T>(method, params, ro),
    batch: (calls: readonly BatchCall[], ro?: RequestOptions) => http.batch(calls, ro),
    close: () => http.close(),
  }
}

/** The client behind createHttpRpc: one node's URL, its connection pool, and our JSON-RPC ids. */
class HttpRpc {
  readonly displayUrl: string
  private readonly defaultTimeout: number
  private readonly path: string
  private readonly headers: Record<string, string>
  private readonly pool: Pool
  private nextId = 1

  constructor(url: string, opts: HttpRpcOptions) {
    this.displayUrl = redactUrl(url)
    this.defaultTimeout = opts.timeoutMs ?? 10_000
    const u = new URL(url)
    this.path = `${u.pathname || '/'}${u.search}`
    this.headers = requestHeaders(u)
    this.pool = new Pool(u.origin, {
      connections: opts.connections ?? 32,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: this.defaultTimeout,
    })
  }

  async request<T>(method: string, params: readonly unknown[] = [], ro: RequestOptions = {}): Promise<T> {
    const id = this.nextId++
    const a = await this.post(JSON.stringify({ jsonrpc: '2.0', id, method, params }), method, ro)
    if (a.status === 401 || a.status === 403) throw this.httpError(method, a)
    const parsed = parseJson(a.text) as JsonRpcResponse | undefined
    // a JSON-RPC error object is the node's definite answer, whatever the HTTP status; an
    // `error` that is not one (a proxy's {"error":"bad gateway"}) is not. An error may carry a
    // null id (the node could not read the request's); a result must carry ours
    if (isErrorAnswer(parsed) && (parsed.id === id || parsed.id === null || parsed.id === undefined)) throw this.rpcError(parsed.error, method)
    if (a.status < 200 || a.status > 299) throw this.httpError(method, a)
    if (!parsed || typeof parsed !== 'object' || !('result' in parsed)) {
      throw this.lost('malformed', `${method}: malformed answer from ${this.displayUrl}`)
    }
    if (parsed.id !== id) throw this.lost('malformed', `${method}: the answer from ${this.displayUrl} has id ${describeId(parsed.id)}, the request had ${id}`)
    const bad = badShape(method, parsed.result)
    if (bad !== undefined) throw this.lost('malformed', `${method}: the answer from ${this.displayUrl} is ${bad}`)
    return parsed.result as T
  }

  async batch(calls: readonly BatchCall[], ro: RequestOptions = {}): Promise<BatchItem[]> {
    if (calls.length === 0) return []
    const first = this.nextId
    this.nextId += calls.length
    const body = batchBody(calls, first)
    const what = `${calls[0]!.method}${calls.length > 1 ? ` (batch of ${calls.length})` : ''}`
    const a = await this.post(body, what, ro)
    if (a.status === 401 || a.status === 403) throw this.httpError(what, a)
    const parsed = parseJson(a.text)
    if (Array.isArray(parsed)) return this.batchItems(parsed as JsonRpcResponse[], calls, first)
    // not an array: the node refused the batch as a whole (a JSON-RPC error, e.g. batch too
    // large: definite, nothing was executed), or an HTTP error / garbage (no definite answer)
    const obj = parsed as JsonRpcResponse | undefined
    if (isErrorAnswer(obj)) {
      const err = this.rpcError(obj.error, what)
      return calls.map(() => ({ ok: false, error: err }))
    }
    if (a.status < 200 || a.status > 299) throw this.httpError(what, a)
    throw this.lost('malformed', `${what}: malformed answer from ${this.displayUrl}`)
  }

  close(): Promise<void> {
    return this.pool.close()
  }

  /** A batch's answers, matched to its calls by id (ours are first … first+n-1), in whatever order they come. */
  private batchItems(answers: JsonRpcResponse[], calls: readonly BatchCall[], first: number): BatchItem[] {
    const byIndex: (JsonRpcResponse | undefined)[] = new Array(calls.length)
    for (const r of answers) {
      const k = r && typeof r === 'object' && typeof r.id === 'number' ? r.id - first : -1
      if (k >= 0 && k < calls.length) byIndex[k] = r
    }
    const out: BatchItem[] = new Array(calls.length)
    for (let i = 0; i < calls.length; i++) {
      const r = byIndex[i]
      const method = calls[i]!.method
      const bad = r && !(r.error && typeof r.error === 'object') && 'result' in r ? badShape(method, r.result) : undefined
      if (r?.error && typeof r.error === 'object') out[i] = { ok: false, error: this.rpcError(r.error, method) }
      else if (bad !== undefined) out[i] = { ok: false, error: this.lost('malformed', `${method}: the answer from ${this.displayUrl} is ${bad}`) }
      else if (r && 'result' in r) out[i] = { ok: true, result: r.result }
      else out[i] = { ok: false, error: this.lost('malformed', `${method}: no answer for this call in the batch answer from ${this.displayUrl}`) }
    }
    return out
  }

  /**
   * POSTs `body`; any failure to get a whole HTTP answer is a TransportError. The deadline
   * covers the whole request, queueing for a connection included. (With batching this runs
   * once per batch, so its timer is not a per-tx cost.)
   */
  private async post(body: string, what: string, ro: RequestOptions): Promise<HttpAnswer> {
    const ms = ro.timeoutMs ?? this.defaultTimeout
    try {
      return await post(this.pool, this.path, this.headers, body, ms, ro.signal)
    } catch (err) {
      const f = err as PostFailed
      if (f.failure === 'too_large') throw this.lost('too_large', `${what}: the answer from ${this.displayUrl} is longer than ${MAX_ANSWER_BYTES} bytes`)
      throw this.postFailure(f.cause, f.timedOut, what, ms)
    }
  }

  private postFailure(err: unknown, timedOut: boolean, what: string, ms: number): TransportError {
    const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } }
    if (timedOut || e.code === 'UND_ERR_CONNECT_TIMEOUT') {
      return this.lost('timeout', `${what}: no answer from ${this.displayUrl} within ${ms} ms`)
    }
    const why = e.code && !e.code.startsWith('UND_ERR_') ? e.code : (e.cause?.code ?? e.message ?? e.code ?? String(err))
    return this.lost('network', `${what}: cannot reach ${this.displayUrl} (${why})`)
  }

  private httpError(what: string, a: HttpAnswer): TransportError {
    const retryAfter = Number(a.retryAfter)
    if (a.status === 401 || a.status === 403) return this.lost('unauthorized', `${what}: HTTP ${a.status} from ${this.displayUrl}`, a.status)
    if (notJsonRpcStatus(a.status)) return this.lost('not_rpc', `${what}: HTTP ${a.status} from ${this.displayUrl}, not JSON-RPC`, a.status)
    return this.lost(
      'http',
      `${what}: HTTP ${a.status} from ${this.displayUrl}`,
      a.status,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    )
  }

  private rpcError(e: NonNullable<JsonRpcResponse['error']>, method: string): RpcError {
    return new RpcError(typeof e.code === 'number' ? e.code : -32603, String(e.message ?? 'unknown error'), e.data, { url: this.displayUrl, method })
  }

  /** A TransportError from this node: its hint names the (redacted) URL. */
  private lost(failure: TransportFailure, message: string, status?: number, retryAfterMs?: number): TransportError {
    return new TransportError(failure, message, status, retryAfterMs, this.displayUrl)
  }
}

/** The headers of every request: JSON, and basic auth when the URL holds credentials. */
function requestHeaders(u: URL): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (u.username || u.password) {
    // credentials in the URL become basic auth (fetch refuses such URLs; nodes behind proxies use them)
    const creds = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`
    headers.authorization = `Basic ${Buffer.from(creds).toString('base64')}`
  }
  return headers
}

/** The JSON-RPC batch of `calls`, with ids first, first+1, … */
function batchBody(calls: readonly BatchCall[], first: number): string {
  let body = '['
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i]!
    body += `${i > 0 ? ',' : ''}{"jsonrpc":"2.0","id":${first + i},"method":${JSON.stringify(c.method)},"params":${JSON.stringify(c.params ?? [])}}`
  }
  return body + ']'
}

/** An answer's id as a message may quote it (short, whatever its type). */
function describeId(id: unknown): string {
  if (id === undefined) return 'none'
  const s = typeof id === 'string' ? JSON.stringify(id.slice(0, 20)) : typeof id === 'object' && id !== null ? typeof id : String(id)
  return s.length > 24 ? `${s.slice(0, 23)}…` : s
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** An answer whose `error` is a JSON-RPC error object. */
function isErrorAnswer(r: JsonRpcResponse | undefined): r is JsonRpcResponse & { error: NonNullable<JsonRpcResponse['error']> } {
  return !!r && typeof r === 'object' && !!r.error && typeof r.error === 'object'
}

/**
 * An HTTP status that says the server is not a JSON-RPC endpoint (it answered, and no retry
 * changes that): a 4xx but for timeouts, rate limits and a body too large (408, 425, 429, 413),
 * and 501/505. A JSON-RPC error body with such a status is the node's answer and is read first.
 */
function notJsonRpcStatus(status: number): boolean {
  if (status === 501 || status === 505) return true
  return status >= 400 && status < 500 && ![408, 413, 425, 429].includes(status)
}
