import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { recoverTransactionAddress, type Hex, type TransactionSerialized } from 'viem'
import { createHttpRpc, type Rpc } from '../../src/rpc/rpc.js'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { assertAccounted, ofType } from '../helpers/cli.js'
import { acceptedBySender, runSend, settledNonces } from '../helpers/inProcess.js'

const SINK = '0x000000000000000000000000000000000000dEaD'

let anvil: AnvilInstance
beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1, gasLimit: 300_000_000n })
})
afterAll(async () => {
  await anvil?.stop()
})

/** A real connection that counts what goes through it. */
function observed(onRequest: (method: string, params: readonly unknown[] | undefined) => void | Promise<void>, after?: (method: string, params: readonly unknown[] | undefined) => void): Rpc {
  const real = createHttpRpc(anvil.url)
  return {
    displayUrl: real.displayUrl,
    async request<T>(method: string, params?: readonly unknown[], opts?: object): Promise<T> {
      await onRequest(method, params)
      try {
        return await real.request<T>(method, params, opts)
      } finally {
        after?.(method, params)
      }
    },
  }
}

describe('workers', () => {
  test.each([1, 4])('behavior: --in-flight %i: never more sends of one signer outstanding, while signers do send concurrently', async (window) => {
    const inFlight = new Map<string, number>()
    let maxPerSigner = 0
    let maxOverall = 0
    let overall = 0
    const senderOf = new Map<unknown, string>()
    const rpc = observed(
      async (method, params) => {
        if (method !== 'eth_sendRawTransaction') return
        const from = await recoverTransactionAddress({ serializedTransaction: params![0] as TransactionSerialized })
        senderOf.set(params![0], from)
        const n = (inFlight.get(from) ?? 0) + 1
        inFlight.set(from, n)
        overall++
        maxPerSigner = Math.max(maxPerSigner, n)
        maxOverall = Math.max(maxOverall, overall)
      },
      (method, params) => {
        if (method !== 'eth_sendRawTransaction') return
        const from = senderOf.get(params![0])!
        inFlight.set(from, inFlight.get(from)! - 1)
        overall--
      },
    )
    const specs = Array.from({ length: 300 }, (_, i) => ({ to: SINK, value: `${i + 1} wei` }))
    const { events } = await runSend(anvil.url, specs, { rpc, poolSize: 6, skipFunding: false, inFlight: window, batchSize: 1 })
    expect(assertAccounted(events, 300).sent).toBe(300)
    expect(maxPerSigner).toBe(window)
    expect(maxOverall).toBeGreaterThan(window)
  })

  test('behavior: no gas_limit: 21000 for a plain transfer; one estimate per (to, selector), +25 %, shared by all workers', async () => {
    const estimates: unknown[] = []
    const rpc = observed((method, params) => {
      if (method === 'eth_estimateGas') estimates.push(params![0])
    })
    const specs = [
      { to: SINK, value: '1 wei', id: 'plain' },
      ...Array.from({ length: 20 }, (_, i) => ({ to: SINK, data: `0xdeadbeef${i.toString(16).padStart(2, '0')}`, id: `call-${i}` })),
      { to: SINK, data: '0xcafebabe', id: 'other-selector' },
    ]
    const { events } = await runSend(anvil.url, specs, { rpc, poolSize: 4 })
    expect(assertAccounted(events, 22).sent).toBe(22)
    // two selectors → two estimates, however many workers asked at once
    expect(estimates).toHaveLength(2)
    const real = createHttpRpc(anvil.url)
    const byId = new Map(ofType(events, 'tx_result').map((r) => [r.id, r]))
    await settledNonces(anvil.url, [...acceptedBySender(events).keys()])
    const gasOf = async (id: string) => BigInt((await real.request<{ gas: string }>('eth_getTransactionByHash', [byId.get(id)!.tx_hash])).gas)
    expect(await gasOf('plain')).toBe(21000n)
    const estimated = BigInt(await real.request<string>('eth_estimateGas', [{ to: SINK, data: '0xdeadbeef00' }]))
    expect(await gasOf('call-0')).toBe(estimated + estimated / 4n)
    expect(await gasOf('call-19')).toBe(await gasOf('call-0'))
    const receipt = await real.request<{ status: string }>('eth_getTransactionReceipt', [byId.get('call-7')!.tx_hash])
    expect(receipt.status).toBe('0x1')
  })

  test('error: a call whose estimate reverts ends GAS_ESTIMATION_FAILED without taking a nonce', async () => {
    const reverter = '0x000000000000000000000000000000000000fa11'
    const real = createHttpRpc(anvil.url)
    await real.request('anvil_setCode', [reverter, '0x60006000fd']) // PUSH1 0 PUSH1 0 REVERT
    const specs = [
      { to: reverter, data: '0x12345678', id: 'reverts' },
      { to: SINK, value: '1 wei', id: 'after' },
    ]
    const { events } = await runSend(anvil.url, specs, { poolSize: 1 })
    assertAccounted(events, 2)
    const [first, second] = ofType(events, 'tx_result').sort((a, b) => a.idx - b.idx)
    expect(first).toMatchObject({ id: 'reverts', error_code: 'GAS_ESTIMATION_FAILED', nonce: null, attempts: 0 })
    expect(first!.error).toMatch(/revert/i)
    expect(second).toMatchObject({ id: 'after', nonce: 0 })
    expect(second!.error_code).toBeUndefined()
  })

  test('behavior: {_sender} in to and args resolves to each worker\'s own address', async () => {
    const specs = Array.from({ length: 8 }, (_, i) => ({
      to: '{_sender}',
      signature: 'function transfer(address to, uint256 amount)',
      args: ['{_sender}', `${i}`],
      gas_limit: 60000,
    }))
    const { events } = await runSend(anvil.url, specs, { poolSize: 4 })
    expect(assertAccounted(events, 8).sent).toBe(8)
    await settledNonces(anvil.url, [...acceptedBySender(events).keys()])
    const real = createHttpRpc(anvil.url)
    for (const r of ofType(events, 'tx_result')) {
      const tx = await real.request<{ to: string; input: Hex; raw?: Hex }>('eth_getTransactionByHash', [r.tx_hash])
      expect(tx.to.toLowerCase()).toBe(r.from.toLowerCase())
      expect(tx.input.slice(34, 74).toLowerCase()).toBe(r.from.slice(2).toLowerCase())
    }
  })
})
