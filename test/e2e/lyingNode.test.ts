import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { privateKeyToAddress } from 'viem/accounts'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { afterResults, assertAccounted, fundedEnv, ofType, runCli, SINK, transfers } from '../helpers/cli.js'
import { startLyingProxy, type LyingProxy } from '../helpers/lyingProxy.js'

/**
 * Issue 23, a lying node: a real anvil behind a proxy that lies in one chosen way (a receipt of
 * the wrong shape, a nonce "banana", a foreign hash for a send, a 401, an endless answer, another
 * chain behind the URL after an outage). Each: no panic, no stack, every line its terminal event,
 * the summary, and the exit code the case calls for.
 */
const FUNDER = privateKeyToAddress(DEVNET_FUNDER_KEY).toLowerCase()
const noStack = (stderr: string) => expect(stderr, 'no stack trace below debug').not.toMatch(/\n\s+at .+:\d+:\d+/)

let anvil: AnvilInstance
let proxies: LyingProxy[] = []
beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1, logger: null, silent: true })
})
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()))
  await anvil?.stop()
})
async function lying(o: Omit<Parameters<typeof startLyingProxy>[0], 'target'>, target = anvil.url): Promise<LyingProxy> {
  const p = await startLyingProxy({ target, ...o })
  proxies.push(p)
  return p
}

