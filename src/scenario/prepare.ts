import { createHash } from 'node:crypto'
import { type Address, type Hex, type TransactionSerializable, formatEther, getAddress, keccak256, zeroAddress } from 'viem'
import { buildTx } from '../tx/buildTx.js'
import type { FeeOracle } from '../chain/feeOracle.js'
import { fundPool } from '../accounts/fundAccounts.js'
import { derivePoolKeys, type PoolSize } from '../accounts/derivePoolKeys.js'
import { RpcError, type Rpc } from '../rpc/rpc.js'
import type { Signer, SignerFactory } from '../tx/signer.js'
import { FatalError, UsageError, describeError } from '../base/errors.js'
import type { Logger } from '../log.js'
import { parseSpec } from '../stream/parseSpec.js'
import { parseAmount } from '../stream/parseValue.js'
import { SENDER_PLACEHOLDER, type Spec } from '../stream/spec.js'
import { compileSpam, resolveCall } from './generate.js'
import { planPools, type PoolPlan } from './planPools.js'
import { type DeploymentRecord, readRecord, recordPath, writeRecord } from './record.js'
import { type TemplateContext, substitute, withHexPrefix } from './template.js'
import { ADMIN_POOL, type CreateDef, type Scenario, ScenarioError } from './types.js'

export interface PrepareOptions {
  scenario: Scenario
  rpc: Rpc
  chainId: number
  fees: FeeOracle
  log: Logger
  /** Pool derivation seed (the same `send` uses). */
  seed: string
  accountsPerPool: number
  makeSigner: SignerFactory
  /** Tops up every scenario account; none: no funding (warned). */
  funderKey?: Hex
  /** Each account is topped up to this, plus the value its setup steps send. */
  minBalance: bigint
  skipFunding: boolean
  /** Where deployment records live; none: nothing is recorded or reused (the embedded devnet). */
  stateDir?: string
  label?: string
  redeploy: boolean
  signal?: AbortSignal
  /** How long to wait for one create/setup tx to be mined. */
  receiptTimeoutMs?: number
}

export interface Prepared {
  contracts: Map<string, Address>
  pools: PoolPlan
  /** True when recorded contracts were reused (nothing deployed). */
  reusedContracts: boolean
  /** True when the setup steps were skipped because the record says they ran. */
  reusedSetup: boolean
  recordFile?: string
  /** Each pool's account addresses. */
  poolAddresses: Map<string, Address[]>
}

/** Placeholder address used to check a scenario's templates before anything is deployed. */
const PROBE_ADDRESS: Address = '0x000000000000000000000000000000000000f100'

function baseContext(s: Scenario, contracts: ReadonlyMap<string, Address>, hint?: string): TemplateContext {
  return { env: s.env, contractNames: new Set(s.creates.map((c) => c.name)), contracts, ...(hint ? { missingHint: hint } : {}) }
}

const hash = (v: unknown) => createHash('sha256').update(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))).digest('hex')

/** A spec object (no from/from_pool) through the stream parser, as a worker would get it. */
function parseCallSpec(obj: Record<string, unknown>, where: string): Spec {
  const r = parseSpec(JSON.stringify(obj), 0, { poolName: '', poolAddresses: new Map() })
  if (!r.ok) throw new ScenarioError(`${where}: ${r.problem.error}`)
  return r.spec
}

/** A [[setup]] step's spec: setup sends plain txs (the chain's default type), so no blobs or set-code. */
function setupSpec(obj: Record<string, unknown>, where: string): Spec {
  const spec = parseCallSpec(obj, where)
  if (spec.txType !== undefined) {
    throw new ScenarioError(`${where}: [[setup]] steps are sent as the chain's default tx type; tx_type, blob_data and authorization_address are for [[spam]] entries`)
  }
  return spec
}

/** Constructor arguments ABI-encoded (without a selector), for `signature = "(uint256 supply)"`. */
function encodeConstructorArgs(c: CreateDef, args: unknown[]): Hex {
  const sig = c.signature!.trim().replace(/^(constructor|function)\s*/, '')
  const open = sig.indexOf('(')
  if (open < 0) throw new ScenarioError(`${c.where}.signature: ${JSON.stringify(c.signature)} is not a parameter list such as "(uint256 initialSupply)"`)
  const spec = parseCallSpec({ to: zeroAddress, signature: `floodgateConstructor${sig.slice(open)}`, args }, c.where)
  const data = typeof spec.calldata === 'function' ? spec.calldata(zeroAddress) : (spec.calldata ?? '0x')
  return `0x${data.slice(10)}`
}

