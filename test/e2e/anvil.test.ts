import { execFile, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { AnvilStartError, sanitizeAnvilOutput, startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { anvilBinary } from '../../src/devnet/anvilBinary.js'
import {
  DEVNET_BALANCE_ETH,
  DEVNET_FUNDER_ADDRESS,
  DEVNET_GAS_LIMIT,
  startEmbeddedDevnet,
} from '../../src/devnet/embedded.js'
import { rpc, rpcNumber, useAnvil, withAnvil } from '../helpers/anvil.js'

const HEX64 = /[0-9a-fA-F]{64}/
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** The process exists and is not a zombie (an orphan waits for init to reap it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return process.platform !== 'linux'
  }
}

/** Live (non-zombie) anvil processes this process spawned (Linux: /proc), by pid. */
function anvilChildren(): Set<number> {
  const out = new Set<number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      // "pid (comm) state ppid …": comm may hold spaces, so read after its closing paren
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(ppid) !== process.pid || state === 'Z') continue
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('anvil')) out.add(Number(name))
    } catch {
      // gone meanwhile
    }
  }
  return out
}

async function answers(url: string): Promise<boolean> {
  try {
    await rpc(url, 'eth_chainId', [], 1_000)
    return true
  } catch {
    return false
  }
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (await cond()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return cond()
}

/** Block numbers seen over `ms`, with the time each first appeared. */
async function watchBlocks(url: string, ms: number): Promise<{ n: number; at: number }[]> {
  const seen: { n: number; at: number }[] = []
  const end = Date.now() + ms
  while (Date.now() < end) {
    const n = await rpcNumber(url, 'eth_blockNumber')
    if (seen.length === 0 || seen[seen.length - 1]!.n !== n) seen.push({ n, at: Date.now() })
    await new Promise((r) => setTimeout(r, 20))
  }
  return seen
}

function startError(p: Promise<unknown>): Promise<AnvilStartError> {
  return p.then(
    () => {
      throw new Error('expected startAnvil to fail')
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(AnvilStartError)
      return e as AnvilStartError
    },
  )
}

describe('startAnvil', () => {
  it('starts two instances on port 0 concurrently, on distinct ports, both answering', async () => {
    const settled = await Promise.allSettled([startAnvil({ logger: null }), startAnvil({ logger: null, chainId: 4242 })])
    const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
    try {
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled'])
      const [a, b] = started as [AnvilInstance, AnvilInstance]
      expect(a.port).toBeGreaterThan(0)
      expect(b.port).toBeGreaterThan(0)
      expect(a.port).not.toBe(b.port)
      expect(a.url).toBe(`http://127.0.0.1:${a.port}`)
      expect(a.pid).not.toBe(b.pid)
      expect(await rpcNumber(a.url, 'eth_chainId')).toBe(31337)
      expect(await rpcNumber(b.url, 'eth_chainId')).toBe(4242)
      expect(await rpcNumber(a.url, 'eth_blockNumber')).toBe(0)
      expect(await rpcNumber(b.url, 'eth_blockNumber')).toBe(0)
    } finally {
      await Promise.all(started.map((s) => s.stop()))
    }
  })

  describe('with --block-time 1', () => {
    const anvil = useAnvil({ blockTime: 1 })
    it('mines a block every second', async () => {
      const seen = await watchBlocks(anvil().url, 3_600)
      expect(seen.length).toBeGreaterThanOrEqual(4) // 3+ new blocks in 3.6 s
      expect(seen.length).toBeLessThanOrEqual(6)
      const gaps = seen.slice(2).map((s, i) => s.at - seen[i + 1]!.at)
      for (const gap of gaps) {
        expect(gap).toBeGreaterThan(700)
        expect(gap).toBeLessThan(1_400)
      }
    })
  })

  it('accepts a fractional block time (0.5 s)', async () => {
    await withAnvil({ blockTime: 0.5 }, async (a) => {
      const first = await rpcNumber(a.url, 'eth_blockNumber')
      await new Promise((r) => setTimeout(r, 2_100))
      const mined = (await rpcNumber(a.url, 'eth_blockNumber')) - first
      expect(mined).toBeGreaterThanOrEqual(3)
      expect(mined).toBeLessThanOrEqual(6)
    })
  })

  it('mines nothing with noMining until asked', async () => {
    await withAnvil({ noMining: true }, async (a) => {
      await new Promise((r) => setTimeout(r, 1_200))
      expect(await rpcNumber(a.url, 'eth_blockNumber')).toBe(0)
      await rpc(a.url, 'evm_mine')
      expect(await rpcNumber(a.url, 'eth_blockNumber')).toBe(1)
    })
  })

  it('passes gas limit, hardfork, accounts and balance; silent still answers', async () => {
    await withAnvil(
      { gasLimit: 123_456_789n, hardfork: 'prague', accounts: 2, balance: 7, silent: true },
      async (a) => {
        const block = await rpc<{ gasLimit: string }>(a.url, 'eth_getBlockByNumber', ['latest', false])
        expect(BigInt(block.gasLimit)).toBe(123_456_789n)
        const info = await rpc<{ hardFork: string }>(a.url, 'anvil_nodeInfo')
        expect(info.hardFork.toLowerCase()).toBe('prague')
        const accounts = await rpc<string[]>(a.url, 'eth_accounts')
        expect(accounts).toHaveLength(2)
        expect(BigInt(await rpc<string>(a.url, 'eth_getBalance', [accounts[0], 'latest']))).toBe(7n * 10n ** 18n)
      },
    )
  })

  it('stop() kills the process, the port stops answering, and stop() is idempotent', async () => {
    const a = await startAnvil({ logger: null })
    expect(await answers(a.url)).toBe(true)
    expect(alive(a.pid)).toBe(true)
    const first = a.stop()
    const second = a.stop()
    await Promise.all([first, second])
    expect(alive(a.pid)).toBe(false)
    expect(await answers(a.url)).toBe(false)
    const code = await a.exited
    // stop() sends SIGTERM, and anvil exits on it by itself, with 0 (SIGKILL, after stopTimeoutMs, would be null)
    expect(code).toBe(0)
    await a.stop() // already stopped: resolves at once
  })

  it('a bad argument fails with anvil\'s own message', async () => {
    const e1 = await startError(startAnvil({ logger: null, hardfork: 'nonsense' }))
    expect(e1.message).toContain('Unknown hardfork: nonsense')
    expect(e1.exitCode).not.toBe(0)
    const e2 = await startError(startAnvil({ logger: null, extraArgs: ['--no-such-flag'] }))
    expect(e2.message).toContain("unexpected argument '--no-such-flag' found")
    expect(e2.message.split('\n')[0]).toMatch(/^anvil exited \(code 2\) before it was ready: error: unexpected argument/)
  })

  it('a taken port fails with anvil\'s message, and no key or mnemonic from the banner leaks', async () => {
    await withAnvil({}, async (a) => {
      const e = await startError(startAnvil({ logger: null, port: a.port }))
      expect(e.message).toMatch(/Address already in use/)
      expect(e.message).not.toMatch(HEX64)
      expect(e.message).not.toMatch(/test test test/)
      expect(e.message).not.toMatch(/mnemonic/i)
      expect(e.output.join('\n')).not.toMatch(HEX64)
    })
  })

  it("withholds the banner's keys and mnemonic from captured output", async () => {
    // the real banner, read straight from the binary
    const cmd = anvilBinary()
    const child = spawn(cmd.command, [...cmd.args, '--port', '0'], { env: { ...process.env, ...cmd.env }, stdio: ['ignore', 'pipe', 'ignore'] })
    const lines: string[] = []
    try {
      await new Promise<void>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout! })
        rl.on('line', (l) => {
          lines.push(l)
          if (l.includes('Listening on')) resolve()
        })
        child.once('exit', () => reject(new Error('anvil exited')))
      })
    } finally {
      child.kill('SIGKILL')
    }
    expect(lines.some((l) => HEX64.test(l))).toBe(true) // the banner really has keys
    const clean = sanitizeAnvilOutput(lines)
    const text = clean.join('\n')
    expect(text).not.toMatch(HEX64)
    expect(text).not.toMatch(/test test test/)
    expect(text).not.toMatch(/mnemonic/i)
    expect(text).toContain('Listening on')
    expect(text).toContain('Available Accounts')
    expect(text).toMatch(/\[\d+ lines? withheld\]/)
    expect(sanitizeAnvilOutput(['error: bad --mnemonic value "alpha beta"', 'ok'], ['alpha beta'])).toEqual(['[1 line withheld]', 'ok'])
  })

  it('gives up after startTimeoutMs and leaves no process behind', async () => {
    const before = anvilChildren()
    // startAnvil spawns before its first await (and node's spawn returns once the child exec'd):
    // the anvil it started is a child of this process, running, right after the call
    const starting = startAnvil({ logger: null, startTimeoutMs: 1 })
    const spawned = [...anvilChildren()].filter((p) => !before.has(p))
    const e = await startError(starting)
    expect(e.message).toMatch(/did not print "Listening on" within 1 ms/)
    expect(spawned, 'the anvil it started was seen running').toHaveLength(1)
    expect([...anvilChildren()].filter((p) => !before.has(p)), 'anvil processes left behind').toEqual([])
    for (const pid of spawned) {
      expect(alive(pid), `anvil pid ${pid}`).toBe(false)
      expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }))
    }
  })
})

