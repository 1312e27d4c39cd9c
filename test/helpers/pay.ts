/** Pays an address from a funded key with a plain transfer, and waits for it to be mined: what anvil_setBalance does on anvil, on any node; deploys a tiny contract the same way. */
import type { Address, Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { rpc, rpcNumber } from './anvil.js'

/** One transfer of `wei` from `key` to each of `to` (consecutive nonces, 3× the gas price), resolved once all are mined (within 30 s). */
export async function payFrom(url: string, key: Hex, to: Address[], wei: bigint): Promise<void> {
  await sendFrom(url, key, to.map((addr) => ({ to: addr, value: wei, gas: 21_000n })))
}

/**
 * Deploys a contract whose runtime code is `runtime` (at most 32 bytes) from `key`; its address
 * once mined. `0x00` (STOP) takes any transfer; `0x60006000fd` reverts every call.
 */
export async function deployRuntime(url: string, key: Hex, runtime: Hex): Promise<Address> {
  const code = runtime.slice(2)
  const len = code.length / 2
  if (len < 1 || len > 32) throw new Error('deployRuntime: 1 to 32 bytes of runtime code')
  const hex = (n: number) => n.toString(16).padStart(2, '0')
  // PUSHlen code, PUSH1 0, MSTORE, PUSH1 len, PUSH1 32-len, RETURN
  const init = `0x${hex(0x5f + len)}${code}600052${'60' + hex(len)}${'60' + hex(32 - len)}f3` as Hex
  const [r] = await sendFrom(url, key, [{ data: init, value: 0n, gas: 200_000n }])
  return r!.contractAddress as Address
}

/** Legacy txs from `key` (consecutive nonces, 3× the gas price); their receipts once all are mined (within 30 s). */
async function sendFrom(url: string, key: Hex, txs: { to?: Address; data?: Hex; value: bigint; gas: bigint }[]): Promise<{ contractAddress?: string | null }[]> {
  const from = privateKeyToAccount(key)
  const chainId = await rpcNumber(url, 'eth_chainId')
  const nonce = await rpcNumber(url, 'eth_getTransactionCount', [from.address, 'pending'])
  const gasPrice = BigInt(await rpc<string>(url, 'eth_gasPrice')) * 3n
  const hashes: Hex[] = []
  for (const [k, tx] of txs.entries()) {
    const raw = await from.signTransaction({ chainId, nonce: nonce + k, ...tx, gasPrice, type: 'legacy' })
    hashes.push(await rpc<Hex>(url, 'eth_sendRawTransaction', [raw]))
  }
  const deadline = Date.now() + 30_000
  const receipts: { contractAddress?: string | null }[] = []
  for (const h of hashes) {
    for (;;) {
      const r = await rpc<{ contractAddress?: string | null } | null>(url, 'eth_getTransactionReceipt', [h])
      if (r) {
        receipts.push(r)
        break
      }
      if (Date.now() > deadline) throw new Error(`sendFrom: ${h} not mined within 30 s`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return receipts
}
