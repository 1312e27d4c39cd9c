/**
 * Issue 22: geth's pool rules, forced with small `--txpool.*` settings (one geth for the file).
 * `--txpool.nolocals`: without it geth answers every send it could not pool with success and
 * keeps the tx aside to pool it again later (core/txpool/locals), so its pool's refusals never
 * reach the sender; with it, geth says them, as a node that does not treat RPC sends as its own
 * (and as geth's own fetcher sees them).
 */
import { expect, test } from 'vitest'
import { keccak256, parseTransaction, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { poolKeysFromSeed } from '../../src/accounts/poolKeys.js'
import { createHttpRpc, type BatchCall, type BatchItem, type RequestOptions, type Rpc } from '../../src/rpc/rpc.js'
import { rpc } from '../helpers/anvil.js'
import { ofType, type Event } from '../helpers/cli.js'
import { recordFigures } from '../helpers/figures.js'
import { runSend } from '../helpers/inProcess.js'
import { assertNothingLost } from '../helpers/invariants.js'
import { describeOn } from '../helpers/nodeContract.js'
import { useNode } from '../helpers/nodes.js'

const SINK = '0x000000000000000000000000000000000000dEaD'
/** 24 slots in all (16 executable, 8 queued), 4 executable and 4 queued per account guaranteed. */
const SMALL_POOL = ['--txpool.nolocals', '--txpool.globalslots', '16', '--txpool.globalqueue', '8', '--txpool.accountslots', '4', '--txpool.accountqueue', '4']

/**
 * A real connection to geth that records what it refused sends with, and may hold back the
 * first send of given raw txs (answered with the hash, never forwarded: lost on the way).
 */
function recorded(url: string, o: { loseOnce?: (raw: Hex) => boolean; onAccepted?: (raw: Hex) => Promise<void> } = {}): { rpc: Rpc; refusals: string[]; lost: Hex[] } {
  const real = createHttpRpc(url, { timeoutMs: 5_000 })
  const refusals: string[] = []
  const lost: Hex[] = []
  const losing = (m: string, p: readonly unknown[] | undefined) => m === 'eth_sendRawTransaction' && !!o.loseOnce?.(p![0] as Hex) && lost.push(p![0] as Hex) > 0
  const conn: Rpc = {
    displayUrl: real.displayUrl,
    async request<T>(method: string, params?: readonly unknown[], ro?: RequestOptions): Promise<T> {
      if (losing(method, params)) return keccak256(params![0] as Hex) as T
      let r: T
      try {
        r = await real.request<T>(method, params, ro)
      } catch (err) {
        if (method === 'eth_sendRawTransaction') refusals.push((err as Error).message)
        throw err
      }
      if (method === 'eth_sendRawTransaction') await o.onAccepted?.(params![0] as Hex)
      return r
    },
    async batch(calls: readonly BatchCall[], ro?: RequestOptions): Promise<BatchItem[]> {
      const gone = calls.map((c) => losing(c.method, c.params))
      const forwarded = calls.filter((_, i) => !gone[i])
      const answers = forwarded.length > 0 ? await real.batch!(forwarded, ro) : []
      let k = 0
      const items = calls.map((c, i): BatchItem => {
        if (gone[i]) return { ok: true, result: keccak256(c.params![0] as Hex) }
        const a = answers[k++]!
        if (c.method === 'eth_sendRawTransaction' && !a.ok) refusals.push(String((a as { error?: { message?: string } }).error?.message ?? JSON.stringify(a)))
        return a
      })
      for (let i = 0; i < calls.length; i++) if (!gone[i] && calls[i]!.method === 'eth_sendRawTransaction' && items[i]!.ok) await o.onAccepted?.(calls[i]!.params![0] as Hex)
      return items
    },
    close: () => real.close!(),
  }
  return { rpc: conn, refusals, lost }
}

/** The most txs geth's pool held at once while `run` ran (txpool_status every 50 ms). */
async function watchPool<T>(url: string, run: () => Promise<T>): Promise<{ out: T; most: number }> {
  let most = 0
  let on = true
  const poll = (async () => {
    while (on) {
      const st = await rpc<{ pending: string; queued: string }>(url, 'txpool_status')
      most = Math.max(most, Number(st.pending) + Number(st.queued))
      await new Promise((r) => setTimeout(r, 50))
    }
  })()
  try {
    return { out: await run(), most }
  } finally {
    on = false
    await poll
  }
}

const transfers = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ to: SINK, value: `${i + 1} wei`, id: `${tag}${i}` }))
const failures = (events: Event[]) => ofType(events, 'tx_result').filter((r) => r.error_code).map((r) => `${r.id} ${r.error_code} ${r.error}`)

