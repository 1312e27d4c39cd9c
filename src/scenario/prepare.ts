import { createHash } from 'node:crypto'
import { keyOf, type Key } from '../base/key.js'
import { type Address, type Hex, formatEther, getAddress, keccak256, toHex, zeroAddress } from 'viem'
import { fundAccounts } from '../accounts/fundAccounts.js'
import { coverStepCosts, type StepCost } from './fundSteps.js'
import type { PoolSize } from '../accounts/derivePoolKeys.js'
import type { RpcReceipt } from '../chain/receipts.js'
import { SendSession } from '../sender/sendSession.js'
import { SendFailure, type SendProgress } from '../sender/signerSender.js'
import type { Chain } from '../startup/openChain.js'
import type { TxFields } from '../tx/buildTx.js'
import { withHeadroom } from '../tx/gasEstimator.js'
import type { Signer } from '../tx/signer.js'
import { FatalError, UsageError, describeError } from '../base/errors.js'
import type { Logger } from '../log.js'
import { parseSpec } from '../stream/parseSpec.js'
import { parseAmount } from '../stream/parseValue.js'
import { NO_POOLS, SENDER_PLACEHOLDER, type Spec } from '../stream/spec.js'
import { compileSpam, resolveCall } from './generate.js'
import { planPools, type PoolPlan } from './planPools.js'
import { type DeploymentRecord, readRecord, recordPath, writeRecord } from './record.js'
import { awaitDeployment, isShardPool, ownSetups, scenarioKeys } from './shardSetup.js'
import { waitFundingTurn } from '../accounts/fundingTurn.js'
import type { Shard } from '../base/shard.js'
import { type TemplateContext, substitute, withHexPrefix } from './template.js'
import { ADMIN_POOL, type CreateDef, type Scenario, ScenarioError } from './types.js'

