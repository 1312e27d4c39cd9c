import { describe, expect, test } from 'vitest'
import type { ErrorCode } from '../../../src/base/errors.js'
import { classifySendError, type SendOutcome } from '../../../src/rpc/classifySendError.js'
import { RpcError } from '../../../src/rpc/rpc.js'

/**
 * Issue 13: every client's rejection wording for eth_sendRawTransaction, as its source has it,
 * each row naming the file (in that client's repository, default branch as read in 2026) the
 * sentence comes from, with the JSON-RPC error code where the source fixes one (`null`: the
 * code comes from a layer not read here; -32000 is then used). Placeholders are filled with
 * plausible values. Each row must map to floodgate's outcome and code.
 */
type Row = readonly [client: string, source: string, rpcCode: number | null, message: string, kind: SendOutcome['kind'], code?: ErrorCode]

const GETH_CORE = 'ethereum/go-ethereum core/error.go'
const GETH_POOL = 'ethereum/go-ethereum core/txpool/errors.go'
const GETH_VALID = 'ethereum/go-ethereum core/txpool/validation.go'
const GETH_LEGACY = 'ethereum/go-ethereum core/txpool/legacypool/legacypool.go'
const GETH_BLOB = 'ethereum/go-ethereum core/txpool/blobpool/blobpool.go'
/** A sentence a test makes geth say, and asserts it did (test/e2e/gethPool.test.ts). */
const LIVE = ' — seen live on geth v1.17.10'
const RETH_RPC = 'paradigmxyz/reth crates/rpc/rpc-eth-types/src/error/mod.rs'
const RETH_POOL = 'paradigmxyz/reth crates/transaction-pool/src/error.rs'
const NM_POOL = 'NethermindEth/nethermind src/Nethermind/Nethermind.TxPool/TxPoolErrorMessages.cs'
const NM_TX = 'NethermindEth/nethermind src/Nethermind/Nethermind.Core/Messages/TxErrorMessages.cs'
const NM_ACCEPT = 'NethermindEth/nethermind src/Nethermind/Nethermind.TxPool/AcceptTxResult.cs'
const BESU_RPC = 'hyperledger/besu ethereum/api/src/main/java/org/hyperledger/besu/ethereum/api/jsonrpc/internal/response/RpcErrorType.java'
const BESU_ENUM = 'hyperledger/besu ethereum/core/src/main/java/org/hyperledger/besu/ethereum/transaction/TransactionInvalidReason.java'
const ERIGON = 'erigontech/erigon txnprovider/txpool/txpoolcfg/txpoolcfg.go'
const EDR_POOL = 'NomicFoundation/edr crates/mem_pool/src/lib.rs'
const EDR_PROVIDER = 'NomicFoundation/edr crates/edr_provider/src/error.rs'
const EDR_SPEC = 'NomicFoundation/edr crates/chain/spec/evm/src/error.rs'
const EDR_RUNTIME = 'NomicFoundation/edr crates/edr_runtime/src/transaction.rs'
const GANACHE = 'trufflesuite/ganache packages/ethereum/utils/src/errors/errors.ts'
const GANACHE_POOL = 'trufflesuite/ganache packages/ethereum/ethereum/src/transaction-pool.ts'
const ANVIL = 'foundry-rs/foundry crates/anvil/src/eth/error/mod.rs'

