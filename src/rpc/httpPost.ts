/** One HTTP POST on an undici pool, straight on its dispatcher: the whole answer as text, one deadline, a bound on its size, no streams. */
import type { Dispatcher } from 'undici'

export interface HttpAnswer {
  status: number
  retryAfter: string | undefined
  text: string
}

/**
 * The most bytes one answer may have: 64 MiB. A full 30M-gas block with its txs is a few MiB,
 * and eth_getBlockReceipts of such a block (about 1,400 transfers; logs included) well under
 * 10; 64 MiB leaves room for big blocks of logs, and bounds what a lying node can make
 * floodgate hold (an endless body is cut there, not buffered).
 */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024

/** Why a request did not end in a whole answer: the deadline, an answer over the size bound, or anything else. */
export type PostFailure = 'timeout' | 'too_large' | 'other'

/** The request did not end in a whole answer: `failure` says why. */
export class PostFailed extends Error {
  constructor(
    override readonly cause: unknown,
    readonly failure: PostFailure,
  ) {
    super('POST failed')
  }

  /** The deadline ended it. */
  get timedOut(): boolean {
    return this.failure === 'timeout'
  }
}

const TIMED_OUT = new Error('deadline reached')

/**
 * POSTs `body` to `path` of `pool` and resolves with the status, Retry-After and the body as
 * text; rejects with PostFailed. The deadline (`ms`) covers the whole request, waiting for a
 * connection included, and its timer is cleared with the answer. `signal` cancels it too.
 *
 * This is `Pool.request` minus what a JSON-RPC call does not need: its Readable body stream,
 * its async resource, an AbortSignal (and its timer, which fired after the answer) per call.
 * A batch's answer then costs a handful of callbacks (docs/benchmarks.md).
 *
 * An answer longer than `maxBytes` ends the request at once (PostFailed 'too_large'): nothing
 * past the bound is kept, and the connection is dropped.
 */
export function post(pool: Dispatcher, path: string, headers: Record<string, string>, body: string, ms: number, signal?: AbortSignal, maxBytes = MAX_ANSWER_BYTES): Promise<HttpAnswer> {
  return new Promise<HttpAnswer>((resolve, reject) => {
    let abort: ((err?: Error) => void) | undefined
    let ended: unknown
    let status = 0
    let retryAfter: string | undefined
    let chunks: Buffer[] = []
    let bytes = 0
    const end = (err: unknown, failure: PostFailure): void => {
      if (ended !== undefined) return
      ended = err
      clearTimeout(timer)
      signal?.removeEventListener('abort', onCancel)
      if (abort) abort(err as Error)
      reject(new PostFailed(err, failure))
    }
    const onCancel = (): void => end(signal!.reason ?? new Error('cancelled'), 'other')
    const timer = setTimeout(() => end(TIMED_OUT, 'timeout'), ms)
    if (signal) {
      if (signal.aborted) return onCancel()
      signal.addEventListener('abort', onCancel, { once: true })
    }
    const handler: Dispatcher.DispatchHandlers = {
      onConnect(a) {
        // ended before a connection was free: end it at once
        if (ended !== undefined) a(ended as Error)
        else abort = a
      },
      onHeaders(statusCode, raw) {
        if (statusCode < 200) return true // 1xx: the answer comes after
        status = statusCode
        chunks = []
        bytes = 0
        retryAfter = headerOf(raw, 'retry-after')
        return true
      },
      onData(chunk) {
        if (ended !== undefined) return false
        bytes += chunk.length
        if (bytes > maxBytes) {
          chunks = []
          end(new Error(`answer longer than ${maxBytes} bytes`), 'too_large')
          return false
        }
        chunks.push(chunk)
        return true
      },
      onComplete() {
        if (ended !== undefined) return
        ended = null
        clearTimeout(timer)
        signal?.removeEventListener('abort', onCancel)
        const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')
        resolve({ status, retryAfter, text })
      },
      onError(err) {
        end(err, 'other')
      },
    }
    try {
      pool.dispatch({ path, method: 'POST', headers, body }, handler)
    } catch (err) {
      end(err, 'other')
    }
  })
}

/** The first value of header `name` (lower case) in undici's raw [name, value, …] list. */
function headerOf(raw: Buffer[] | string[] | null | undefined, name: string): string | undefined {
  if (!raw) return undefined
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!
    if (k.length === name.length && k.toString().toLowerCase() === name) return raw[i + 1]!.toString()
  }
  return undefined
}