describeOn('geth')('geth\'s pool rules (--txpool.nolocals, 24 slots: 16 executable + 8 queued, 4 + 4 per account)', () => {
  const node = useNode('geth', { blockTime: 1, gethArgs: SMALL_POOL })
  const send = (specs: unknown[], conn: Rpc, over: Parameters<typeof runSend>[2] = {}) =>
    runSend(node().url, specs, { funderKey: node().devKey, rpc: conn, receiptTimeoutMs: 30_000, maxOutageMs: 10_000, ...over })

  test('behavior (geth, small pool): a full pool is backpressure: 120 transfers over 6 signers at the default --in-flight overflow its 24 slots; geth refuses ("transaction underpriced"), each spec waits and is sent again: none fails, every one ends in a tx_receipt, nonces whole', async () => {
    const specs = transfers(120, 'full')
    const c = recorded(node().url)
    const { out: { events }, most } = await watchPool(node().url, () => send(specs, c.rpc, { poolSize: 6 }))
    expect(most, 'the pool filled').toBe(24)
    expect(c.refusals.filter((m) => m === 'transaction underpriced').length, 'geth refused for its full pool').toBeGreaterThan(0)
    // besides: "already known" (a kept tx sent again) and, in some runs, "future transaction tries to replace pending"
    expect([...new Set(c.refusals)].filter((m) => !['transaction underpriced', 'already known', 'future transaction tries to replace pending'].includes(m))).toEqual([])
    expect(failures(events)).toEqual([])
    expect(ofType(events, 'tx_receipt')).toHaveLength(120)
    expect(ofType(events, 'nonce_gap_filled')).toEqual([])
    await assertNothingLost(node().url, events, specs.length)
    recordFigures({ node: 'geth', test: 'full pool', specs: specs.length, refusals: c.refusals.length, by: [...new Set(c.refusals)].join(' | ') })
  })

  test('behavior (geth, small pool, --in-flight 32): a window larger than the account slots (4) from one signer: every spec mined, none fails, no filler', async () => {
    const specs = transfers(64, 'wide')
    const c = recorded(node().url)
    const { out: { events }, most } = await watchPool(node().url, () => send(specs, c.rpc, { poolSize: 1, inFlight: 32 }))
    expect(most, 'the signer held more than its 4 slots').toBeGreaterThan(4)
    // geth lets one account past its slots while the pool has room: no pool-limit refusal ("account limit exceeded"); only,
    // when 64 outrun the 24 slots, its full pool's "transaction underpriced", and "already known" (a kept tx sent again)
    expect([...new Set(c.refusals)].filter((m) => m !== 'already known' && m !== 'transaction underpriced')).toEqual([])
    expect(failures(events)).toEqual([])
    expect(ofType(events, 'tx_receipt')).toHaveLength(64)
    expect(ofType(events, 'nonce_gap_filled')).toEqual([])
    await assertNothingLost(node().url, events, specs.length)
    recordFigures({ node: 'geth', test: 'in-flight 32 over 4 account slots', specs: specs.length, refusals: c.refusals.length, by: [...new Set(c.refusals)].join(' | ') })
  })

  test('behavior (geth, small pool): a send lost on the way leaves a gap; the later txs geth holds queued behind it are not taken for lost: the lost one is sent again, none replaced, no filler, every spec mined', async () => {
    const specs = transfers(8, 'gap')
    // the first send of the third spec's tx (value 3 wei): lost on the way, the later ones reach geth
    // once geth took the fifth (value 5 wei, two past the gap), before floodgate hears of it: what geth holds queued of ours
    let lostOne = false
    const seed = `geth-gap-${Date.now()}`
    const from = privateKeyToAccount(poolKeysFromSeed(seed, 'executors', 1)[0]!).address.toLowerCase()
    let queuedOurs: number[] = []
    const c = recorded(node().url, {
      loseOnce: (raw) => !lostOne && parseTransaction(raw).value === 3n && (lostOne = true),
      onAccepted: async (raw) => {
        if (parseTransaction(raw).value !== 5n) return
        const content = await rpc<{ queued: Record<string, Record<string, unknown>> }>(node().url, 'txpool_content')
        queuedOurs = Object.entries(content.queued).flatMap(([a, txs]) => (a.toLowerCase() === from ? Object.keys(txs).map(Number) : []))
      },
    })
    const { events } = await send(specs, c.rpc, { poolSize: 1, seed })
    expect(c.lost, 'one send was lost on the way').toHaveLength(1)
    const gap = ofType(events, 'tx_result').find((r) => r.id === 'gap2')!.nonce as number
    expect(queuedOurs, 'geth held the txs past the gap queued (those sent by then)').toEqual(expect.arrayContaining([gap + 1, gap + 2]))
    expect(Math.min(...queuedOurs)).toBe(gap + 1)
    expect(failures(events)).toEqual([])
    expect(ofType(events, 'nonce_gap_filled')).toEqual([])
    expect(ofType(events, 'tx_replaced')).toEqual([])
    expect(ofType(events, 'tx_receipt')).toHaveLength(8)
    await assertNothingLost(node().url, events, specs.length)
  })
})