export interface PrepareOptions {
  scenario: Scenario
  /** The open chain: its RPC, chain id, fees, signer backend, funder key and top-up minimum. */
  chain: Chain
  log: Logger
  /** Pool derivation seed (the same `send` uses). */
  seed: string
  accountsPerPool: number
  /** Retries of a read or a send after a transient failure (`--retries`). */
  retries: number
  /** How long the node may stay unreachable before setup gives up. */
  maxOutageMs: number
  skipFunding: boolean
  /** Where deployment records live; none: nothing is recorded or reused (the embedded devnet). */
  stateDir?: string
  label?: string
  redeploy: boolean
  signal?: AbortSignal
  /** How long to wait for one create/setup tx to be mined. */
  receiptTimeoutMs?: number
  /** `run --shard i/n`: spam pools of the shard's own; shard i > 0 waits for shard 0's deployment (shardSetup.ts). */
  shard?: Shard
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
  const r = parseSpec(JSON.stringify(obj), 0, NO_POOLS)
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

/** A create/setup tx's receipt: what setup reads of it. */
type Receipt = RpcReceipt & { contractAddress?: Address | null }

/** The scenario's signers: its pools' accounts and the funder, and who sends each entry. */
interface Accounts {
  signers: Map<string, Signer[]>
  funder: Signer | undefined
  /** The signers an entry's `from` / `from_pool` names (a literal `from` must be one floodgate holds the key of). */
  senderOf(from: string | undefined, fromPool: string | undefined, where: string): Signer[]
}

function scenarioAccounts(o: PrepareOptions, plan: PoolPlan): Accounts {
  const s = o.scenario
  const keys = scenarioKeys(plan, o.seed, o.shard)
  const signers = new Map<string, Signer[]>()
  plan.all.forEach((p, i) => signers.set(p.name, keys[i]!.map((k) => o.chain.makeSigner(k))))
  for (const k of keys) k.fill('0x')
  const funder = o.chain.funderKey ? o.chain.makeSigner(o.chain.funderKey) : undefined
  const known = new Map<Key, Signer>()
  for (const list of signers.values()) for (const sg of list) known.set(keyOf(sg.address), sg)
  if (funder) known.set(keyOf(funder.address), funder)
  const senderOf = (from: string | undefined, fromPool: string | undefined, where: string): Signer[] => {
    if (from === undefined) return signers.get(fromPool ?? ADMIN_POOL)!
    const address = String(withHexPrefix(substitute(from, baseContext(s, new Map()), `${where}.from`)))
    const sg = known.get(keyOf(address))
    if (!sg) throw new UsageError(`scenario ${s.name}: ${where}.from: floodgate has no key for ${from}; name a pool with from_pool (floodgate derives its accounts) or use the funder's address`)
    return [sg]
  }
  return { signers, funder, senderOf }
}

/**
 * Deploys the [[create]] contracts and runs the [[setup]] steps of a scenario, or reuses what
 * the state directory records for this chain, scenario and label. Funds every scenario account
 * first. Each create/setup tx is mined (and must succeed) before the next step, since later
 * steps use earlier contracts. Every tx goes through the signer's sender (sender/).
 */
export async function prepareScenario(o: PrepareOptions): Promise<Prepared> {
  const s = o.scenario
  validateScenario(s)
  const plan = planPools(s, o.accountsPerPool)
  const accounts = scenarioAccounts(o, plan)
  const session = new SendSession({ chain: o.chain, retries: o.retries, maxOutageMs: o.maxOutageMs, ...(o.signal ? { signal: o.signal } : {}) })
  if (o.shard && o.shard.index > 0) return joinShard({ ...o, shard: o.shard }, session, plan, accounts)
  if (!o.skipFunding) await fund(o, session, plan, accounts.signers, accounts.funder)

  const file = o.stateDir !== undefined ? recordPath(o.stateDir, o.chain.chainId, s.name, o.label) : undefined
  const record = file ? readRecord(file) : undefined
  const created = await deployContracts(o, session, accounts, record, file)
  const { contracts } = created
  const codeHashes: DeploymentRecord['contracts'] = {}
  for (const c of s.creates) {
    const address = contracts.get(c.name)!
    codeHashes[c.name] = { address, codeHash: keccak256(await session.reads.read<Hex>('eth_getCode', [address, 'latest'])) }
  }
  const setupSenders = s.setups.map((st) => accounts.senderOf(st.from, st.fromPool, st.where).map((sg) => sg.address))
  const setupHash = hash({ setups: s.setups, env: s.env, contracts: Object.fromEntries(contracts), setupSenders })
  const reusedSetup = created.reused && record?.setupHash === setupHash
  if (!reusedSetup) await runSetups(o, session, accounts, contracts)
  else if (s.setups.length) o.log.info({ scenario: s.name, steps: s.setups.length }, 'setup steps already ran for these contracts and accounts; skipping them')

  if (file) {
    writeRecord(file, {
      version: 1,
      scenario: s.name,
      ...(o.label !== undefined ? { label: o.label } : {}),
      chainId: o.chain.chainId,
      createHash: created.createHash,
      setupHash,
      contracts: codeHashes,
      updatedAt: new Date().toISOString(),
    })
  }
  const poolAddresses = new Map([...accounts.signers].map(([name, list]) => [name, list.map((sg) => sg.address)]))
  return { contracts, pools: plan, reusedContracts: created.reused, reusedSetup, ...(file ? { recordFile: file } : {}), poolAddresses }
}

/**
 * Shard i > 0 of a sharded run: waits for shard 0's deployment (its record), then, in turn
 * with the other shards, funds its own spam accounts and runs their `for_all_accounts` setup
 * steps; what shard 0 deployed and set up is not touched.
 */
async function joinShard(o: PrepareOptions & { shard: Shard }, session: SendSession, plan: PoolPlan, accounts: Accounts): Promise<Prepared> {
  const s = o.scenario
  const file = o.stateDir !== undefined ? recordPath(o.stateDir, o.chain.chainId, s.name, o.label) : undefined
  const createHash = createHashOf(s, accounts)
  // nothing of shard 0's to wait for when the scenario deploys nothing and sets up only per account
  const shared = s.creates.length > 0 || s.setups.length > ownSetups(s, plan).length
  const record = !shared ? undefined : await awaitDeployment({
    file,
    shard: o.shard,
    matches: async (r) => r.createHash === createHash && (await stillDeployed(session, s, r)),
    ...(o.redeploy ? { notBefore: Date.now() } : {}),
    log: o.log,
    cancel: session.cancel,
  })
  const contracts = new Map(s.creates.map((c) => [c.name, record!.contracts[c.name]!.address]))
  const own: PoolPlan = { all: plan.all.filter((p) => isShardPool(plan, p.name)), spam: plan.spam }
  const mine = { ...o, scenario: { ...s, setups: ownSetups(s, plan) } }
  if (!o.skipFunding) {
    const earlier = Array.from({ length: o.shard.index - 1 }, (_, j) => {
      const keys = scenarioKeys(own, o.seed, { index: j + 1, count: o.shard.count }).flat()
      return keys.map((k) => o.chain.makeSigner(k).address)
    })
    await waitFundingTurn({ reads: session.reads, earlier, minBalance: o.chain.minBalance, log: o.log, cancel: session.cancel })
    await fund(mine, session, own, accounts.signers, accounts.funder)
  }
  await runSetups(mine, session, accounts, contracts)
  const poolAddresses = new Map([...accounts.signers].map(([name, list]) => [name, list.map((sg) => sg.address)]))
  return { contracts, pools: plan, reusedContracts: true, reusedSetup: false, ...(file ? { recordFile: file } : {}), poolAddresses }
}

/** The fingerprint of the [[create]] entries and who deploys them. */
function createHashOf(s: Scenario, accounts: Accounts): string {
  const deployers = s.creates.map((c) => accounts.senderOf(c.from, c.fromPool, c.where)[0]!.address)
  return hash({ creates: s.creates, env: s.env, deployers })
}

/** The [[create]] contracts: reused when the record matches and the code is still there, else deployed one by one. */
async function deployContracts(o: PrepareOptions, session: SendSession, accounts: Accounts, record: DeploymentRecord | undefined, file: string | undefined) {
  const s = o.scenario
  const createHash = createHashOf(s, accounts)
  const contracts = new Map<string, Address>()
  if (!o.redeploy && record && record.createHash === createHash && (await stillDeployed(session, s, record))) {
    for (const c of s.creates) contracts.set(c.name, record.contracts[c.name]!.address)
    if (s.creates.length > 0) {
      o.log.info({ scenario: s.name, contracts: Object.fromEntries(contracts), record: file }, 'reusing deployed contracts')
      return { contracts, reused: true, createHash }
    }
  }
  for (const [i, c] of s.creates.entries()) {
    const sender = accounts.senderOf(c.from, c.fromPool, c.where)[0]!
    const ctx: TemplateContext = { ...baseContext(s, contracts), sender: sender.address }
    const args = c.args.map((a, j) => (typeof a === 'string' ? substitute(a, ctx, `${c.where}.args[${j}]`) : a))
    const data = `${bytecodeHex(c, ctx)}${c.signature !== undefined ? encodeConstructorArgs(c, args).slice(2) : ''}` as Hex
    const fields = await stepFields(o, session, sender, { data }, c.where)
    await coverCosts(o, session, accounts, [{ signer: sender, fields }])
    const receipt = await sendAndWait(o, session, sender, fields, c.where)
    if (!receipt.contractAddress) throw new FatalError('SETUP_FAILED', `${c.where}: the receipt names no contract address`)
    const address = getAddress(receipt.contractAddress)
    contracts.set(c.name, address)
    o.log.info({ step: `create ${i + 1}/${s.creates.length}`, name: c.name, address }, 'contract deployed')
  }
  return { contracts, reused: false, createHash }
}

/** The [[setup]] steps, in order; a `for_all_accounts` step sends from each of its pool's accounts at once. */
async function runSetups(o: PrepareOptions, session: SendSession, accounts: Accounts, contracts: ReadonlyMap<string, Address>): Promise<void> {
  const s = o.scenario
  for (const [i, st] of s.setups.entries()) {
    const senders = accounts.senderOf(st.from, st.fromPool, st.where)
    const targets = st.forAllAccounts ? senders : senders.slice(0, 1)
    const txs = await Promise.all(
      targets.map(async (signer) => {
        const spec = setupSpec(resolveCall(st, { ...baseContext(s, contracts), sender: signer.address }), st.where)
        return { signer, fields: await stepFields(o, session, signer, stepOf(spec, signer.address), st.where) }
      }),
    )
    await coverCosts(o, session, accounts, txs)
    await Promise.all(txs.map((t) => sendAndWait(o, session, t.signer, t.fields, st.where)))
    o.log.info({ step: `setup ${i + 1}/${s.setups.length}`, entry: st.where, txs: targets.length }, 'setup step done')
  }
}

/** A setup step's spec as the tx its sender sends. */
function stepOf(spec: Spec, sender: Address): StepTx {
  const data = typeof spec.calldata === 'function' ? spec.calldata(sender) : spec.calldata
  const step: StepTx = { to: spec.to === SENDER_PLACEHOLDER ? sender : spec.to, value: spec.value }
  if (data) step.data = data
  if (spec.gasLimit) step.gas = spec.gasLimit
  if (spec.accessList) step.accessList = spec.accessList
  if (spec.maxFeePerGas !== undefined) step.maxFeePerGas = spec.maxFeePerGas
  if (spec.maxPriorityFeePerGas !== undefined) step.maxPriorityFeePerGas = spec.maxPriorityFeePerGas
  return step
}

async function stillDeployed(session: SendSession, s: Scenario, record: DeploymentRecord): Promise<boolean> {
  for (const c of s.creates) {
    const r = record.contracts[c.name]
    if (!r) return false
    const code = await session.reads.read<Hex>('eth_getCode', [r.address, 'latest'])
    if (code === '0x' || keccak256(code) !== r.codeHash) return false
  }
  return true
}

async function fund(o: PrepareOptions, session: SendSession, plan: PoolPlan, signers: Map<string, Signer[]>, funder: Signer | undefined): Promise<void> {
  if (!funder) {
    o.log.warn('no funder key: scenario accounts are not topped up (pass --skip-funding to silence this)')
    return
  }
  // what each account needs: the minimum, plus the value its setup steps send
  const need = new Map<Address, bigint>()
  for (const p of plan.all) for (const sg of signers.get(p.name)!) need.set(sg.address, o.chain.minBalance)
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
    await fundAccounts({ session, chainId: o.chain.chainId, funder, accounts, minBalance, log: o.log })
  }
  o.log.debug({ accounts: need.size, pools: plan.all.map((p) => `${p.name}×${p.size}`).join(' ') }, `scenario accounts hold at least ${formatEther(o.chain.minBalance)} ETH`)
}