describe('the child does not outlive its parent', () => {
  // A plain node process has to import the module, so compile the devnet files first.
  const outDir = path.join(ROOT, 'node_modules', '.cache', 'floodgate-e2e-anvil')
  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true })
    writeFileSync(path.join(outDir, 'package.json'), '{ "type": "module" }\n')
    await promisify(execFile)(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        ...['--outDir', outDir, '--rootDir', ROOT, '--module', 'NodeNext', '--moduleResolution', 'NodeNext'],
        ...['--target', 'ES2022', '--types', 'node', '--skipLibCheck', '--strict'],
        path.join(ROOT, 'src', 'devnet', 'anvil.ts'),
      ],
      { cwd: ROOT },
    )
  }, 60_000)

  async function parentWithAnvil(mode: 'exit' | 'signal' | 'handled'): Promise<{ anvilPid: number; url: string; code: number | null; signal: string | null }> {
    const mod = pathToFileURL(path.join(outDir, 'src', 'devnet', 'anvil.js')).href
    const script = `
      import { startAnvil } from ${JSON.stringify(mod)}
      const a = await startAnvil({ logger: null })
      if (${JSON.stringify(mode)} === 'handled') process.on('SIGTERM', async () => { await a.stop(); process.exit(0) })
      process.stdout.write(JSON.stringify({ pid: a.pid, url: a.url }) + '\\n')
      if (${JSON.stringify(mode)} === 'exit') setTimeout(() => process.exit(0), 500)
      setInterval(() => {}, 1000)
    `
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    const done = new Promise<[number | null, string | null]>((r) => parent.once('exit', (c, s) => r([c, s])))
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: parent.stdout! }).once('line', resolve)
      parent.once('exit', () => reject(new Error('parent exited before printing')))
    })
    const { pid, url } = JSON.parse(first) as { pid: number; url: string }
    expect(alive(pid)).toBe(true)
    if (mode !== 'exit') parent.kill('SIGTERM')
    const [code, signal] = await done
    return { anvilPid: pid, url, code, signal }
  }

  it('kills anvil when the parent calls process.exit()', async () => {
    const r = await parentWithAnvil('exit')
    expect(r.code).toBe(0)
    expect(await waitFor(() => !alive(r.anvilPid), 3_000)).toBe(true)
    expect(await answers(r.url)).toBe(false)
  })

  it('kills anvil when the parent dies of an unhandled SIGTERM (and the signal still ends the parent)', async () => {
    const r = await parentWithAnvil('signal')
    expect(r.signal).toBe('SIGTERM')
    expect(await waitFor(() => !alive(r.anvilPid), 3_000)).toBe(true)
  })

  it('leaves shutdown to the application when it handles SIGTERM itself', async () => {
    const r = await parentWithAnvil('handled')
    expect(r.code).toBe(0)
    expect(await waitFor(() => !alive(r.anvilPid), 3_000)).toBe(true)
  })
})

describe('startEmbeddedDevnet', () => {
  it('runs anvil with interval mining, a 1G block gas limit and a rich funder', async () => {
    const devnet = await startEmbeddedDevnet({ logger: null })
    try {
      expect(devnet.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(await rpcNumber(devnet.url, 'eth_chainId')).toBe(devnet.chainId)
      expect(devnet.funderAddress).toBe(DEVNET_FUNDER_ADDRESS)
      expect(privateKeyToAccount(devnet.funderKey).address).toBe(devnet.funderAddress)
      const balance = BigInt(await rpc<string>(devnet.url, 'eth_getBalance', [devnet.funderAddress, 'latest']))
      expect(balance).toBe(BigInt(DEVNET_BALANCE_ETH) * 10n ** 18n)
      const block = await rpc<{ gasLimit: string }>(devnet.url, 'eth_getBlockByNumber', ['latest', false])
      expect(BigInt(block.gasLimit)).toBe(DEVNET_GAS_LIMIT)
      const start = await rpcNumber(devnet.url, 'eth_blockNumber')
      expect(await waitFor(async () => (await rpcNumber(devnet.url, 'eth_blockNumber')) > start, 2_500)).toBe(true)
    } finally {
      await devnet.stop()
    }
  })
})
