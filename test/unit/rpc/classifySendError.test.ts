import { describe, expect, test } from 'vitest'
import { classifySendError } from '../../../src/rpc/classifySendError.js'
import { RpcError, TransportError } from '../../../src/rpc/rpc.js'

const rpc = (message: string, code = -32000) => new RpcError(code, message)

describe('classifySendError', () => {
  // wording from geth (core/txpool errors), anvil, reth, nethermind and erigon
  test.each([
    ['already known', 'accepted', undefined],
    ['transaction already imported', 'accepted', undefined],
    ['AlreadyKnown', 'accepted', undefined],
    ['nonce too low: next nonce 5, tx nonce 3', 'nonce', 'NONCE_TOO_LOW'],
    ['nonce too high', 'nonce', 'NONCE_TOO_HIGH'],
    ['replacement transaction underpriced', 'nonce', 'REPLACEMENT_UNDERPRICED'],
    ['insufficient funds for gas * price + value: balance 0, tx cost 21000', 'rejected', 'INSUFFICIENT_FUNDS'],
    ['Insufficient funds for gas * price + value', 'rejected', 'INSUFFICIENT_FUNDS'],
    ['intrinsic gas too low: have 20000, want 21000', 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
    ['max fee per gas less than block base fee: address 0x…, maxFeePerGas: 1, baseFee: 7', 'fees', 'FEE_CAP_TOO_LOW'],
    ['transaction underpriced: tip needed 1, tip permitted 0', 'fees', 'UNDERPRICED'],
    ['max priority fee per gas higher than max fee per gas', 'rejected', 'TIP_ABOVE_FEE_CAP'],
    ['exceeds block gas limit', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
    ['transaction type not supported', 'rejected', 'TX_TYPE_UNSUPPORTED'],
    ['invalid chain id for signer', 'rejected', 'WRONG_CHAIN_ID'],
    // anvil 1.7.1's exact answers (docs/devnet.md)
    ['transaction already imported', 'accepted', undefined],
    ['intrinsic gas too high -- tx.gas_limit > env.block.gas_limit', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
    ['intrinsic gas too low', 'rejected', 'INTRINSIC_GAS_TOO_LOW'],
    ['max fee per gas less than block base fee', 'fees', 'FEE_CAP_TOO_LOW'],
    ['Block `blob_gas_price` is greater than tx-specified `max_fee_per_blob_gas`', 'fees', 'BLOB_FEE_TOO_LOW'],
    // geth's
    ['max fee per blob gas less than block blob gas fee: address 0x…, blobGasFeeCap: 1, blobBaseFee: 2', 'fees', 'BLOB_FEE_TOO_LOW'],
    ['address already reserved', 'rejected', 'SENDER_RESERVED'],
    ['exceeds block gas limit', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
    ['gas limit reached', 'rejected', 'GAS_LIMIT_TOO_HIGH'],
  ])('behavior: "%s" → %s', (message, kind, code) => {
    const o = classifySendError(rpc(message))
    expect(o.kind).toBe(kind)
    if (code) expect('code' in o && o.code).toBe(code)
  })

  test('behavior: a transport failure is unknown and may be resent', () => {
    const o = classifySendError(new TransportError('network', 'cannot reach'))
    expect(o).toMatchObject({ kind: 'unknown', code: 'RPC_UNAVAILABLE', resend: true })
    expect(classifySendError(new TransportError('timeout', 'slow'))).toMatchObject({ kind: 'unknown', code: 'RPC_TIMEOUT' })
  })

  test('behavior: 429 keeps its Retry-After', () => {
    const o = classifySendError(new TransportError('http', 'HTTP 429', 429, 1500))
    expect(o).toMatchObject({ kind: 'unknown', resend: true, retryAfterMs: 1500 })
  })

  test('behavior: an unreadable node error is verified, not resent', () => {
    expect(classifySendError(rpc('something odd happened', -32000))).toMatchObject({ kind: 'unknown', code: 'REJECTED', resend: false })
  })

  test('behavior: an unreadable JSON-RPC internal error (-32603: the server\'s trouble, not the tx\'s) is verified, then resent', () => {
    expect(classifySendError(rpc('something odd happened', -32603))).toMatchObject({ kind: 'unknown', code: 'RPC_INTERNAL_ERROR', resend: true })
  })

  test('behavior: a busy node is resent', () => {
    expect(classifySendError(rpc('txpool is full'))).toMatchObject({ kind: 'unknown', code: 'RPC_BUSY', resend: true, crowded: true })
    expect(classifySendError(rpc('account limit exceeded'))).toMatchObject({ kind: 'unknown', code: 'POOL_LIMIT', resend: true, crowded: true })
  })

  test('behavior: geth\'s full pool refusing a tx past a nonce gap ("future transaction tries to replace pending") is a crowded pool, resent; a timeout is busy but not crowded', () => {
    expect(classifySendError(rpc('future transaction tries to replace pending'))).toMatchObject({ kind: 'unknown', code: 'RPC_BUSY', resend: true, crowded: true })
    expect(classifySendError(rpc('request timed out'))).not.toHaveProperty('crowded')
  })

  test('error: anything else is rethrown (a bug, not a send outcome)', () => {
    expect(() => classifySendError(new TypeError('boom'))).toThrow('boom')
  })
})
