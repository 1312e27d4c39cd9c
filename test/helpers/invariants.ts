import { expect } from 'vitest'
import { rpc } from './anvil.js'
import { assertAccounted, ofType, type Event } from './cli.js'
import { settledNonces } from './inProcess.js'

export interface Outcome {
  summary: Event
  /** Specs the node accepted (tx_result without error). */
  accepted: number
  failed: number
  /** Signers whose on-chain nonce differs from their accepted count (must be 0). */
  gaps: number
  /** Accepted txs with no receipt on chain (must be 0, bar the ones a gap filler replaced). */
  missing: number
}

/** One JSON-RPC method over `hashes`, straight from the node (batches of 500): the results in order, null where there is none. */
async function byHash(url: string, method: string, hashes: string[]): Promise<(Record<string, string> | null)[]> {
  const out: (Record<string, string> | null)[] = []
  for (let i = 0; i < hashes.length; i += 500) {
    const chunk = hashes.slice(i, i + 500)
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chunk.map((h, k) => ({ jsonrpc: '2.0', id: k, method, params: [h] }))),
      signal: AbortSignal.timeout(30_000),
    })
    const answers = (await res.json()) as { id: number; result: Record<string, string> | null }[]
    const byId = new Map(answers.map((a) => [a.id, a.result]))
    for (let k = 0; k < chunk.length; k++) out.push(byId.get(k) ?? null)
  }
  return out
}

/**
 * The promise of issue 4, checked against the node itself (`url`: straight to anvil, never
 * through a chaos proxy): every input line ends in exactly one terminal event; every tx
 * reported accepted is on chain exactly once (distinct hashes, each with a receipt, at the
 * nonce it was reported with); every signer's on-chain nonce equals its accepted count (no
 * gap, no duplicate, nothing of ours that we did not report). A spec re-signed at new fees
 * (`tx_replaced`) must be on chain under its newest hash. `replaced`: hashes a
 * `nonce_gap_filled` took the nonce of (they are the only accepted txs allowed off chain,
 * and their fillers count in their place). `external`: txs another process got mined from a
 * pool key, by signer. `feeCapped`: a run with --max-fee, whose accepted txs may end in a
 * `tx_timeout` FEE_CAP_REACHED: those must then be off chain (and do not count).
 */
