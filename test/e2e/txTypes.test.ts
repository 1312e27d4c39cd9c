import { createRequire } from 'node:module'
import { getAddress, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { toBlobs, versionedHash } from '../../src/tx/blobs.js'
import { poolKeysFromSeed } from '../../src/accounts/poolKeys.js'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { rpc } from '../helpers/anvil.js'
import { assertAccounted, jsonl, ofType, runCli, tempStateDir, type Event } from '../helpers/cli.js'
import { settledNonces } from '../helpers/inProcess.js'
import { assertNothingLost } from '../helpers/invariants.js'

/**
 * Every tx type from stream lines, through the built CLI, against a real anvil on prague (the
 * first fork with all five types): each is on chain with its type byte and the fields that make
 * it that type, as sent; a rejected send of each type leaves its signer without a nonce gap.
 */
const SINK = '0x000000000000000000000000000000000000dEaD'
const DELEGATE = getAddress('0x00000000000000000000000000000000000c0de1')
const KEY_1 = `0x${'00'.repeat(31)}01`
const TYPE_BYTE = { legacy: '0x0', eip2930: '0x1', eip1559: '0x2', eip4844: '0x3', eip7702: '0x4' } as const

let anvil: AnvilInstance
beforeAll(async () => {
  // 0.5 s blocks, not 1 s: a set-code tx holds its signer's next send until it is mined, funding waits
  // for its block; nothing here depends on the block time (types and fields on chain, nonces)
  anvil = await startAnvil({ blockTime: 0.5, gasLimit: 300_000_000n, hardfork: 'prague', logger: null })
})
afterAll(async () => {
  await anvil?.stop()
})

const signerOf = (seed: string) => privateKeyToAccount(poolKeysFromSeed(seed, 'executors', 1)[0]!).address
const send = (seed: string, specs: unknown[], extra: string[] = []) =>
  runCli(['send', '--rpc-url', anvil.url, '--pool-size', '1', '--log-level', 'warn', ...extra], {
    stdin: jsonl(specs),
    env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: seed },
    timeoutMs: 90_000,
  })

interface ChainTx {
  type: string
  nonce: string
  blockNumber: string | null
  accessList?: { address: string; storageKeys: string[] }[]
  blobVersionedHashes?: string[]
  maxFeePerBlobGas?: string
  authorizationList?: { chainId: string; address: string; nonce: string }[]
}
const txOf = (hash: string) => rpc<ChainTx>(anvil.url, 'eth_getTransactionByHash', [hash])
const byId = (events: Event[], type: string) => new Map(ofType(events, type).map((e) => [e.id as string, e]))

/** What the blobs of `text` must hash to, from the package's own KZG library, independently of the run. */
function expectedVersionedHashes(text: string): Hex[] {
  const { DasContextJs } = createRequire(import.meta.url)('@crate-crypto/node-eth-kzg') as { DasContextJs: { create(o: { usePrecomp: boolean }): { blobToKzgCommitment(b: Uint8Array): Uint8Array } } }
  const kzg = DasContextJs.create({ usePrecomp: false })
  return toBlobs(Buffer.from(text, 'utf8')).map((b) => versionedHash(kzg.blobToKzgCommitment(b)))
}