function bytecodeHex(c: CreateDef, ctx: TemplateContext): Hex {
  const code = substitute(c.bytecode, ctx, `${c.where}.bytecode`, 'bytecode').replace(/^0x/i, '')
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(code)) throw new ScenarioError(`${c.where}.bytecode: not hex bytecode`)
  return `0x${code.toLowerCase()}`
}

/**
 * Checks every template of the scenario before anything is sent: placeholders, signatures,
 * argument types, fuzz parameters. Throws a UsageError naming the entry.
 */
export function validateScenario(s: Scenario): void {
  const contracts = new Map(s.creates.map((c) => [c.name, PROBE_ADDRESS]))
  const ctx: TemplateContext = { ...baseContext(s, contracts), sender: PROBE_ADDRESS }
  try {
    for (const c of s.creates) {
      bytecodeHex(c, ctx)
      if (c.signature !== undefined) encodeConstructorArgs(c, c.args.map((a) => (typeof a === 'string' ? substitute(a, ctx, `${c.where}.args`) : a)))
    }
    for (const st of s.setups) setupSpec(resolveCall(st, ctx), st.where)
    const { sender: _sender, ...spamCtx } = ctx
    for (const step of compileSpam(s, spamCtx, { fromPool: false })) {
      const obj = { ...step.base }
      for (const f of step.fuzz) f.apply(obj, f.min)
      delete obj.from
      parseCallSpec(obj, step.where)
    }
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(`scenario ${s.name}: ${err.message}`)
    throw err
  }
}

/** Tracks the next nonce of each sender of the setup phase. */
class Nonces {
  private readonly next = new Map<string, number>()
  constructor(private readonly rpc: Rpc) {}
  async take(address: Address): Promise<number> {
    const key = address.toLowerCase()
    let n = this.next.get(key)
    if (n === undefined) n = Number(BigInt(await this.rpc.request<string>('eth_getTransactionCount', [address, 'pending'])))
    this.next.set(key, n + 1)
    return n
  }
  forget(address: Address): void {
    this.next.delete(address.toLowerCase())
  }
}

interface Receipt {
  status: string
  contractAddress?: Address | null
  transactionHash: Hex
  blockNumber: string
}

/**
 * Deploys the [[create]] contracts and runs the [[setup]] steps of a scenario, or reuses what
 * the state directory records for this chain, scenario and label. Funds every scenario account
 * first. Each create/setup tx is mined (and must succeed) before the next step, since later
 * steps use earlier contracts.
 */