const ROWS: readonly Row[] = [
  // geth: the pool's and the state transition's sentences; JSON-RPC -32000 (rpc/errors.go errcodeDefault)
  ['geth', GETH_POOL, -32000, 'already known', 'accepted'],
  ['geth', GETH_VALID, -32000, 'nonce too low: next nonce 5, tx nonce 3', 'nonce', 'NONCE_TOO_LOW'],
  ['geth', GETH_VALID, -32000, 'nonce too high: tx nonce 9, gapped nonce 7', 'nonce', 'NONCE_TOO_HIGH'],
  ['geth', GETH_VALID, -32000, 'insufficient funds for gas * price + value: balance 0, tx cost 21000000000000, overshot 21000000000000', 'rejected', 'INSUFFICIENT_FUNDS'],
  ['geth', GETH_CORE, -32000, 'insufficient funds for transfer', 'rejected', 'INSUFFICIENT_FUNDS'],
  ['geth', GETH_VALID, -32000, 'intrinsic gas too low: gas 20000, minimum needed 21000', 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
  ['geth', GETH_VALID, -32000, 'insufficient gas for floor data gas cost: gas 50000, minimum needed 61000', 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
  ['geth', GETH_VALID, -32000, 'transaction gas limit too high (cap: 16777216, tx: 30000001)', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['geth', GETH_POOL, -32000, 'exceeds block gas limit', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['geth', GETH_CORE, -32000, 'max priority fee per gas higher than max fee per gas', 'rejected', 'TIP_ABOVE_FEE_CAP'],
  ['geth', GETH_CORE, -32000, 'max fee per gas less than block base fee: address 0x0000000000000000000000000000000000000001, maxFeePerGas: 1, baseFee: 7', 'fees', 'FEE_CAP_TOO_LOW'],
  // the bare sentence: the legacy pool is full and the tx no dearer than its cheapest (waited on: signerSender.test.ts)
  ['geth', GETH_LEGACY + LIVE, -32000, 'transaction underpriced', 'fees', 'UNDERPRICED'],
  ['geth', GETH_BLOB, -32000, 'replacement transaction underpriced: new tx gas fee cap 1 <= 2 queued', 'nonce', 'REPLACEMENT_UNDERPRICED'],
  ['geth', GETH_VALID, -32000, 'transaction gas price below minimum: gas tip cap 0, minimum needed 1000000', 'fees', 'UNDERPRICED'],
  ['geth', GETH_POOL, -32000, 'replacement transaction underpriced', 'nonce', 'REPLACEMENT_UNDERPRICED'],
  ['geth', GETH_VALID, -32000, 'oversized data: transaction size 131200, limit 131072', 'rejected', 'TX_TOO_LARGE'],
  ['geth', GETH_VALID, -32000, 'transaction type not supported: tx type 3 not supported by this pool', 'rejected', 'TX_TYPE_UNSUPPORTED'],
  ['geth', GETH_VALID, -32000, 'invalid sender: invalid transaction v, r, s values', 'rejected', 'INVALID_SIGNATURE'],
  ['geth', GETH_POOL, -32000, 'address already reserved', 'rejected', 'SENDER_RESERVED'],
  ['geth', GETH_CORE, -32000, 'max fee per blob gas less than block blob gas fee: address 0x0000000000000000000000000000000000000001 blobGasFeeCap: 1, blobBaseFee: 2', 'fees', 'BLOB_FEE_TOO_LOW'],
  ['geth', 'ethereum/go-ethereum internal/ethapi/api.go', -32000, 'tx fee (1.50 ether) exceeds the configured cap (1.00 ether)', 'rejected', 'TX_FEE_CAP_EXCEEDED'],
  ['geth', GETH_LEGACY, -32000, 'txpool is full', 'unknown', 'RPC_BUSY'],
  // a full pool refusing a tx past a nonce gap that would push out a pending one (seen in some runs of test/e2e/gethPool.test.ts, not provoked at will)
  ['geth', GETH_LEGACY, -32000, 'future transaction tries to replace pending', 'unknown', 'RPC_BUSY'],
  // the per-sender limits: the same tx again later, with fewer of the signer's sends in flight
  ['geth', 'ethereum/go-ethereum core/txpool/errors.go', -32000, 'account limit exceeded', 'unknown', 'POOL_LIMIT'],
  ['geth', 'ethereum/go-ethereum core/txpool/errors.go', -32000, 'in-flight transaction limit reached for delegated accounts', 'unknown', 'POOL_LIMIT'],
  // reth: RpcInvalidTransactionError (-32000 for nonce/gas/fee-cap, -32003 otherwise) and RpcPoolError
  ['reth', RETH_RPC, -32000, 'nonce too low: next nonce 5, tx nonce 3', 'nonce', 'NONCE_TOO_LOW'],
  ['reth', RETH_RPC, -32000, 'nonce too high', 'nonce', 'NONCE_TOO_HIGH'],
  ['reth', RETH_RPC, -32003, 'insufficient funds for gas * price + value: have 0 want 21000000000000', 'rejected', 'INSUFFICIENT_FUNDS'],
  ['reth', RETH_RPC, -32000, 'intrinsic gas too low', 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
  ['reth', RETH_RPC, -32000, 'intrinsic gas too high', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['reth', RETH_RPC, -32003, 'gas limit too high', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['reth', RETH_RPC, -32003, 'max priority fee per gas higher than max fee per gas', 'rejected', 'TIP_ABOVE_FEE_CAP'],
  ['reth', RETH_RPC, -32000, 'max fee per gas less than block base fee', 'fees', 'FEE_CAP_TOO_LOW'],
  ['reth', RETH_RPC, -32003, 'max fee per blob gas less than block blob gas fee', 'fees', 'BLOB_FEE_TOO_LOW'],
  ['reth', RETH_RPC, -32000, 'invalid chain ID', 'rejected', 'WRONG_CHAIN_ID'],
  ['reth', RETH_RPC, -32003, 'transaction type not supported', 'rejected', 'TX_TYPE_UNSUPPORTED'],
  ['reth', RETH_RPC, -32003, 'transaction priority fee below minimum required priority fee 1000000', 'fees', 'UNDERPRICED'],
  ['reth', RETH_RPC, -32003, 'already known', 'accepted'],
  ['reth', RETH_RPC, -32003, 'transaction underpriced', 'fees', 'UNDERPRICED'],
  ['reth', RETH_RPC, -32003, 'replacement transaction underpriced', 'nonce', 'REPLACEMENT_UNDERPRICED'],
  ['reth', RETH_RPC, -32003, 'exceeds max transaction gas limit', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['reth', RETH_RPC, -32003, 'tx fee (1500000000000000000 wei) exceeds the configured cap (1000000000000000000 wei)', 'rejected', 'TX_FEE_CAP_EXCEEDED'],
  ['reth', RETH_RPC, -32003, 'oversized data: transaction size 131200, limit 131072', 'rejected', 'TX_TOO_LARGE'],
  ['reth', RETH_RPC, -32003, 'address already reserved', 'rejected', 'SENDER_RESERVED'],
  ['reth', RETH_POOL, null, 'failed to decode signed transaction', 'rejected', 'TX_UNDECODABLE'],
  ['reth', RETH_POOL, null, 'already imported', 'accepted'],
  ['reth', RETH_POOL, null, 'insufficient gas price to replace existing transaction', 'nonce', 'REPLACEMENT_UNDERPRICED'],
  ['reth', RETH_POOL, null, 'transaction feeCap 1 below chain minimum', 'fees', 'UNDERPRICED'],
  ['reth', RETH_POOL, null, "transaction's gas limit 30000001 exceeds block's gas limit 30000000", 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['reth', RETH_POOL, null, 'transaction overdraws from account, balance: 0, cost: 21000000000000', 'rejected', 'INSUFFICIENT_FUNDS'],
  // nethermind: the pool's sentences (current), the older AcceptTxResult names (ToString: "Code, message")
  ['nethermind', NM_POOL, null, 'already known', 'accepted'],
  ['nethermind', NM_POOL, null, 'transaction underpriced', 'fees', 'UNDERPRICED'],
  ['nethermind', NM_POOL, null, 'replacement transaction underpriced', 'nonce', 'REPLACEMENT_UNDERPRICED'],
  ['nethermind', NM_POOL, null, 'gas limit reached', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['nethermind', NM_POOL, null, 'nonce too high', 'nonce', 'NONCE_TOO_HIGH'],
  ['nethermind', NM_POOL, null, 'nonce too low', 'nonce', 'NONCE_TOO_LOW'],
  ['nethermind', NM_POOL, null, 'nonce too far in future', 'nonce', 'NONCE_TOO_HIGH'],
  ['nethermind', NM_POOL, null, 'failed to recover sender', 'rejected', 'INVALID_SIGNATURE'],
  ['nethermind', NM_POOL, null, 'unsupported transaction type', 'rejected', 'TX_TYPE_UNSUPPORTED'],
  ['nethermind', NM_POOL, null, 'transaction too large', 'rejected', 'TX_TOO_LARGE'],
  ['nethermind', NM_POOL, null, 'pending transaction type conflict', 'rejected', 'SENDER_RESERVED'],
  ['nethermind', NM_TX, null, 'intrinsic gas too low', 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
  ['nethermind', NM_TX, null, 'InvalidTxSignature: Signature is invalid.', 'rejected', 'INVALID_SIGNATURE'],
  ['nethermind', NM_TX, null, 'InvalidTxChainId: Expected 1, got 31337.', 'rejected', 'WRONG_CHAIN_ID'],
  ['nethermind', NM_TX, null, 'InvalidMaxPriorityFeePerGas: Cannot be higher than maxFeePerGas.', 'rejected', 'TIP_ABOVE_FEE_CAP'],
  ['nethermind', NM_TX, null, 'TxGasLimitCapExceeded: Gas limit 30000001 exceeded cap of 16777216.', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['nethermind', NM_TX, null, 'InvalidTxType: Transaction type in Custom is not supported.', 'rejected', 'TX_TYPE_UNSUPPORTED'],
  ['nethermind', NM_ACCEPT, null, 'InsufficientFunds, Balance is 0 less than sending value + gas 21000000000000', 'rejected', 'INSUFFICIENT_FUNDS'],
  ['nethermind', NM_ACCEPT, null, 'OldNonce, Current nonce: 5, nonce of rejected tx: 3', 'nonce', 'NONCE_TOO_LOW'],
  ['nethermind', NM_ACCEPT, null, 'NonceGap, Future nonce. Expected nonce: 5', 'nonce', 'NONCE_TOO_HIGH'],
  ['nethermind', NM_ACCEPT, null, 'FeeTooLow, MaxFeePerGas for EIP-1559 txs is too low', 'fees', 'UNDERPRICED'],
  ['nethermind', NM_ACCEPT, null, 'FeeTooLowToCompete', 'fees', 'UNDERPRICED'],
  ['nethermind', NM_ACCEPT, null, 'GasLimitExceeded, Gas limit: 30000001, gas limit of rejected tx: 30000000', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['nethermind', NM_ACCEPT, null, 'AlreadyKnown', 'accepted'],
  ['nethermind', NM_ACCEPT, null, 'ReplacementNotAllowed', 'nonce', 'REPLACEMENT_UNDERPRICED'],
  ['nethermind', NM_ACCEPT, null, 'OwnNonceAlreadyUsed', 'nonce', 'NONCE_TOO_LOW'],
  ['nethermind', NM_ACCEPT, null, 'PendingTxsOfOtherType', 'rejected', 'SENDER_RESERVED'],
  ['nethermind', NM_ACCEPT, null, 'FailedToResolveSender', 'rejected', 'INVALID_SIGNATURE'],
  ['nethermind', NM_ACCEPT, null, 'Int256Overflow', 'rejected', 'INSUFFICIENT_FUNDS'],
  // besu: the JSON-RPC errors of TransactionInvalidReason (RpcErrorType) and the enum names themselves
  ['besu', BESU_RPC, -32001, 'Nonce too low', 'nonce', 'NONCE_TOO_LOW'],
  ['besu', BESU_RPC, -32006, 'Nonce too high', 'nonce', 'NONCE_TOO_HIGH'],
  ['besu', BESU_RPC, -32002, 'Invalid signature', 'rejected', 'INVALID_SIGNATURE'],
  ['besu', BESU_RPC, -32003, 'Intrinsic gas exceeds gas limit', 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
  ['besu', BESU_RPC, -32004, 'Upfront cost exceeds account balance', 'rejected', 'INSUFFICIENT_FUNDS'],
  ['besu', BESU_RPC, -32005, 'Transaction gas limit exceeds block gas limit', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['besu', BESU_RPC, -32005, 'Transaction gas limit cap exceeded', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['besu', BESU_RPC, -32009, 'Gas price below configured minimum gas price', 'fees', 'UNDERPRICED'],
  ['besu', BESU_RPC, -32009, 'Gas price below current base fee', 'fees', 'FEE_CAP_TOO_LOW'],
  ['besu', BESU_RPC, -32009, 'blob gas price below current blob base fee', 'fees', 'BLOB_FEE_TOO_LOW'],
  ['besu', BESU_RPC, -32000, 'Wrong chainId', 'rejected', 'WRONG_CHAIN_ID'],
  ['besu', BESU_RPC, -32000, 'Transaction fee cap exceeded', 'rejected', 'TX_FEE_CAP_EXCEEDED'],
  ['besu', BESU_RPC, -32000, 'Max priority fee per gas exceeds max fee per gas', 'rejected', 'TIP_ABOVE_FEE_CAP'],
  ['besu', BESU_RPC, -32602, 'Invalid transaction type', 'rejected', 'TX_TYPE_UNSUPPORTED'],
  ['besu', BESU_RPC, -32000, 'Known transaction', 'accepted'],
  ['besu', BESU_RPC, -32000, 'Replacement transaction underpriced', 'nonce', 'REPLACEMENT_UNDERPRICED'],
  ['besu', BESU_RPC, -32000, 'Transaction nonce is too distant from current sender nonce', 'nonce', 'NONCE_TOO_HIGH'],
  ['besu', BESU_ENUM, null, 'UPFRONT_COST_EXCEEDS_BALANCE', 'rejected', 'INSUFFICIENT_FUNDS'],
  ['besu', BESU_ENUM, null, 'NONCE_TOO_LOW', 'nonce', 'NONCE_TOO_LOW'],
  ['besu', BESU_ENUM, null, 'NONCE_TOO_HIGH', 'nonce', 'NONCE_TOO_HIGH'],
  ['besu', BESU_ENUM, null, 'NONCE_TOO_FAR_IN_FUTURE_FOR_SENDER', 'nonce', 'NONCE_TOO_HIGH'],
  ['besu', BESU_ENUM, null, 'INTRINSIC_GAS_EXCEEDS_GAS_LIMIT', 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
  ['besu', BESU_ENUM, null, 'EXCEEDS_BLOCK_GAS_LIMIT', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['besu', BESU_ENUM, null, 'EXCEEDS_TRANSACTION_GAS_LIMIT', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['besu', BESU_ENUM, null, 'GAS_PRICE_TOO_LOW', 'fees', 'UNDERPRICED'],
  ['besu', BESU_ENUM, null, 'TRANSACTION_PRICE_TOO_LOW', 'fees', 'UNDERPRICED'],
  ['besu', BESU_ENUM, null, 'GAS_PRICE_BELOW_CURRENT_BASE_FEE', 'fees', 'FEE_CAP_TOO_LOW'],
  ['besu', BESU_ENUM, null, 'MAX_FEE_PER_GAS_BELOW_CURRENT_BASE_FEE', 'fees', 'FEE_CAP_TOO_LOW'],
  ['besu', BESU_ENUM, null, 'BLOB_GAS_PRICE_BELOW_CURRENT_BLOB_BASE_FEE', 'fees', 'BLOB_FEE_TOO_LOW'],
  ['besu', BESU_ENUM, null, 'MAX_PRIORITY_FEE_PER_GAS_EXCEEDS_MAX_FEE_PER_GAS', 'rejected', 'TIP_ABOVE_FEE_CAP'],
  ['besu', BESU_ENUM, null, 'TRANSACTION_ALREADY_KNOWN', 'accepted'],
  ['besu', BESU_ENUM, null, 'TRANSACTION_REPLACEMENT_UNDERPRICED', 'nonce', 'REPLACEMENT_UNDERPRICED'],
  ['besu', BESU_ENUM, null, 'WRONG_CHAIN_ID', 'rejected', 'WRONG_CHAIN_ID'],
  ['besu', BESU_ENUM, null, 'INVALID_SIGNATURE', 'rejected', 'INVALID_SIGNATURE'],
  ['besu', BESU_ENUM, null, 'TX_FEECAP_EXCEEDED', 'rejected', 'TX_FEE_CAP_EXCEEDED'],
  // erigon: the pool's DiscardReason strings
  ['erigon', ERIGON, null, 'already known', 'accepted'],
  ['erigon', ERIGON, null, 'existing txn with same hash', 'accepted'],
  ['erigon', ERIGON, null, 'underpriced', 'fees', 'UNDERPRICED'],
  ['erigon', ERIGON, null, 'replacement transaction underpriced', 'nonce', 'REPLACEMENT_UNDERPRICED'],
  ['erigon', ERIGON, null, 'could not replace existing tx', 'nonce', 'REPLACEMENT_UNDERPRICED'],
  ['erigon', ERIGON, null, 'fee too low', 'fees', 'UNDERPRICED'],
  ['erigon', ERIGON, null, 'oversized data', 'rejected', 'TX_TOO_LARGE'],
  ['erigon', ERIGON, null, 'RLPTooLong', 'rejected', 'TX_TOO_LARGE'],
  ['erigon', ERIGON, null, 'invalid sender', 'rejected', 'INVALID_SIGNATURE'],
  ['erigon', ERIGON, null, 'IntrinsicGas', 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
  ['erigon', ERIGON, null, 'nonce too low', 'nonce', 'NONCE_TOO_LOW'],
  ['erigon', ERIGON, null, 'insufficient funds', 'rejected', 'INSUFFICIENT_FUNDS'],
  ['erigon', ERIGON, null, 'gas limit is too high', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['erigon', ERIGON, null, 'fork supporting this transaction type is not activated yet', 'rejected', 'TX_TYPE_UNSUPPORTED'],
  ['erigon', ERIGON, null, "can't replace blob-txn with a non-blob-txn", 'rejected', 'SENDER_RESERVED'],
  ['erigon', ERIGON, null, 'pending sub-pool is full', 'unknown', 'RPC_BUSY'],
  // Hardhat's node (EDR)
  ['hardhat', EDR_POOL, null, "Sender doesn't have enough funds to send tx. The max upfront cost is: 100000000053169112500000 and the sender's balance is: 10000000000000000.", 'rejected', 'INSUFFICIENT_FUNDS'],
  ['hardhat', EDR_SPEC, null, "Sender doesn't have enough funds to send tx. The max upfront cost is: 21000000000000 and the sender's balance is: 0.", 'rejected', 'INSUFFICIENT_FUNDS'],
  ['hardhat', EDR_RUNTIME, null, 'Transaction requires at least 21000 gas but got 20000', 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
  ['hardhat', EDR_POOL, null, 'Transaction gas limit is 30000001 and exceeds block gas limit of 30000000', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['hardhat', EDR_POOL, null, 'Transaction gas limit is 30000001 and exceeds transaction gas cap of 16777216', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['hardhat', EDR_POOL, null, 'Transaction nonce too low. Expected nonce to be at least 5 but got 3.', 'nonce', 'NONCE_TOO_LOW'],
  ['hardhat', EDR_POOL, null, 'Known transaction: 0x5c3b7e5e0e7f2c4f1e0d1b3a5c7e9f1a3c5e7a9b1d3f5a7c9e1b3d5f7a9c1e3b', 'accepted'],
  ['hardhat', EDR_POOL, null, 'Replacement transaction underpriced. A gasPrice/maxFeePerGas of at least 2200000000 is necessary to replace the existing transaction with nonce 3.', 'nonce', 'REPLACEMENT_UNDERPRICED'],
  ['hardhat', EDR_PROVIDER, null, 'Transaction maxFeePerGas (1) is too low for the next block, which has a baseFeePerGas of 7', 'fees', 'FEE_CAP_TOO_LOW'],
  ['hardhat', EDR_PROVIDER, null, 'Transaction gasPrice (1) is too low for the next block, which has a baseFeePerGas of 7', 'fees', 'FEE_CAP_TOO_LOW'],
  ['hardhat', EDR_PROVIDER, null, 'Transaction maxFeePerBlobGas (1) is too low for the next block, which has a baseFeePerBlobGas of 2', 'fees', 'BLOB_FEE_TOO_LOW'],
  ['hardhat', EDR_PROVIDER, null, "Nonce too high. Expected nonce to be 5 but got 9. Note that transactions can't be queued when automining.", 'nonce', 'NONCE_TOO_HIGH'],
  ['hardhat', EDR_PROVIDER, null, "Nonce too low. Expected nonce to be 5 but got 3. Note that transactions can't be queued when automining.", 'nonce', 'NONCE_TOO_LOW'],
  ['hardhat', EDR_PROVIDER, null, 'Transaction gas price is 1, which is below the minimum of 1000000000', 'fees', 'UNDERPRICED'],
  ['hardhat', EDR_PROVIDER, null, 'Invalid chainId 1 provided, expected 31337 instead.', 'rejected', 'WRONG_CHAIN_ID'],
  ['hardhat', EDR_PROVIDER, null, 'Trying to send an incompatible EIP-155 transaction, signed for another chain.', 'rejected', 'WRONG_CHAIN_ID'],
  ['hardhat', EDR_PROVIDER, null, 'Invalid transaction type 5.', 'rejected', 'TX_TYPE_UNSUPPORTED'],
  // Ganache 7: its error sentences (-32000 INVALID_INPUT / -32003 TRANSACTION_REJECTED, EIP-1474)
  ['ganache', GANACHE, -32003, 'invalid sender', 'rejected', 'INVALID_SIGNATURE'],
  ['ganache', GANACHE, -32000, 'nonce too low', 'nonce', 'NONCE_TOO_LOW'],
  ['ganache', GANACHE_POOL, -32000, "the tx doesn't have the correct nonce. account has nonce of: 5 tx has nonce of: 4", 'nonce', 'NONCE_TOO_LOW'],
  ['ganache', GANACHE, -32003, 'transaction underpriced', 'fees', 'UNDERPRICED'],
  ['ganache', GANACHE, -32000, 'intrinsic gas too low', 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
  ['ganache', GANACHE, -32000, 'exceeds block gas limit', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['ganache', GANACHE, -32003, 'insufficient funds for gas * price + value', 'rejected', 'INSUFFICIENT_FUNDS'],
  // anvil (foundry)
  ['anvil', ANVIL, null, 'nonce too low', 'nonce', 'NONCE_TOO_LOW'],
  ['anvil', ANVIL, null, 'Nonce too high', 'nonce', 'NONCE_TOO_HIGH'],
  ['anvil', ANVIL, null, 'Insufficient funds for gas * price + value', 'rejected', 'INSUFFICIENT_FUNDS'],
  ['anvil', ANVIL, null, 'insufficient funds for transfer', 'rejected', 'INSUFFICIENT_FUNDS'],
  ['anvil', ANVIL, null, 'intrinsic gas too low', 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
  ['anvil', ANVIL, null, 'intrinsic gas too high -- tx.gas_limit > env.block.gas_limit', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['anvil', ANVIL, null, 'Transaction gas limit is greater than the block gas limit, gas_limit: 30000001, cap: 30000000', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ['anvil', ANVIL, null, 'max priority fee per gas higher than max fee per gas', 'rejected', 'TIP_ABOVE_FEE_CAP'],
  ['anvil', ANVIL, null, 'Invalid input: `max_priority_fee_per_gas` greater than `max_fee_per_gas`', 'rejected', 'TIP_ABOVE_FEE_CAP'],
  ['anvil', ANVIL, null, 'max fee per gas less than block base fee', 'fees', 'FEE_CAP_TOO_LOW'],
  ['anvil', ANVIL, null, 'Block `blob_gas_price` is greater than tx-specified `max_fee_per_blob_gas`', 'fees', 'BLOB_FEE_TOO_LOW'],
  ['anvil', ANVIL, null, 'Tx: [0x5c3b7e5e0e7f2c4f1e0d1b3a5c7e9f1a3c5e7a9b1d3f5a7c9e1b3d5f7a9c1e3b] insufficient gas price to replace existing transaction', 'nonce', 'REPLACEMENT_UNDERPRICED'],
  ['anvil', ANVIL, null, 'invalid chain id for signer', 'rejected', 'WRONG_CHAIN_ID'],
  ['anvil', ANVIL, null, 'Incompatible EIP-155 transaction, signed for another chain', 'rejected', 'WRONG_CHAIN_ID'],
  ['anvil', ANVIL, null, 'Unknown transaction type not supported', 'rejected', 'TX_TYPE_UNSUPPORTED'],
  ['anvil', ANVIL, -32602, 'Failed to decode transaction', 'rejected', 'TX_UNDECODABLE'],
  ['anvil', ANVIL, null, 'Failed to decode signed transaction', 'rejected', 'TX_UNDECODABLE'],
  ['anvil', ANVIL, null, 'transaction already imported', 'accepted'],
]

describe('every client\'s rejection wording maps to floodgate\'s outcome', () => {
  test.each(ROWS)('%s (%s): %s "%s" → %s %s', (_client, _source, rpcCode, message, kind, code) => {
    const o = classifySendError(new RpcError((rpcCode as number | null) ?? -32000, message as string))
    expect({ kind: o.kind, code: 'code' in o ? o.code : undefined }).toEqual({ kind, code })
  })

  test('every client of the issue has rows', () => {
    expect(new Set(ROWS.map((r) => r[0]))).toEqual(new Set(['geth', 'reth', 'nethermind', 'besu', 'erigon', 'hardhat', 'ganache', 'anvil']))
  })
})