/** eth_getTransactionByHash, again while a fresh geth answers "transaction indexing is in progress" (up to 10 s). */
async function byHash(url: string, hash: string): Promise<{ type: string }> {
  for (let i = 0; ; i++) {
    try {
      return await rpc<{ type: string }>(url, 'eth_getTransactionByHash', [hash])
    } catch (err) {
      if (i >= 50 || !/indexing is in progress/.test((err as Error).message)) throw err
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

describeOn('geth')('tx types on geth (dev mode: Osaka at genesis)', () => {
  const node = useNode('geth', { blockTime: 1 })

  test('behavior (geth): one line of each type from one signer (legacy, 2930, 1559, a blob tx with cell proofs, set-code): each mined with its type byte, the signer going on after', async () => {
    const specs = [
      { to: SINK, value: '1 wei', tx_type: 'legacy', id: 'legacy' },
      { to: SINK, value: '2 wei', tx_type: 'eip2930', access_list: [{ address: SINK, storageKeys: [`0x${'00'.repeat(31)}01`] }], id: 'eip2930' },
      { to: SINK, value: '3 wei', id: 'eip1559' },
      { to: SINK, blob_data: 'hello blobs', id: 'eip4844' },
      { to: '{_sender}', authorization_address: '0x00000000000000000000000000000000000000aa', id: 'eip7702' },
      { to: SINK, value: '4 wei', id: 'after' },
    ]
    const { events } = await runSend(node().url, specs, { funderKey: node().devKey, poolSize: 1, receiptTimeoutMs: 30_000 })
    expect(failures(events)).toEqual([])
    // the set-code tx's authorization spends the signer's next nonce too
    const from = ofType(events, 'tx_result')[0]!.from as string
    await assertNothingLost(node().url, events, specs.length, new Map([[from, 1]]))
    const types: string[] = []
    for (const r of ofType(events, 'tx_result').sort((a, b) => a.idx - b.idx)) types.push((await byHash(node().url, r.tx_hash)).type)
    expect(types).toEqual(['0x0', '0x1', '0x2', '0x3', '0x4', '0x2'])
  })
})
