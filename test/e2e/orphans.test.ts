/** A killed floodgate leaves no node behind: the embedded devnet dies with it, even on SIGKILL (issue 23, defect 7). */
import { describe, expect, test } from 'vitest'
import { startDevnetCli } from '../helpers/cli.js'
import { gethReady } from '../helpers/gethForTests.js'
import { describeOn } from '../helpers/nodeContract.js'

async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}', signal: AbortSignal.timeout(500) })
    return r.ok
  } catch {
    return false
  }
}

/** SIGKILL floodgate (no exit hook runs), then: how long until its node stops answering (ms), or -1 after 10 s. */
async function killAndTime(args: string[]): Promise<number> {
  const { info, child } = await startDevnetCli(args)
  const url = info.rpc_url
  expect(await answers(url), 'the node answers while floodgate runs').toBe(true)
  const t0 = Date.now()
  child.kill('SIGKILL')
  await new Promise((r) => child.once('exit', r))
  while (Date.now() - t0 < 10_000) {
    if (!(await answers(url))) return Date.now() - t0
    await new Promise((r) => setTimeout(r, 100))
  }
  return -1
}

describe('no orphans', () => {
  test('behavior: floodgate killed with SIGKILL takes its embedded anvil with it (within seconds)', async () => {
    const gone = await killAndTime([])
    expect(gone, 'anvil still answered 10 s after floodgate was killed').toBeGreaterThanOrEqual(0)
  })
})

describeOn('geth')('no orphans on geth', () => {
  test('behavior: floodgate killed with SIGKILL takes its embedded geth (--node geth) with it', async () => {
    await gethReady()
    const gone = await killAndTime(['--node', 'geth'])
    expect(gone, 'geth still answered 10 s after floodgate was killed').toBeGreaterThanOrEqual(0)
  }, 16 * 60_000)
})
