/** Test nodes beside anvil: Hardhat's node (EDR), Ganache and geth, as child processes on free 127.0.0.1 ports, behind one interface. */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import type { Hex } from 'viem'
import { startAnvil } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY, startEmbeddedDevnet } from '../../src/devnet/embedded.js'
import { ROOT } from './cli.js'
import { gethReady } from './gethForTests.js'

export type NodeKind = 'anvil' | 'hardhat' | 'ganache' | 'geth'

export interface TestNode {
  kind: NodeKind
  url: string
  /** A funded dev key (the well-known first dev account: 10^6 ETH). */
  devKey: Hex
  stop(): Promise<void>
}

export interface TestNodeOptions {
  /** Seconds between blocks (interval mining); 0: a block per tx (automine). Default 1. */
  blockTime?: number
  /** Not on geth: its dev mode's chain id is 1337. */
  chainId?: number
  /** The block gas limit (default: the node's own; 30M on geth). */
  gasLimit?: bigint
  /** geth: flags after floodgate's (small `--txpool.*` settings). */
  gethArgs?: string[]
}

const BALANCE_WEI = 10n ** 24n
const START_TIMEOUT_MS = 30_000

/** A port the OS calls free now (closed again before the node binds it: a small race, fine for tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

export async function startNode(kind: NodeKind, o: TestNodeOptions = {}): Promise<TestNode> {
  const blockTime = o.blockTime ?? 1
  const chainId = o.chainId ?? 31337
  if (kind === 'anvil') {
    const a = await startAnvil({ logger: null, silent: true, chainId, ...(blockTime > 0 ? { blockTime } : {}), ...(o.gasLimit !== undefined ? { gasLimit: o.gasLimit } : {}) })
    return { kind, url: a.url, devKey: DEVNET_FUNDER_KEY, stop: () => a.stop() }
  }
  if (kind === 'geth') {
    if (o.chainId !== undefined) throw new Error('geth in dev mode has chain id 1337')
    await gethReady()
    // the embedded devnet's geth: dev mode, its dev account funding the dev key
    const g = await startEmbeddedDevnet({ node: 'geth', logger: null, blockTimeS: blockTime, gasLimit: o.gasLimit ?? 30_000_000n, ...(o.gethArgs ? { gethArgs: o.gethArgs } : {}) })
    return { kind, url: g.url, devKey: g.funderKey, stop: () => g.stop() }
  }
  if (o.gasLimit !== undefined || o.gethArgs !== undefined) throw new Error(`gasLimit and gethArgs are for anvil and geth, not ${kind}`)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const { child, cleanup } = kind === 'hardhat' ? spawnHardhat(port, blockTime, chainId) : spawnGanache(port, blockTime, chainId)
  const stop = once(async () => {
    await kill(child)
    cleanup()
  })
  try {
    await waitForRpc(url, child, kind)
  } catch (err) {
    await stop()
    throw err
  }
  return { kind, url, devKey: DEVNET_FUNDER_KEY, stop }
}

/** One node for the enclosing describe block; the getter is valid inside tests. */
export function useNode(kind: NodeKind, o: TestNodeOptions = {}): () => TestNode {
  let node: TestNode | undefined
  // geth may be built first (once per machine: minutes)
  beforeAll(async () => {
    node = await startNode(kind, o)
  }, kind === 'geth' ? 16 * 60_000 : undefined)
  afterAll(async () => {
    await node?.stop()
    node = undefined
  })
  return () => {
    if (!node) throw new Error('useNode(): the node exists only between beforeAll and afterAll')
    return node
  }
}

/**
 * Hardhat 2 (EDR) runs only from a project that has it installed: a temp project dir with a
 * minimal config and a link to this repo's hardhat. Interval mining with automine off, as a
 * chain has it; the dev key gets the balance.
 */
function spawnHardhat(port: number, blockTime: number, chainId: number): { child: ChildProcess; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-hardhat-'))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(join(ROOT, 'node_modules', 'hardhat'), join(dir, 'node_modules', 'hardhat'), 'dir')
  const mining = blockTime > 0 ? `{ auto: false, interval: ${blockTime * 1000} }` : '{ auto: true }'
  const config = `module.exports = { networks: { hardhat: { chainId: ${chainId}, mining: ${mining}, accounts: [{ privateKey: '${DEVNET_FUNDER_KEY}', balance: '${BALANCE_WEI}' }] } } }\n`
  writeFileSync(join(dir, 'hardhat.config.cjs'), config)
  const bin = join(ROOT, 'node_modules', 'hardhat', 'internal', 'cli', 'bootstrap.js')
  const child = spawn(process.execPath, [bin, 'node', '--hostname', '127.0.0.1', '--port', String(port), '--config', join(dir, 'hardhat.config.cjs')], {
    cwd: dir,
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true', DO_NOT_TRACK: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  drain(child)
  return { child, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Ganache 7: its CLI, quiet, the dev key funded; `--miner.blockTime 0` is its automine. */
function spawnGanache(port: number, blockTime: number, chainId: number): { child: ChildProcess; cleanup: () => void } {
  const bin = join(ROOT, 'node_modules', 'ganache', 'dist', 'node', 'cli.js')
  const args = ['--server.host', '127.0.0.1', '--server.port', String(port), '--chain.chainId', String(chainId), '--wallet.accounts', `${DEVNET_FUNDER_KEY},${BALANCE_WEI}`, '--miner.blockTime', String(blockTime), '--logging.quiet']
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  drain(child)
  return { child, cleanup: () => {} }
}

/** The banners print keys: read and dropped, never shown; the last lines kept for a start failure. */
function drain(child: ChildProcess): void {
  const tail: string[] = []
  const keep = (c: Buffer) => {
    tail.push(c.toString().replace(/0x[0-9a-fA-F]{64}/g, '0x<key>'))
    if (tail.length > 20) tail.shift()
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  ;(child as ChildProcess & { tail?: string[] }).tail = tail
}

async function waitForRpc(url: string, child: ChildProcess, kind: NodeKind): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${kind} exited (${child.exitCode}) before it answered: ${tailOf(child)}`)
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}', signal: AbortSignal.timeout(1_000) })
      if (r.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150))
  }
  throw new Error(`${kind} did not answer on ${url} within ${START_TIMEOUT_MS} ms: ${tailOf(child)}`)
}

const tailOf = (child: ChildProcess): string => ((child as ChildProcess & { tail?: string[] }).tail ?? []).join('').slice(-2_000)

/** SIGTERM, then SIGKILL after 5 s. */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined
  return () => (p ??= fn())
}
