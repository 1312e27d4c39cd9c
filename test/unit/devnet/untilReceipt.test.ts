import { describe, expect, test } from 'vitest'
import { untilReceipt, type NodeCall } from '../../../src/devnet/untilReceipt.js'

/** A node whose answers to eth_getTransactionReceipt are `answers`, in turn (an Error is thrown), the last repeated. */
function node(answers: (unknown | Error)[]): NodeCall & { calls: number } {
  const call = Object.assign(
    async (method: string) => {
      expect(method).toBe('eth_getTransactionReceipt')
      const a = answers[Math.min(call.calls++, answers.length - 1)]
      if (a instanceof Error) throw a
      return a
    },
    { calls: 0 },
  )
  return call
}

describe('untilReceipt: the wait for the tx geth dev account pays the funder with, as the devnet starts', () => {
  test("behavior: geth's \"transaction indexing is in progress\" (a fresh node's first moments, seen live on geth v1.17.10) is asked again, not a failed start", async () => {
    const call = node([new Error('-32000 transaction indexing is in progress'), new Error('-32000 transaction indexing is in progress'), null, { status: '0x1' }])
    await expect(untilReceipt(call, '0xabc', 5_000, 1)).resolves.toBe(true)
    expect(call.calls).toBe(4)
  })

  test('behavior: any other error answer is thrown at once', async () => {
    const call = node([new Error('-32601 the method eth_getTransactionReceipt does not exist')])
    await expect(untilReceipt(call, '0xabc', 5_000, 1)).rejects.toThrow(/does not exist/)
    expect(call.calls).toBe(1)
  })

  test('behavior: no receipt within the time: false', async () => {
    const call = node([null])
    await expect(untilReceipt(call, '0xabc', 30, 5)).resolves.toBe(false)
    expect(call.calls).toBeGreaterThan(1)
  })
})
