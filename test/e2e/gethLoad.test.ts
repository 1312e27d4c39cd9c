import { expect, test } from 'vitest'
import { ofType, runCli, transfers } from '../helpers/cli.js'
import { recordFigures } from '../helpers/figures.js'
import { assertNothingLost } from '../helpers/invariants.js'
import { describeOn } from '../helpers/nodeContract.js'
import { useNode } from '../helpers/nodes.js'

/**
 * Issue 22 item 3: 6,000 transfers on geth at full speed, on a chain that takes 100 a block
 * (2.1M gas, 1 s blocks), at default flags (pool 10, 8 in flight a signer: 80 sends in flight,
 * each signer's 8 within geth's 16 executable slots an account). The chain needs ≥ 60 blocks
 * for them, so the backlog sits in geth's pool the whole run. Every spec must end in a
 * tx_receipt, at a contiguous nonce of its signer, and no filler take a spec's nonce: outcomes,
 * not rates, so it runs in the `main` project beside other files.
 */
const SPECS = 6_000
const PER_BLOCK = 100

describeOn('geth')(`geth under load (2.1M-gas 1 s blocks: ${PER_BLOCK} transfers a block)`, () => {
  const node = useNode('geth', { blockTime: 1, gasLimit: 2_100_000n })

  test(`behavior: floodgate send of ${SPECS} transfers unpaced at default flags: every spec one tx_receipt, no filler, nonces contiguous on chain`, { timeout: 150_000 }, async () => {
    const started = performance.now()
    const run = await runCli(['send', '--rpc-url', node().url, '--log-level', 'warn'], {
      stdin: transfers(SPECS),
      env: { FLOODGATE_FUNDER_KEY: node().devKey, FLOODGATE_SEED: `geth-load-${Date.now()}` },
      timeoutMs: 140_000,
    })
    const ms = performance.now() - started
    expect(run.code, run.stderr.slice(-2_000)).toBe(0)
    const o = await assertNothingLost(node().url, run.events, SPECS)
    expect(o).toMatchObject({ accepted: SPECS, failed: 0, gaps: 0, missing: 0 })
    const receipts = ofType(run.events, 'tx_receipt')
    expect(new Set(receipts.map((r) => r.idx)).size, 'specs with a tx_receipt').toBe(SPECS)
    expect(ofType(run.events, 'tx_timeout').map((t) => `${t.idx} ${t.reason} pending ${t.pending}`)).toEqual([])
    expect(ofType(run.events, 'nonce_gap_filled').map((f) => `${f.signer} ${f.nonce} ${f.reason}`), 'fillers').toEqual([])
    // per signer: its specs' nonces are 0..n-1 (the on-chain count was checked above)
    const bySigner = new Map<string, number[]>()
    for (const r of ofType(run.events, 'tx_result')) bySigner.set(r.from, [...(bySigner.get(r.from) ?? []), r.nonce])
    for (const [signer, nonces] of bySigner) expect(nonces.sort((a, b) => a - b), signer).toEqual(nonces.map((_, i) => i))
    const blocks = new Set(receipts.map((r) => r.block_number))
    const summary = o.summary
    expect(summary).toMatchObject({ sent: SPECS, included: SPECS, failed: 0, timed_out: 0 })
    recordFigures({ node: 'geth', test: `${SPECS} transfers, 2.1M-gas 1 s blocks, default flags`, specs: SPECS, signers: bySigner.size, blocks: blocks.size, replaced: ofType(run.events, 'tx_replaced').length, ms: Math.round(ms) })
  })
})