describe('tx types (real anvil, prague)', () => {
  test('behavior: one line of each type from one signer: each is included with its type byte and carries what was sent', async () => {
    const seed = 'e2e-types-all'
    const specs = [
      { to: SINK, value: '1 wei', tx_type: 'legacy', id: 'legacy' },
      { to: SINK, value: '2 wei', tx_type: 'eip2930', access_list: [{ address: SINK, storageKeys: [KEY_1] }], id: 'eip2930' },
      { to: SINK, value: '3 wei', id: 'eip1559' },
      { to: SINK, blob_data: 'hello blobs', id: 'eip4844' },
      { to: '{_sender}', authorization_address: DELEGATE, id: 'eip7702' },
      // after the set-code tx (two nonces: its own and its authorization's) the signer goes on
      { to: SINK, value: '4 wei', id: 'after' },
    ]
    const r = await send(seed, specs)
    expect(r.code, r.stderr).toBe(0)
    const s = assertAccounted(r.events, specs.length)
    expect(s, JSON.stringify(s.errors)).toMatchObject({ sent: 6, failed: 0, included: 6, reverted: 0 })
    const results = byId(r.events, 'tx_result')
    const receipts = byId(r.events, 'tx_receipt')
    for (const [id, typeByte] of Object.entries({ ...TYPE_BYTE, after: '0x2' })) {
      const tx = await txOf(results.get(id)!.tx_hash)
      expect(tx.type, id).toBe(typeByte)
      expect(tx.blockNumber, id).not.toBeNull()
    }
    expect((await txOf(results.get('eip2930')!.tx_hash)).accessList).toEqual([{ address: SINK.toLowerCase(), storageKeys: [KEY_1] }])

    const blob = await txOf(results.get('eip4844')!.tx_hash)
    expect(blob.blobVersionedHashes).toEqual(expectedVersionedHashes('hello blobs'))
    expect(BigInt(blob.maxFeePerBlobGas!)).toBeGreaterThan(0n)
    expect(receipts.get('eip4844')).toMatchObject({ blob_gas_used: 131072 })
    expect(BigInt(receipts.get('eip4844')!.blob_gas_price)).toBeGreaterThan(0n)
    for (const id of ['legacy', 'eip2930', 'eip1559', 'eip7702']) expect(receipts.get(id)).not.toHaveProperty('blob_gas_used')

    const setCode = await txOf(results.get('eip7702')!.tx_hash)
    const sender = signerOf(seed)
    expect(setCode.authorizationList).toHaveLength(1)
    expect(setCode.authorizationList![0]).toMatchObject({ chainId: '0x7a69', address: DELEGATE.toLowerCase(), nonce: `0x${(Number(setCode.nonce) + 1).toString(16)}` })
    expect(await rpc<string>(anvil.url, 'eth_getCode', [sender, 'latest'])).toBe(`0xef0100${DELEGATE.slice(2).toLowerCase()}`)
    // nonces 0-4 for the first five txs, 5 spent by the authorization, 6 for the last
    expect(results.get('after')!.nonce).toBe(6)
    expect((await settledNonces(anvil.url, [sender])).get(sender)).toBe(7)
  })

  test('behavior: a rejected send of each type (value above the balance) fails alone and leaves no nonce gap', async () => {
    const seed = 'e2e-types-rejected'
    const types = ['legacy', 'eip2930', 'eip1559', 'eip4844', 'eip7702'] as const
    const extra = { eip4844: { blob_data: 'f00d' }, eip7702: { authorization_address: DELEGATE } } as Record<string, object>
    const specs = [
      ...types.flatMap((t) => [
        { to: SINK, value: '1000000 eth', tx_type: t, ...extra[t], id: `bad-${t}` },
        { to: SINK, value: '1 wei', id: `good-${t}` },
      ]),
      // a blob fee the line pins below the blob base fee: refused at once (refreshing cannot help)
      { to: SINK, blob_data: 'f00d', max_fee_per_blob_gas: '0', id: 'bad-blob-fee' },
      { to: SINK, value: '1 wei', id: 'good-last' },
    ]
    // one send at a time: the very next spec reuses the nonce (several in flight: the next test)
    const r = await send(seed, specs, ['--in-flight', '1'])
    expect(r.code, r.stderr).toBe(0)
    const s = assertAccounted(r.events, specs.length)
    expect(s).toMatchObject({ sent: 6, failed: 6, included: 6 })
    expect(byId(r.events, 'tx_result').get('bad-blob-fee')).toMatchObject({ error_code: 'BLOB_FEE_TOO_LOW', nonce: 5, attempts: 1 })
    expect(byId(r.events, 'tx_result').get('good-last')).toMatchObject({ nonce: 5 })
    const results = byId(r.events, 'tx_result')
    types.forEach((t, i) => {
      // the rejected spec had nonce i; the next spec reuses it
      expect(results.get(`bad-${t}`), t).toMatchObject({ error_code: 'INSUFFICIENT_FUNDS', nonce: i })
      expect(results.get(`good-${t}`), t).toMatchObject({ nonce: i })
      expect(results.get(`good-${t}`)!.error_code, t).toBeUndefined()
    })
    const sender = signerOf(seed)
    expect((await settledNonces(anvil.url, [sender])).get(sender)).toBe(6)
  })

  test('behavior: every type with several sends in flight (--in-flight 8), refusals mixed in: each accepted tx on chain at its nonce, no nonce gap', async () => {
    const seed = 'e2e-types-in-flight'
    const types = ['legacy', 'eip2930', 'eip1559', 'eip4844', 'eip7702'] as const
    const extra = { eip2930: { access_list: [{ address: SINK, storageKeys: [KEY_1] }] }, eip4844: { blob_data: 'f00d' }, eip7702: { authorization_address: DELEGATE, to: '{_sender}' } } as Record<string, object>
    const specs = [0, 1, 2].flatMap((round) =>
      types.flatMap((t) => [
        ...Array.from({ length: 3 }, (_, k) => ({ to: SINK, value: `${k + 1} wei`, id: `plain-${round}-${t}-${k}` })),
        { to: SINK, value: round === 1 ? '1000000 eth' : '1 wei', tx_type: t, ...extra[t], id: `${t}-${round}` },
      ]),
    )
    const r = await send(seed, specs, ['--in-flight', '8'])
    expect(r.code, r.stderr).toBe(0)
    const results = byId(r.events, 'tx_result')
    // each accepted self-authorizing set-code tx spends one more nonce: its authorization's
    const authorizations = [0, 2].filter((round) => !results.get(`eip7702-${round}`)!.error_code).length
    const o = await assertNothingLost(anvil.url, r.events, specs.length, new Map([[signerOf(seed), authorizations]]))
    for (const t of types) {
      expect(results.get(`${t}-1`)!.error_code, t).toBe('INSUFFICIENT_FUNDS')
      for (const round of [0, 2]) expect((await txOf(results.get(`${t}-${round}`)!.tx_hash)).type, `${t}-${round}`).toBe(TYPE_BYTE[t])
    }
    expect(o.failed).toBe(types.length)
    expect(o.summary.included).toBe(o.accepted)
  })

  test('behavior: --tx-type sets the type of lines that give and imply none; a line\'s own tx_type and blob_data still win', async () => {
    const seed = 'e2e-types-flag'
    const specs = [
      { to: SINK, value: '1 wei', id: 'plain' },
      { to: SINK, value: '1 wei', tx_type: 'eip1559', id: 'own' },
      { to: SINK, blob_data: '0x00', id: 'blob' },
    ]
    const r = await send(seed, specs, ['--tx-type', 'legacy'])
    expect(r.code, r.stderr).toBe(0)
    expect(assertAccounted(r.events, 3)).toMatchObject({ sent: 3, included: 3 })
    const results = byId(r.events, 'tx_result')
    expect((await txOf(results.get('plain')!.tx_hash)).type).toBe('0x0')
    expect((await txOf(results.get('own')!.tx_hash)).type).toBe('0x2')
    expect((await txOf(results.get('blob')!.tx_hash)).type).toBe('0x3')
  })

  test('behavior: the built-in tx-types scenario sends each type from a scenario file, each on chain as its kind says', async () => {
    const r = await runCli(['run', 'tx-types', '--rpc-url', anvil.url, '--max-txs', '10', '--tps', '0', '--accounts-per-pool', '2', '--log-level', 'warn'], {
      env: { FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_SEED: 'e2e-types-scenario', FLOODGATE_STATE_DIR: tempStateDir() },
      timeoutMs: 120_000,
    })
    expect(r.code, r.stderr).toBe(0)
    const s = assertAccounted(r.events, 10)
    expect(s, JSON.stringify(s.errors)).toMatchObject({ sent: 10, failed: 0, included: 10, reverted: 0 })
    const kinds = new Map<string, number>()
    for (const e of ofType(r.events, 'tx_result')) {
      expect((await txOf(e.tx_hash)).type, e.kind).toBe(TYPE_BYTE[e.kind as keyof typeof TYPE_BYTE])
      kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1)
    }
    expect(Object.fromEntries(kinds)).toEqual({ legacy: 2, eip2930: 2, eip1559: 2, eip4844: 2, eip7702: 2 })
    // the set-code senders ran Workload's bump(2, 3) in their own storage: slots 2 and 3 are set
    const setCodeSenders = new Set(ofType(r.events, 'tx_result').filter((e) => e.kind === 'eip7702').map((e) => e.from as string))
    for (const sender of setCodeSenders) {
      expect(BigInt(await rpc<string>(anvil.url, 'eth_getStorageAt', [sender, '0x2', 'latest'])), sender).toBeGreaterThan(0n)
    }
  })

  test('error: --tx-type eip4844 makes a line without blob_data an invalid_spec naming the field; the run goes on', async () => {
    const r = await send('e2e-types-missing', [{ to: SINK, id: 'no-blob' }, { to: SINK, blob_data: 'x', id: 'blob' }], ['--tx-type', 'eip4844'])
    expect(r.code, r.stderr).toBe(0)
    expect(assertAccounted(r.events, 2)).toMatchObject({ sent: 1, invalid: 1 })
    expect(ofType(r.events, 'invalid_spec')[0]).toMatchObject({ line: 1, id: 'no-blob', error_code: 'MISSING_FIELD', field: 'blob_data' })
  })
})