/** A create (no `to`) or setup call, from the scenario's entry. */
interface StepTx {
  to?: Address
  data?: Hex
  value?: bigint
  gas?: bigint
  accessList?: Spec['accessList']
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
}

/** A create/setup tx's fields, its gas estimated when the entry gives none. */
async function stepFields(o: PrepareOptions, session: SendSession, signer: Signer, step: StepTx, where: string): Promise<TxFields> {
  const fields: TxFields = { chainId: o.chain.chainId, nonce: 0, value: step.value ?? 0n, gas: step.gas ?? (await estimateStep(session, signer, step, where)) }
  if (step.to) fields.to = step.to
  if (step.data) fields.data = step.data
  if (step.accessList) fields.accessList = step.accessList
  if (step.maxFeePerGas !== undefined) fields.maxFeePerGas = step.maxFeePerGas
  if (step.maxPriorityFeePerGas !== undefined) fields.maxPriorityFeePerGas = step.maxPriorityFeePerGas
  return fields
}

/** Tops a step's senders up to its estimated cost plus the minimum balance (unless funding is skipped). */
function coverCosts(o: PrepareOptions, session: SendSession, accounts: Accounts, txs: StepCost[]): Promise<void> {
  const funder = o.skipFunding ? undefined : accounts.funder
  return coverStepCosts({ session, chainId: o.chain.chainId, funder, fees: o.chain.fees.current, minBalance: o.chain.minBalance, log: o.log }, txs)
}

