/** A spec → the tx request a signer's sender sends: addresses, calldata, gas (estimated when not given), type fields. */
import type { Address, Hex, SignedAuthorization } from 'viem'
import type { FeeOracle } from '../chain/feeOracle.js'
import { RpcError } from '../rpc/rpc.js'
import type { SignerSender } from '../sender/signerSender.js'
import { SendFailure, type TxRequest } from '../sender/txRequest.js'
import { SENDER_PLACEHOLDER, type IndexedSpec } from '../stream/spec.js'
import type { TxFields } from '../tx/buildTx.js'
import { TRANSFER_GAS, type GasEstimator } from '../tx/gasEstimator.js'
import { accessListGas, authorize, intrinsicGas, intrinsicTransferGas, typeFields } from '../tx/txTypeFields.js'

export interface SpecTxOptions {
  chainId: number
  fees: FeeOracle
  /** Shared by every worker: one estimate per (to, selector). */
  gas: GasEstimator
  /** Prague or later: a gas limit must also cover EIP-7623's calldata floor. */
  calldataFloor?: boolean
}

/**
 * Builds the request once per spec (no spreads: this runs for every tx). No calldata: a plain
 * transfer, 21000 (plus its access list) without a call on the hot path. The sender sets the
 * nonce when it sends; a set-code tx is estimated with its authorization, which needs the
 * sender's nonce: it is read first, once the worker's sends in flight settled (the tx is sent
 * alone, so at that nonce unless the node says otherwise).
 * A request that needs nothing from the node (no estimate, nonce, blob or authorization) is
 * returned as it is, not in a promise: the hot path's transfers.
 */
export function specTx(o: SpecTxOptions, spec: IndexedSpec, sender: SignerSender): TxRequest | Promise<TxRequest> {
  const to = spec.to === SENDER_PLACEHOLDER ? sender.address : spec.to
  const data = typeof spec.calldata === 'function' ? spec.calldata(sender.address) : spec.calldata
  const plain = data === undefined || data === '0x'
  if (spec.txType === 'eip4844' || spec.txType === 'eip7702' || (!plain && spec.gasLimit === undefined)) return askingNode(o, spec, sender, to, data, plain)
  const fields = baseFields(o, spec, to, data, 0, spec.gasLimit ?? intrinsicTransferGas(spec))
  enoughGas(fields, spec.gasLimit !== undefined, o.calldataFloor === true)
  return requestOf(spec, fields)
}

/** specTx when the node must be asked first: a gas estimate, a set-code tx's nonce and authorization, a blob's sidecar. */
async function askingNode(o: SpecTxOptions, spec: IndexedSpec, sender: SignerSender, to: Address, data: Hex | undefined, plain: boolean): Promise<TxRequest> {
  const from = sender.address
  const setCode = spec.txType === 'eip7702'
  const gas = spec.gasLimit ?? (setCode ? undefined : plain ? intrinsicTransferGas(spec) : (await estimate(o, from, to, spec, data)) + accessListGas(spec))
  const fields = baseFields(o, spec, to, data, setCode ? await sender.nextNonce(2) : 0, gas ?? TRANSFER_GAS)
  if (spec.txType === 'eip4844' || setCode) await typeFields(fields, spec, sender.signer, o.fees.current)
  if (gas === undefined) fields.gas = plain ? intrinsicTransferGas(fields) : (await estimate(o, from, to, spec, data, fields.authorizationList)) + accessListGas(fields)
  enoughGas(fields, spec.gasLimit !== undefined, o.calldataFloor === true)
  const req = requestOf(spec, fields)
  if (setCode) req.authorize = (nonce) => authorize(sender.signer, o.chainId, spec, nonce)
  return req
}

/** The tx fields a spec gives, before any type-specific ones. */
function baseFields(o: SpecTxOptions, spec: IndexedSpec, to: Address, data: Hex | undefined, nonce: number, gas: bigint): TxFields {
  const fields: TxFields = { chainId: o.chainId, nonce, to, value: spec.value, gas }
  if (data !== undefined) fields.data = data
  if (spec.accessList) fields.accessList = spec.accessList
  if (spec.maxFeePerGas !== undefined) fields.maxFeePerGas = spec.maxFeePerGas
  if (spec.maxPriorityFeePerGas !== undefined) fields.maxPriorityFeePerGas = spec.maxPriorityFeePerGas
  if (spec.txType !== undefined) fields.txType = spec.txType
  return fields
}

function requestOf(spec: IndexedSpec, fields: TxFields): TxRequest {
  const req: TxRequest = { fields, idx: spec.idx, line: spec.line }
  if (spec.id !== undefined) req.id = spec.id
  return req
}

/**
 * A gas limit below the tx's intrinsic gas (on Prague: or its calldata floor) can never be mined, yet some pools (anvil) accept
 * it, and the signer's later txs would wait behind it: a spec's own limit fails here with
 * `INTRINSIC_GAS_TOO_LOW` (no nonce taken); an estimate cached for shorter calldata of the same
 * selector is raised to it.
 */
function enoughGas(fields: TxFields, pinned: boolean, floor: boolean): void {
  const least = intrinsicGas(fields, floor)
  if (fields.gas >= least) return
  if (!pinned) fields.gas = least
  else throw new SendFailure('INTRINSIC_GAS_TOO_LOW', `gas_limit ${fields.gas} is below this tx's intrinsic gas (${least}: 21000, calldata, access list, authorizations${floor ? '; or Prague\'s calldata floor, EIP-7623' : ''})`)
}

async function estimate(o: SpecTxOptions, from: Address, to: Address, spec: IndexedSpec, data: Hex | undefined, authorizationList?: SignedAuthorization[]): Promise<bigint> {
  try {
    return await o.gas.limitFor({
      from,
      to,
      toIsSender: spec.to === SENDER_PLACEHOLDER,
      value: spec.value,
      ...(data !== undefined ? { data } : {}),
      ...(spec.selector !== undefined ? { selector: spec.selector } : {}),
      ...(authorizationList !== undefined ? { authorizationList } : {}),
    })
  } catch (err) {
    if (err instanceof RpcError) throw new SendFailure('GAS_ESTIMATION_FAILED', `eth_estimateGas: ${err.message}`)
    throw err
  }
}
