/** Pays an address from a funded key with a plain transfer, and waits for it to be mined: what anvil_setBalance does on anvil, on any node. */
import type { Address, Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { rpc, rpcNumber } from './anvil.js'

/** One transfer of `wei` from `key` to each of `to` (consecutive nonces, 3× the gas price), resolved once all are mined (within 30 s). */
export async function payFrom(url: string, key: Hex, to: Address[], wei: bigint): Promise<void> {
  const from = privateKeyToAccount(key)
  const chainId = await rpcNumber(url, 'eth_chainId')
  const nonce = await rpcNumber(url, 'eth_getTransactionCount', [from.address, 'pending'])
  const gasPrice = BigInt(await rpc<string>(url, 'eth_gasPrice')) * 3n
  const hashes: Hex[] = []
  for (const [k, addr] of to.entries()) {
    const raw = await from.signTransaction({ chainId, nonce: nonce + k, to: addr, value: wei, gas: 21_000n, gasPrice, type: 'legacy' })
    hashes.push(await rpc<Hex>(url, 'eth_sendRawTransaction', [raw]))
  }
  const deadline = Date.now() + 30_000
  for (const h of hashes) {
    while (!(await rpc<unknown>(url, 'eth_getTransactionReceipt', [h]))) {
      if (Date.now() > deadline) throw new Error(`payFrom: ${h} not mined within 30 s`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}
