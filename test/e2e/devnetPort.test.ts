/** `floodgate devnet --port <n>`: the devnet's RPC on a port the user picks (anvil's --port, geth's --http.port); without it, a free one. */
import { spawn } from 'node:child_process'
import { beforeAll, describe, expect, test } from 'vitest'
import { createHttpRpc } from '../../src/rpc/rpc.js'
import { BIN, runCli, tempStateDir } from '../helpers/cli.js'
import { gethReady } from '../helpers/gethForTests.js'
import { describeOn } from '../helpers/nodeContract.js'
import { freePort } from '../helpers/nodes.js'

/** Starts `floodgate devnet <args>`, reads its first stdout line, checks the chain answers on it, then stops it with SIGINT. */
async function devnetLine(args: string[]): Promise<{ rpc_url: string; node: string; chain_id: number }> {
  const child = spawn(process.execPath, [BIN, 'devnet', ...args], { env: { ...process.env, FLOODGATE_STATE_DIR: tempStateDir() }, stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
  let out = ''
  try {
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString()
        if (out.includes('\n')) resolve(out.split('\n')[0]!)
      })
      child.once('exit', (code) => reject(new Error(`devnet exited (${code}) before it printed its URL: ${err.slice(-1_000)}`)))
    })
    const info = JSON.parse(line)
    expect(Number(await createHttpRpc(info.rpc_url).request<string>('eth_chainId'))).toBe(info.chain_id)
    return info
  } finally {
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGINT')
    await exited
  }
}

describe('devnet --port (anvil)', () => {
  test('behavior: devnet --port <n> serves anvil on 127.0.0.1:<n>', async () => {
    const port = await freePort()
    const info = await devnetLine(['--port', String(port)])
    expect(info).toMatchObject({ node: 'anvil', rpc_url: `http://127.0.0.1:${port}` })
  })

  test('behavior: devnet without --port takes a free port (the default)', async () => {
    const info = await devnetLine([])
    expect(info.rpc_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  test('usage: devnet --port 70000 is refused before any node starts (exit 2)', async () => {
    const run = await runCli(['devnet', '--port', '70000'], { timeoutMs: 20_000 })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--port: must be at most 65535')
    expect(run.stdout).toBe('')
  })
})

describeOn('geth')('devnet --port --node geth', () => {
  beforeAll(async () => {
    await gethReady() // FLOODGATE_GETH for the CLI child
  }, 16 * 60_000)

  test('behavior: devnet --node geth --port <n> serves geth (its --http.port) on 127.0.0.1:<n>', async () => {
    const port = await freePort()
    const info = await devnetLine(['--node', 'geth', '--port', String(port)])
    expect(info).toMatchObject({ node: 'geth', rpc_url: `http://127.0.0.1:${port}`, chain_id: 1337 })
  })
})
