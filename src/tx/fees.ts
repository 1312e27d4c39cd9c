/** The fee snapshot txs are built with (the fee oracle in chain/ keeps the current one). */

/** One immutable view of the fees every worker builds with. */
export type FeeSnapshot =
  | {
      readonly type: 'eip1559'
      readonly baseFeePerGas: bigint
      readonly maxFeePerGas: bigint
      readonly maxPriorityFeePerGas: bigint
      /**
       * EIP-4844 (blocks with `excessBlobGas`): the blob base fee of the next block
       * (`eth_blobBaseFee`) and the max fee per blob gas blob txs are built with (2 × it).
       */
      readonly blobBaseFee?: bigint
      readonly maxFeePerBlobGas?: bigint
      readonly blockNumber: bigint
      readonly updatedAt: number
    }
  | {
      readonly type: 'legacy'
      readonly gasPrice: bigint
      readonly blockNumber: bigint
      readonly updatedAt: number
    }
