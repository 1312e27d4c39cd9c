import { keccak256, type Address, type Hex, type TransactionSerializable } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

/**
 * The signing seam: a worker only ever sees an address and a function that turns a tx
 * into signed bytes. The key stays inside the closure and never reaches an event or log.
 */
export interface Signer {
  readonly address: Address
  signTransaction(tx: TransactionSerializable): Promise<Hex>
}

export type SignerFactory = (privateKey: Hex) => Signer

/** viem's pure-JS signer. */
export const viemSigner: SignerFactory = (privateKey) => {
  const account = privateKeyToAccount(privateKey)
  return {
    address: account.address,
    signTransaction: (tx) => account.signTransaction(tx),
  }
}

/** The hash a node reports for signed tx bytes. */
export function txHash(signed: Hex): Hex {
  return keccak256(signed)
}
