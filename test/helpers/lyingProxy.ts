import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/**
 * A JSON-RPC proxy on 127.0.0.1 in front of a real node that lies in chosen ways: it rewrites
 * the result of chosen methods (`lie`), answers a whole request itself (`answer`), or forwards
 * to another node from some moment on (`retarget`: the node behind the URL swapped).
 */
export interface LyingProxy {
  url: string
  /** Calls seen, by method (each call of a batch counts). */
  calls: Map<string, number>
  /** Results rewritten, by method. */
  lies: Map<string, number>
  /** Forward to `target` from now on. */
  retarget(target: string): void
  /** Refuse every connection (destroy it) while `on`. */
  refuse(on: boolean): void
  close(): Promise<void>
}

export interface LyingOptions {
  target: string
  /** The result to give instead of `result` for a call of `method` (undefined: the node's own). */
  lie?: (method: string, result: unknown, params: unknown[]) => unknown
  /** The whole HTTP answer to a request whose methods are `methods` (undefined: forward it). */
  answer?: (methods: string[], res: ServerResponse) => boolean
}

interface Call {
  id?: unknown
  method?: string
  params?: unknown[]
}

export async function startLyingProxy(o: LyingOptions): Promise<LyingProxy> {
  let target = new URL(o.target)
  let refusing = false
  const calls = new Map<string, number>()
  const lies = new Map<string, number>()
  const agent = new Agent({ keepAlive: true, maxSockets: 64 })
  const sockets = new Set<Socket>()
  const forward = (body: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(body)
    })
  const rewrite = (call: Call | undefined, answer: { result?: unknown }): unknown => {
    if (!o.lie || !call?.method || answer === null || typeof answer !== 'object' || !('result' in answer)) return answer
    const lied = o.lie(call.method, answer.result, call.params ?? [])
    if (lied === undefined) return answer
    lies.set(call.method, (lies.get(call.method) ?? 0) + 1)
    return { ...answer, result: lied }
  }
  const handle = async (req: IncomingMessage, res: ServerResponse, body: string): Promise<void> => {
    if (refusing) {
      req.socket.destroy()
      return
    }
    let parsed: Call | Call[]
    try {
      parsed = JSON.parse(body) as Call | Call[]
    } catch {
      res.writeHead(400).end()
      return
    }
    const list = Array.isArray(parsed) ? parsed : [parsed]
    const methods = list.map((c) => String(c.method))
    for (const m of methods) calls.set(m, (calls.get(m) ?? 0) + 1)
    if (o.answer?.(methods, res)) return
    let text: string
    try {
      text = await forward(body)
    } catch {
      req.socket.destroy()
      return
    }
    let out: unknown = JSON.parse(text)
    if (Array.isArray(out)) {
      const byId = new Map(list.map((c) => [c.id, c]))
      out = out.map((a: { id?: unknown; result?: unknown }) => rewrite(byId.get(a?.id), a))
    } else out = rewrite(list[0], out as { result?: unknown })
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(out))
  }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => void handle(req, res, Buffer.concat(chunks).toString('utf8')).catch(() => req.socket.destroy()))
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    lies,
    retarget: (t) => (target = new URL(t)),
    refuse: (on) => {
      refusing = on
      if (on) for (const s of sockets) s.destroy()
    },
    close: async () => {
      for (const s of sockets) s.destroy()
      agent.destroy()
      await new Promise((r) => server.close(r))
    },
  }
}