export async function prepareScenario(o: PrepareOptions): Promise<Prepared> {
  const s = o.scenario
  validateScenario(s)
  const plan = planPools(s, o.accountsPerPool)
  const keys = derivePoolKeys(plan.all, { seed: o.seed })
  const signers = new Map<string, Signer[]>()
  plan.all.forEach((p, i) => signers.set(p.name, keys[i]!.map((k) => o.makeSigner(k))))
  for (const k of keys) k.fill('0x')
  const funder = o.funderKey ? o.makeSigner(o.funderKey) : undefined
  const known = new Map<string, Signer>()
  for (const list of signers.values()) for (const sg of list) known.set(sg.address.toLowerCase(), sg)
  if (funder) known.set(funder.address.toLowerCase(), funder)

  const senderOf = (from: string | undefined, fromPool: string | undefined, where: string): Signer[] => {
    if (from !== undefined) {
      const address = String(withHexPrefix(substitute(from, baseContext(s, new Map()), `${where}.from`)))
      const sg = known.get(address.toLowerCase())
      if (!sg) throw new UsageError(`scenario ${s.name}: ${where}.from: floodgate has no key for ${from}; name a pool with from_pool (floodgate derives its accounts) or use the funder's address`)
      return [sg]
    }
    return signers.get(fromPool ?? ADMIN_POOL)!
  }

  if (!o.skipFunding) await fund(o, plan, signers, funder)

  const file = o.stateDir !== undefined ? recordPath(o.stateDir, o.chainId, s.name, o.label) : undefined
  const record = file ? readRecord(file) : undefined
  const deployers = s.creates.map((c) => senderOf(c.from, c.fromPool, c.where)[0]!.address)
  const createHash = hash({ creates: s.creates, env: s.env, deployers })
  const contracts = new Map<string, Address>()
  const nonces = new Nonces(o.rpc)

  let reusedContracts = false
  if (!o.redeploy && record && record.createHash === createHash && (await stillDeployed(o.rpc, s, record))) {
    for (const c of s.creates) contracts.set(c.name, record.contracts[c.name]!.address)
    reusedContracts = s.creates.length > 0
    if (reusedContracts) o.log.info({ scenario: s.name, contracts: Object.fromEntries(contracts), record: file }, 'reusing deployed contracts')
  }
  const codeHashes: DeploymentRecord['contracts'] = {}
  if (!reusedContracts) {
    for (const [i, c] of s.creates.entries()) {
      const sender = senderOf(c.from, c.fromPool, c.where)[0]!
      const ctx: TemplateContext = { ...baseContext(s, contracts), sender: sender.address }
      const args = c.args.map((a, j) => (typeof a === 'string' ? substitute(a, ctx, `${c.where}.args[${j}]`) : a))
      const data = `${bytecodeHex(c, ctx)}${c.signature !== undefined ? encodeConstructorArgs(c, args).slice(2) : ''}` as Hex
      const receipt = await sendAndWait(o, nonces, sender, { data }, c.where)
      if (!receipt.contractAddress) throw new FatalError('SETUP_FAILED', `${c.where}: the receipt names no contract address`)
      const address = getAddress(receipt.contractAddress)
      contracts.set(c.name, address)
      o.log.info({ step: `create ${i + 1}/${s.creates.length}`, name: c.name, address }, 'contract deployed')
    }
  }
  for (const c of s.creates) {
    const address = contracts.get(c.name)!
    const code = await o.rpc.request<Hex>('eth_getCode', [address, 'latest'])
    codeHashes[c.name] = { address, codeHash: keccak256(code) }
  }

  const setupSenders = s.setups.map((st) => senderOf(st.from, st.fromPool, st.where).map((sg) => sg.address))
  const setupHash = hash({ setups: s.setups, env: s.env, contracts: Object.fromEntries(contracts), setupSenders })
  const reusedSetup = reusedContracts && record?.setupHash === setupHash
  if (reusedSetup) {
    if (s.setups.length) o.log.info({ scenario: s.name, steps: s.setups.length }, 'setup steps already ran for these contracts and accounts; skipping them')
  } else {
    for (const [i, st] of s.setups.entries()) {
      const senders = senderOf(st.from, st.fromPool, st.where)
      const targets = st.forAllAccounts ? senders : senders.slice(0, 1)
      await Promise.all(
        targets.map(async (sender) => {
          const ctx: TemplateContext = { ...baseContext(s, contracts), sender: sender.address }
          const spec = setupSpec(resolveCall(st, ctx), st.where)
          const to = spec.to === SENDER_PLACEHOLDER ? sender.address : spec.to
          const data = typeof spec.calldata === 'function' ? spec.calldata(sender.address) : spec.calldata
          await sendAndWait(o, nonces, sender, { to, value: spec.value, ...(data ? { data } : {}), ...(spec.gasLimit ? { gas: spec.gasLimit } : {}), ...(spec.accessList ? { accessList: spec.accessList } : {}), ...(spec.maxFeePerGas !== undefined ? { maxFeePerGas: spec.maxFeePerGas } : {}), ...(spec.maxPriorityFeePerGas !== undefined ? { maxPriorityFeePerGas: spec.maxPriorityFeePerGas } : {}) }, st.where)
        }),
      )
      o.log.info({ step: `setup ${i + 1}/${s.setups.length}`, entry: st.where, txs: targets.length }, 'setup step done')
    }
  }

  if (file) {
    writeRecord(file, {
      version: 1,
      scenario: s.name,
      ...(o.label !== undefined ? { label: o.label } : {}),
      chainId: o.chainId,
      createHash,
      setupHash,
      contracts: codeHashes,
      updatedAt: new Date().toISOString(),
    })
  }
  const poolAddresses = new Map([...signers].map(([name, list]) => [name, list.map((sg) => sg.address)]))
  return { contracts, pools: plan, reusedContracts, reusedSetup, ...(file ? { recordFile: file } : {}), poolAddresses }
}

async function stillDeployed(rpc: Rpc, s: Scenario, record: DeploymentRecord): Promise<boolean> {
  for (const c of s.creates) {
    const r = record.contracts[c.name]
    if (!r) return false
    const code = await rpc.request<Hex>('eth_getCode', [r.address, 'latest'])
    if (code === '0x' || keccak256(code) !== r.codeHash) return false
  }
  return true
}

