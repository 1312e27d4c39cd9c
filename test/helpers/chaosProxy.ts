import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { prng } from './prng.js'

/**
 * An HTTP JSON-RPC proxy for tests, between floodgate and anvil on 127.0.0.1, that injects
 * faults per request with set probabilities. Seeded: the same seed and the same request
 * order give the same faults, so a failing run can be replayed.
 */
export type Fault =
  | 'delay' // answer late (then normally)
  | 'close_before' // drop the connection before forwarding: the node never sees the request
  | 'close_after' // forward, then drop the connection: the node acted, the client gets no answer
  | 'http_500'
  | 'http_502'
  | 'http_503'
  | 'http_429' // with Retry-After, not forwarded
  | 'malformed' // forward, then answer garbage instead of JSON
  | 'rpc_error' // answer a JSON-RPC error without forwarding

export interface ChaosOptions {
  target: string
  seed: number
  /** Probability of each fault per request (summed, they must stay ≤ 1). */
  faults: Partial<Record<Fault, number>>
  /** Only requests whose method passes get faults (default: all). */
  methods?: (method: string) => boolean
  delayMs?: [number, number]
}

export interface ChaosProxy {
  url: string
  /** How many times each fault was injected, and requests seen. */
  stats: Record<Fault | 'requests' | 'forwarded', number>
  /** JSON-RPC calls seen, by method (each call of a batch counts). */
  methods: Map<string, number>
  /** Every fault injected: when (epoch ms), which, and the methods of the request it hit. */
  faultLog: { at: number; fault: Fault; methods: string[] }[]
  /** Stop injecting faults (e.g. to let a run drain) or start again. */
  setEnabled(on: boolean): void
  /** From now, hold every request (new or not yet forwarded) until `ms` have passed: one stall of the node. */
  stall(ms: number): void
  close(): Promise<void>
}


function methodsOf(body: string): string[] {
  try {
    const j = JSON.parse(body) as { method?: string } | { method?: string }[]
    return (Array.isArray(j) ? j : [j]).map((r) => String(r.method))
  } catch {
    return []
  }
}

export async function startChaosProxy(o: ChaosOptions): Promise<ChaosProxy> {
  const rand = prng(o.seed)
  const entries = Object.entries(o.faults) as [Fault, number][]
  const total = entries.reduce((s, [, p]) => s + p, 0)
  if (total > 1) throw new Error(`fault probabilities add up to ${total} > 1`)
  const stats = Object.fromEntries(
    ['requests', 'forwarded', 'delay', 'close_before', 'close_after', 'http_500', 'http_502', 'http_503', 'http_429', 'malformed', 'rpc_error'].map((k) => [k, 0]),
  ) as ChaosProxy['stats']
  let enabled = true
  const sockets = new Set<Socket>()
  const [lo, hi] = o.delayMs ?? [50, 400]

  const pick = (methods: string[]): Fault | undefined => {
    const r = rand() // drawn for every request, so the sequence depends only on request order
    if (!enabled || methods.length === 0 || (o.methods && !methods.some(o.methods))) return undefined
    let acc = 0
    for (const [fault, p] of entries) {
      acc += p
      if (r < acc) return fault
    }
    return undefined
  }

  // node:http with kept-alive connections rather than fetch: several proxies share the test's one
  // thread, and fetch costs several times the CPU per request
  const agent = new Agent({ keepAlive: true, maxSockets: 64 })
  const target = new URL(o.target)
  const forward = (body: string): Promise<{ status: number; text: string }> => {
    stats.forwarded++
    return new Promise((resolve, reject) => {
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  }

  const methods = new Map<string, number>()
  const faultLog: ChaosProxy['faultLog'] = []
  let heldUntil = 0
  const handle = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    stats.requests++
    if (Date.now() < heldUntil) await new Promise((r) => setTimeout(r, heldUntil - Date.now()))
    const called = methodsOf(body)
    for (const m of called) methods.set(m, (methods.get(m) ?? 0) + 1)
    const fault = pick(called)
    if (fault) {
      stats[fault]++
      faultLog.push({ at: Date.now(), fault, methods: called })
    }
    const reply = (status: number, text: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(text)
    }
    switch (fault) {
      case 'close_before':
        req.socket.destroy()
        return
      case 'close_after':
        await forward(body).catch(() => undefined)
        req.socket.destroy()
        return
      case 'http_500':
      case 'http_502':
      case 'http_503':
        return reply(Number(fault.slice(5)), '{"error":"injected"}')
      case 'http_429':
        return reply(429, 'rate limited', { 'retry-after': '1' })
      case 'rpc_error': {
        const id = (JSON.parse(body) as { id?: unknown }).id ?? null
        return reply(200, JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32603, message: 'injected internal error' } }))
      }
      case 'malformed':
        await forward(body).catch(() => undefined)
        return reply(200, '{"jsonrpc":"2.0","id":1,"result":')
      case 'delay':
        await new Promise((r) => setTimeout(r, lo + rand() * (hi - lo)))
        break
      default:
        break
    }
    try {
      const { status, text } = await forward(body)
      reply(status, text)
    } catch {
      req.socket.destroy()
    }
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => void handle(req, res, Buffer.concat(chunks).toString('utf8')))
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    methods,
    faultLog,
    setEnabled: (on) => {
      enabled = on
    },
    stall: (ms) => {
      heldUntil = Date.now() + ms
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        agent.destroy()
        server.close(() => resolve())
      }),
  }
}
