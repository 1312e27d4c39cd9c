import { redactUrl } from './redactUrl.js'

/** The node answered, and the answer is a JSON-RPC error: the outcome is definite. */
export class RpcError extends Error {
  override name = 'RpcError'
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
  }
}

export type TransportFailure = 'timeout' | 'network' | 'http' | 'malformed'

/**
 * No definite answer from the node (connection refused or reset, timeout, HTTP error,
 * garbage body). For a send, the tx may or may not have reached the pool.
 */
export class TransportError extends Error {
  override name = 'TransportError'
  constructor(
    readonly failure: TransportFailure,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message)
  }
}

export interface RequestOptions {
  timeoutMs?: number
  signal?: AbortSignal
}

/** The seam every chain access goes through; tests inject faulty ones. */
export interface Rpc {
  /** The URL with credentials removed, for messages. */
  readonly displayUrl: string
  request<T = unknown>(method: string, params?: readonly unknown[], opts?: RequestOptions): Promise<T>
}

export interface HttpRpcOptions {
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number
}

interface JsonRpcResponse {
  jsonrpc?: string
  id?: number
  result?: unknown
  error?: { code?: number; message?: string; data?: unknown }
}

/** A minimal JSON-RPC 2.0 client over HTTP. No retries here: callers decide, per outcome. */
export function createHttpRpc(url: string, opts: HttpRpcOptions = {}): Rpc {
  const displayUrl = redactUrl(url)
  const defaultTimeout = opts.timeoutMs ?? 10_000
  let nextId = 1

  async function request<T>(method: string, params: readonly unknown[] = [], ro: RequestOptions = {}): Promise<T> {
    const id = nextId++
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params })
    const timeout = AbortSignal.timeout(ro.timeoutMs ?? defaultTimeout)
    const signal = ro.signal ? AbortSignal.any([timeout, ro.signal]) : timeout
    let res: Response
    let text: string
    try {
      res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal })
      text = await res.text()
    } catch (err) {
      if (timeout.aborted) throw new TransportError('timeout', `${method}: no answer from ${displayUrl} within ${ro.timeoutMs ?? defaultTimeout} ms`)
      const cause = (err as { cause?: { code?: string; message?: string } }).cause
      const why = cause?.code ?? cause?.message ?? (err as Error).message
      throw new TransportError('network', `${method}: cannot reach ${displayUrl} (${why})`)
    }
    let parsed: JsonRpcResponse | undefined
    try {
      parsed = JSON.parse(text) as JsonRpcResponse
    } catch {
      parsed = undefined
    }
    if (parsed && typeof parsed === 'object' && parsed.error) {
      const e = parsed.error
      throw new RpcError(typeof e.code === 'number' ? e.code : -32603, String(e.message ?? 'unknown error'), e.data)
    }
    if (!res.ok) {
      const retryAfter = Number(res.headers.get('retry-after'))
      throw new TransportError(
        'http',
        `${method}: HTTP ${res.status} from ${displayUrl}`,
        res.status,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      )
    }
    if (!parsed || typeof parsed !== 'object' || !('result' in parsed)) {
      throw new TransportError('malformed', `${method}: malformed answer from ${displayUrl}`)
    }
    return parsed.result as T
  }

  return { displayUrl, request }
}