async function fund(o: PrepareOptions, plan: PoolPlan, signers: Map<string, Signer[]>, funder: Signer | undefined): Promise<void> {
  if (!funder) {
    o.log.warn('no funder key: scenario accounts are not topped up (pass --skip-funding to silence this)')
    return
  }
  // what each account needs: the minimum, plus the value its setup steps send
  const need = new Map<Address, bigint>()
  for (const p of plan.all) for (const sg of signers.get(p.name)!) need.set(sg.address, o.minBalance)
  for (const st of o.scenario.setups) {
    if (st.from !== undefined || typeof st.fields.value !== 'string' && typeof st.fields.value !== 'number') continue
    let v: bigint
    try {
      v = parseAmount(substitute(String(st.fields.value), baseContext(o.scenario, new Map()), `${st.where}.value`), `${st.where}.value`)
    } catch {
      continue
    }
    const list = signers.get(st.fromPool ?? ADMIN_POOL)!
    for (const sg of st.forAllAccounts ? list : list.slice(0, 1)) need.set(sg.address, need.get(sg.address)! + v)
  }
  const groups = new Map<bigint, Address[]>()
  for (const [a, v] of need) groups.set(v, [...(groups.get(v) ?? []), a])
  for (const [minBalance, accounts] of groups) {
    await fundPool({ rpc: o.rpc, chainId: o.chainId, funder, accounts, minBalance, fees: o.fees.current, log: o.log, ...(o.signal ? { signal: o.signal } : {}) })
  }
  o.log.debug({ accounts: need.size, pools: plan.all.map((p) => `${p.name}×${p.size}`).join(' ') }, `scenario accounts hold at least ${formatEther(o.minBalance)} ETH`)
}

interface TxRequest {
  to?: Address
  data?: Hex
  value?: bigint
  gas?: bigint
  accessList?: Spec['accessList']
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
}

/** Signs and sends one create/setup tx and waits until it is mined; a revert or rejection is fatal. */
async function sendAndWait(o: PrepareOptions, nonces: Nonces, signer: Signer, req: TxRequest, where: string): Promise<Receipt> {
  const value = req.value ?? 0n
  let gas = req.gas
  if (gas === undefined) {
    const call = { from: signer.address, ...(req.to ? { to: req.to } : {}), data: req.data ?? '0x', value: `0x${value.toString(16)}` }
    try {
      const est = BigInt(await o.rpc.request<string>('eth_estimateGas', [call]))
      gas = est + est / 4n
    } catch (err) {
      const why = err instanceof RpcError ? err.message : describeError(err)
      throw new FatalError('SETUP_FAILED', `${where}: eth_estimateGas failed (the call would revert?): ${why}`)
    }
  }
  const nonce = await nonces.take(signer.address)
  let tx: TransactionSerializable
  if (req.to) {
    tx = buildTx({ chainId: o.chainId, nonce, to: req.to, value, gas, ...(req.data ? { data: req.data } : {}), ...(req.accessList ? { accessList: req.accessList } : {}), ...(req.maxFeePerGas !== undefined ? { maxFeePerGas: req.maxFeePerGas } : {}), ...(req.maxPriorityFeePerGas !== undefined ? { maxPriorityFeePerGas: req.maxPriorityFeePerGas } : {}) }, o.fees.current)
  } else {
    const f = o.fees.current
    tx = f.type === 'eip1559'
      ? { type: 'eip1559', chainId: o.chainId, nonce, gas, value, data: req.data!, maxFeePerGas: f.maxFeePerGas, maxPriorityFeePerGas: f.maxPriorityFeePerGas }
      : { type: 'legacy', chainId: o.chainId, nonce, gas, value, data: req.data!, gasPrice: f.gasPrice }
  }
  const signed = await signer.signTransaction(tx)
  let txHash: Hex
  try {
    txHash = await o.rpc.request<Hex>('eth_sendRawTransaction', [signed])
  } catch (err) {
    nonces.forget(signer.address)
    const why = describeError(err)
    const hint = /insufficient funds/i.test(why) ? ` (top the scenario's accounts up higher: --min-balance, now ${formatEther(o.minBalance)} ETH)` : ''
    throw new FatalError('SETUP_FAILED', `${where}: the node refused the tx from ${signer.address}: ${why}${hint}`)
  }
  const deadline = performance.now() + (o.receiptTimeoutMs ?? 120_000)
  for (;;) {
    if (o.signal?.aborted) throw new FatalError('CANCELLED', `${where}: cancelled while waiting for ${txHash}`)
    const r = await o.rpc.request<Receipt | null>('eth_getTransactionReceipt', [txHash])
    if (r) {
      if (r.status !== '0x1') throw new FatalError('SETUP_FAILED', `${where}: tx ${txHash} from ${signer.address} reverted (block ${Number(BigInt(r.blockNumber))})`)
      return r
    }
    if (performance.now() > deadline) throw new FatalError('SETUP_TIMEOUT', `${where}: tx ${txHash} not mined after ${Math.round((o.receiptTimeoutMs ?? 120_000) / 1000)} s`)
    await new Promise((res) => setTimeout(res, 150))
  }
}

export type { PoolSize }