describe('a node that lies (real anvil behind a lying proxy)', () => {
  test('error: receipts of the wrong shape (blockNumber null, gasUsed a number, status "banana") for our transfers: each tx gets a tx_timeout with the lookup error, the run ends with its summary (--receipt-timeout 2s)', async () => {
    const bad = [{ blockNumber: null }, { gasUsed: 21000 }, { status: 'banana' }]
    let k = 0
    const proxy = await lying({
      lie: (method, result) => {
        if (method !== 'eth_getTransactionReceipt' || result === null || (result as { to?: string }).to?.toLowerCase() !== SINK.toLowerCase()) return undefined
        return { ...(result as object), ...bad[k++ % bad.length] }
      },
    })
    const run = await runCli(['send', '--rpc-url', proxy.url, '--pool-size', '2', '--receipt-timeout', '2s'], { stdin: transfers(6), env: fundedEnv('lying-receipts'), timeoutMs: 60_000 })
    noStack(run.stderr)
    expect(run.code, run.stderr).toBe(0)
    const summary = assertAccounted(run.events, 6)
    expect(summary.sent).toBe(6)
    expect(proxy.lies.get('eth_getTransactionReceipt')).toBeGreaterThan(0)
    expect(ofType(run.events, 'tx_receipt')).toHaveLength(0)
    const timeouts = ofType(run.events, 'tx_timeout')
    expect(timeouts).toHaveLength(6)
    expect(timeouts.every((t) => /eth_getTransactionReceipt: the answer from .* is receipt\.(blockNumber|gasUsed|status) is not a hex quantity/.test(String(t.lookup_error))), JSON.stringify(timeouts[0])).toBe(true)
  })

  test('error: eth_getTransactionCount answering "banana" for the pool: each spec fails with RPC_UNAVAILABLE, no WORKER_PANIC, no retired worker (--max-outage 2s)', async () => {
    const proxy = await lying({ lie: (method, _r, params) => (method === 'eth_getTransactionCount' && String(params[0]).toLowerCase() !== FUNDER ? 'banana' : undefined) })
    const run = await runCli(['send', '--rpc-url', proxy.url, '--pool-size', '2', '--max-outage', '2s'], { stdin: transfers(5), env: fundedEnv('lying-nonce'), timeoutMs: 60_000 })
    noStack(run.stderr)
    expect(proxy.lies.get('eth_getTransactionCount')).toBeGreaterThan(0)
    const summary = assertAccounted(run.events, 5)
    expect(summary.failed).toBe(5)
    const codes = new Set(ofType(run.events, 'tx_result').map((r) => r.error_code))
    expect([...codes]).toEqual(['RPC_UNAVAILABLE'])
    expect(run.stdout + run.stderr).not.toMatch(/WORKER_PANIC|WORKER_RETIRED/)
    expect(run.stdout + run.stderr).toMatch(/eth_getTransactionCount: the answer from .* is not a hex quantity: \\?"banana\\?"/)
  })

  test('error: sends answered with a hash that is not the tx’s own: one warning, the count at the end, and every tx still gets its receipt by its own hash', async () => {
    const proxy = await lying({ lie: (method) => (method === 'eth_sendRawTransaction' ? `0x${'ab'.repeat(32)}` : undefined) })
    const run = await runCli(['send', '--rpc-url', proxy.url, '--pool-size', '2'], { stdin: transfers(8), env: fundedEnv('lying-hash'), timeoutMs: 60_000 })
    expect(run.code, run.stderr).toBe(0)
    expect(assertAccounted(run.events, 8).sent).toBe(8)
    expect(ofType(run.events, 'tx_receipt')).toHaveLength(8)
    expect(run.stderr.match(/a hash that is not the tx's own \(a proxy/g)).toHaveLength(1)
    const count = run.stderr.split('\n').find((l) => l.includes("sends answered with a hash that is not the tx's own"))
    expect(JSON.parse(count!).count).toBe(8)
  })

  test('error: a 401 (and a 403) from an authenticating proxy fails at once with RPC_UNAUTHORIZED and a hint about credentials, not 8 s of "is the node up?"', async () => {
    for (const status of [401, 403]) {
      const proxy = await lying({ answer: (_m, res) => (res.writeHead(status, { 'www-authenticate': 'Basic' }).end('unauthorized'), true) })
      const t0 = performance.now()
      const run = await runCli(['send', '--rpc-url', proxy.url], { stdin: transfers(1), env: fundedEnv('lying-401'), timeoutMs: 30_000 })
      expect(run.code).toBe(1)
      expect(performance.now() - t0).toBeLessThan(4_000)
      expect(run.stderr).toMatch(new RegExp(`\\[RPC_UNAUTHORIZED\\] .*HTTP ${status} .* — .*credentials`))
      expect(run.stderr).not.toMatch(/is the node .*up/)
      expect(proxy.calls.get('eth_chainId')).toBe(1)
    }
  })

  test('error: an endless answer to eth_chainId is cut at 64 MiB: one [RPC_UNAVAILABLE] line with a hint, exit 1, no hang, no exit 13', async () => {
    const server: Server = createServer((req, res) => {
      req.resume()
      endlessBody(res)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const run = await runCli(['send', '--rpc-url', url], { stdin: transfers(1), env: fundedEnv('lying-huge'), timeoutMs: 30_000 })
      noStack(run.stderr)
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(/\[RPC_UNAVAILABLE\] .*longer than 67108864 bytes — .*64 MiB/)
    } finally {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  })

  test('error: endless answers to every send: a SIGTERM still ends the run with every line accounted and the summary', async () => {
    let funded = false // the funding's sends are answered: the workers' are not
    const proxy = await lying({
      answer: (methods, res) => {
        if (!funded || !methods.includes('eth_sendRawTransaction')) return false
        endlessBody(res)
        return true
      },
    })
    let sent = false
    let termAt = 0
    const run = await runCli(['send', '--rpc-url', proxy.url, '--pool-size', '2'], {
      stdin: transfers(20),
      env: fundedEnv('lying-endless-send'),
      timeoutMs: 60_000,
      onSpawn: (child) => {
        child.stderr!.on('data', (c: Buffer) => {
          if (c.toString().includes('"msg":"sending"')) funded = true
        })
        const t = setInterval(() => {
          if ((proxy.calls.get('eth_sendRawTransaction') ?? 0) >= 4 && !sent) {
            sent = true
            clearInterval(t)
            setTimeout(() => {
              termAt = performance.now()
              child.kill('SIGTERM')
            }, 500)
          }
        }, 50)
        child.on('close', () => clearInterval(t))
      },
    })
    noStack(run.stderr)
    expect(sent).toBe(true)
    // the in-flight sends end at their 64 MiB bound, not after gigabytes (the old client took 40 s and more)
    expect(performance.now() - termAt).toBeLessThan(15_000)
    expect(run.code, run.stderr.slice(-2000)).toBe(143)
    assertAccounted(run.events, 20)
    expect(run.events.at(-1)!.reason).toBe('signal')
  })

  test('error: after an outage another chain answers behind the URL: one [CHAIN_MISMATCH] line, reason chain_changed, exit 1, every line accounted', async () => {
    const other = await startAnvil({ blockTime: 1, chainId: 31338, logger: null, silent: true })
    try {
      const proxy = await lying({})
      const run = await runCli(['send', '--rpc-url', proxy.url, '--pool-size', '2', '--tps', '20'], {
        stdin: transfers(200),
        env: fundedEnv('lying-chain'),
        timeoutMs: 60_000,
        onSpawn: afterResults(10, () => {
          proxy.refuse(true)
          setTimeout(() => {
            proxy.retarget(other.url)
            proxy.refuse(false)
          }, 1_000)
        }),
      })
      noStack(run.stderr)
      expect(run.code, run.stderr.slice(-2000)).toBe(1)
      expect(run.stderr.match(/\[CHAIN_MISMATCH\] the node now serves chain 31338, not 31337/g)).toHaveLength(1)
      const summary = assertAccounted(run.events, 200)
      expect(summary.reason).toBe('chain_changed')
      // it stopped soon after the outage, not at the end of the 10 s schedule: what was queued is not sent
      expect(ofType(run.events, 'tx_result').filter((r) => r.status === 'not_sent').length).toBeGreaterThan(100)
      expect(summary.not_sent).toBeGreaterThan(100)
    } finally {
      await other.stop()
    }
  })
})

/** A JSON answer whose body never ends: 1 MiB of spaces at a time, as fast as the reader takes them. */
function endlessBody(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' })
  const chunk = Buffer.alloc(1 << 20, 0x20)
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump)
  }
  res.on('error', () => {})
  pump()
}
