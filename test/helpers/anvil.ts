import { afterAll, beforeAll } from 'vitest'
import { startAnvil, type AnvilInstance, type AnvilOptions } from '../../src/devnet/anvil.js'

/** Tests log nothing about anvil's lifecycle unless they ask. */
const quiet = (opts: AnvilOptions): AnvilOptions => ({ logger: null, ...opts })

/** Starts anvil, runs `fn`, always stops anvil. */
export async function withAnvil<T>(opts: AnvilOptions, fn: (anvil: AnvilInstance) => Promise<T>): Promise<T> {
  const anvil = await startAnvil(quiet(opts))
  try {
    return await fn(anvil)
  } finally {
    await anvil.stop()
  }
}

/**
 * One anvil for the enclosing describe block (beforeAll/afterAll). Returns a getter, valid inside
 * tests: `const anvil = useAnvil({ blockTime: 1 }); it('...', () => rpc(anvil().url, ...))`.
 */
export function useAnvil(opts: AnvilOptions = {}): () => AnvilInstance {
  let instance: AnvilInstance | undefined
  beforeAll(async () => {
    instance = await startAnvil(quiet(opts))
  })
  afterAll(async () => {
    await instance?.stop()
    instance = undefined
  })
  return () => {
    if (!instance) throw new Error('useAnvil(): the instance exists only between beforeAll and afterAll')
    return instance
  }
}

export interface RpcErrorBody {
  code: number
  message: string
  data?: unknown
}

export type RpcResponse<T = unknown> = { result: T; error?: undefined } | { result?: undefined; error: RpcErrorBody }

let nextId = 1

/** One JSON-RPC call; returns the result or the error body as the node sent it (HTTP failures throw). */
export async function rpcRaw<T = unknown>(url: string, method: string, params: unknown[] = [], timeoutMs = 10_000): Promise<RpcResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  })
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`)
  const body = (await res.json()) as { result?: T; error?: RpcErrorBody }
  if (body.error) return { error: body.error }
  return { result: body.result as T }
}

/** One JSON-RPC call; throws "method: code message" on a JSON-RPC error. */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = [], timeoutMs?: number): Promise<T> {
  const r = await rpcRaw<T>(url, method, params, timeoutMs)
  if (r.error) throw new Error(`${method}: ${r.error.code} ${r.error.message}`)
  return r.result as T
}

/** A quantity result ("0x1a") as a number. */
export async function rpcNumber(url: string, method: string, params: unknown[] = []): Promise<number> {
  return Number(BigInt(await rpc<string>(url, method, params)))
}