/**
 * Sends one create/setup tx through the signer's sender (its nonces, its fault handling) and
 * waits until it is mined; a revert or a refusal stops setup with one line naming the entry.
 */
async function sendAndWait(o: PrepareOptions, session: SendSession, signer: Signer, fields: TxFields, where: string): Promise<Receipt> {
  const sender = session.senderOf(signer)
  const sent: SendProgress = { nonce: null, attempts: 0 }
  try {
    await sender.send({ fields }, sent)
  } catch (err) {
    if (!(err instanceof SendFailure)) throw err
    const hint = err.code === 'INSUFFICIENT_FUNDS' ? ` (top the scenario's accounts up higher: --min-balance, now ${formatEther(o.chain.minBalance)} ETH)` : ''
    throw new FatalError('SETUP_FAILED', `${where}: the node refused the tx from ${signer.address}: ${err.message}${hint}`, { cause: err })
  }
  const timeoutMs = o.receiptTimeoutMs ?? 120_000
  const r = (await session.receipt(sent.hash!, timeoutMs)) as Receipt | null
  if (r) {
    if (r.status !== '0x1') throw new FatalError('SETUP_FAILED', `${where}: tx ${sent.hash} from ${signer.address} reverted (block ${Number(BigInt(r.blockNumber))})`)
    return r
  }
  if (session.cancel.aborted) throw new FatalError('CANCELLED', `${where}: cancelled while waiting for ${sent.hash}`)
  throw new FatalError('SETUP_TIMEOUT', `${where}: tx ${sent.hash} not mined after ${Math.round(timeoutMs / 1000)} s`)
}

/** A step's gas: the node's estimate plus 25 %; a failed estimate stops setup naming the entry. */
async function estimateStep(session: SendSession, signer: Signer, step: StepTx, where: string): Promise<bigint> {
  const call = { from: signer.address, ...(step.to ? { to: step.to } : {}), data: step.data ?? '0x', value: toHex(step.value ?? 0n) }
  try {
    return withHeadroom(BigInt(await session.reads.read<string>('eth_estimateGas', [call])))
  } catch (err) {
    throw new FatalError('SETUP_FAILED', `${where}: eth_estimateGas failed (the call would revert?): ${describeError(err)}`, { cause: err })
  }
}

export type { PoolSize }