export async function assertNothingLost(url: string, events: Event[], lines: number, external: Map<string, number> = new Map(), o: { feeCapped?: boolean } = {}): Promise<Outcome> {
  const summary = assertAccounted(events, lines)
  const results = ofType(events, 'tx_result')
  const accepted = results.filter((r) => !r.error_code && !r.status)
  const fills = ofType(events, 'nonce_gap_filled')
  const replaced = new Set(fills.map((f) => f.lost_tx_hash).filter(Boolean))
  expect(new Set(accepted.map((r) => r.tx_hash)).size, 'accepted txs have distinct hashes').toBe(accepted.length)
  // a spec whose tx was re-signed (tx_replaced) is on chain under the hash its receipt names (the
  // newest, or an earlier one when the replacement came too late), else under its newest hash
  const newest = new Map<string, string>()
  for (const e of ofType(events, 'tx_replaced')) newest.set(String(e.idx), e.tx_hash)
  for (const e of ofType(events, 'tx_receipt')) if (newest.has(String(e.idx))) newest.set(String(e.idx), e.tx_hash)
  const capped = new Set(o.feeCapped ? ofType(events, 'tx_timeout').filter((t) => t.error_code === 'FEE_CAP_REACHED').map((t) => t.idx) : [])
  const offChain = accepted.filter((r) => capped.has(r.idx))
  const onChain = accepted
    .filter((r) => !replaced.has(r.tx_hash) && !capped.has(r.idx))
    .map((r) => (newest.has(String(r.idx)) ? { ...r, tx_hash: newest.get(String(r.idx))! } : r))
  // the node's pool drained first: a run that stops early (SIGINT) leaves accepted txs for the next blocks
  const signers = [...new Set(results.map((r) => r.from))]
  const mined = await settledNonces(url, signers)
  const receipts = await byHash(url, 'eth_getTransactionReceipt', onChain.map((r) => r.tx_hash))
  const missing = onChain.filter((_, i) => receipts[i] === null)
  expect(missing.map((r) => r.idx), missing.length > 0 ? `accepted txs that are not on chain\n${await storyOf(url, events, missing[0]!.from, mined.get(missing[0]!.from))}` : '').toEqual([])
  // a tx the fee cap kept out: none of its hashes was mined
  if (offChain.length > 0) {
    const hashes = [...new Set([...offChain.map((r) => r.tx_hash), ...ofType(events, 'tx_replaced').filter((e) => capped.has(e.idx)).map((e) => e.tx_hash)])]
    const landed = (await byHash(url, 'eth_getTransactionReceipt', hashes)).flatMap((r, i) => (r ? [hashes[i]] : []))
    expect(landed, 'txs that ended FEE_CAP_REACHED yet are on chain').toEqual([])
  }
  // each at the nonce it was reported with (a fill's filler at the nonce its event names), from its signer
  const placed = [
    ...onChain.map((r) => ({ what: `idx ${r.idx}`, hash: r.tx_hash as string, from: r.from as string, nonce: r.nonce as number })),
    ...fills.map((f) => ({ what: `filler of ${f.signer} nonce ${f.nonce}`, hash: f.tx_hash as string, from: f.signer as string, nonce: f.nonce as number, filler: true })),
  ]
  const txs = await byHash(url, 'eth_getTransactionByHash', placed.map((p) => p.hash))
  const misplaced = placed.flatMap((p, i) => {
    const tx = txs[i]
    // a filler the node no longer knows (its nonce went to the lost tx after all) is not checked here: the counts below are
    if (!tx) return 'filler' in p ? [] : [`${p.what}: ${p.hash} unknown to the node`]
    const at = Number(BigInt(tx.nonce!))
    return at !== p.nonce || tx.from!.toLowerCase() !== p.from.toLowerCase() ? [`${p.what}: reported nonce ${p.nonce} from ${p.from}, on chain nonce ${at} from ${tx.from}`] : []
  })
  expect(misplaced.length > 0 ? [`${misplaced.length} misplaced`, ...misplaced.slice(0, 20)] : [], 'txs on chain at another nonce (or from another signer) than reported').toEqual([])
  // so each signer's nonces are distinct: one tx per nonce
  const taken = new Set(onChain.map((r) => `${String(r.from).toLowerCase()}:${r.nonce}`))
  expect(taken.size, 'two accepted txs on chain share a signer and nonce').toBe(onChain.length)
  const perSigner = new Map<string, number>()
  for (const r of onChain) perSigner.set(r.from, (perSigner.get(r.from) ?? 0) + 1)
  for (const f of fills) perSigner.set(f.signer, (perSigner.get(f.signer) ?? 0) + 1)
  for (const [signer, n] of external) perSigner.set(signer, (perSigner.get(signer) ?? 0) + n)
  const gaps = signers.filter((s) => mined.get(s) !== (perSigner.get(s) ?? 0))
  expect(
    gaps.map((s) => `${s}: on chain ${mined.get(s)}, accepted ${perSigner.get(s) ?? 0}`),
    "signers whose on-chain nonce is not their accepted count",
  ).toEqual([])
  return { summary, accepted: accepted.length, failed: results.length - accepted.length, gaps: gaps.length, missing: missing.length }
}

/**
 * What happened to one signer, for a failure message: the node's view (mined count, its pool's
 * nonces from txpool_content where the node has it) and every event naming the signer's nonces.
 */
async function storyOf(url: string, events: Event[], signer: string, mined: number | undefined): Promise<string> {
  let pool = 'txpool_content unavailable'
  try {
    type Pool = Record<'pending' | 'queued', Record<string, Record<string, unknown>>>
    const content = await rpc<Pool>(url, 'txpool_content', [], 10_000)
    const of = (kind: keyof Pool) => Object.keys(Object.entries(content[kind] ?? {}).find(([a]) => a.toLowerCase() === signer.toLowerCase())?.[1] ?? {}).join(' ')
    pool = `pool pending [${of('pending')}], queued [${of('queued')}]`
  } catch {}
  // the signer's own events (results, fills), and the receipts, timeouts and replacements of its specs
  const specs = new Set(ofType(events, 'tx_result').filter((r) => r.from === signer).map((r) => r.idx))
  const lines = events
    .filter((e) => e.from === signer || e.signer === signer || (e.type !== 'tx_result' && e.idx !== undefined && specs.has(e.idx)))
    .map((e) => `${e.type} idx ${e.idx ?? '-'} nonce ${e.nonce ?? '-'}${e.error_code ? ` ${e.error_code}: ${String(e.error).slice(0, 160)}` : ''}${e.reason ? ` ${e.reason}` : ''}${e.attempts ? ` attempts ${e.attempts}` : ''}`)
  return `signer ${signer}: mined ${mined}; ${pool}\n${lines.join('\n')}`
}
