/**
 * Preparing a scenario for `run`/`setup`: its templates checked, its accounts funded, its
 * [[create]] contracts deployed and [[setup]] steps run, or what a deployment record says was
 * done reused. The pieces: entrySpecs.ts (what an entry's tx carries), scenarioAccounts.ts (who
 * sends it), fundScenario.ts (top-ups), sendStep.ts (one tx sent and mined).
 */
import { createHash } from 'node:crypto'
import { type Address, type Hex, getAddress, keccak256 } from 'viem'
import type { PoolSize } from '../accounts/derivePoolKeys.js'
import { SendSession } from '../sender/sendSession.js'
import { FatalError, UsageError } from '../base/errors.js'
import { compileSpam, resolveCall } from './generate.js'
import { planPools, type PoolPlan } from './planPools.js'
import { type DeploymentRecord, readRecord, recordPath, writeRecord } from './record.js'
import { awaitDeployment, isShardPool, ownSetups, scenarioKeys } from './shardSetup.js'
import { waitFundingTurn } from '../accounts/fundingTurn.js'
import type { Shard } from '../base/shard.js'
import { baseContext, bytecodeHex, encodeConstructorArgs, parseCallSpec, setupSpec } from './entrySpecs.js'
import { fundScenario } from './fundScenario.js'
import { type Accounts, scenarioAccounts } from './scenarioAccounts.js'
import { coverCosts, sendAndWait, stepFields, stepOf } from './sendStep.js'
import { type TemplateContext, substitute } from './template.js'
import type { PrepareOptions } from './prepareOptions.js'
import { type Scenario, ScenarioError } from './types.js'


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

const hash = (v: unknown) => createHash('sha256').update(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))).digest('hex')

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
  const session = new SendSession({
    chain: o.chain,
    retries: o.retries,
    maxOutageMs: o.maxOutageMs,
    log: o.log,
    ...(o.receiptTimeoutMs !== undefined ? { receiptTimeoutMs: o.receiptTimeoutMs } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  })
  try {
    if (o.shard && o.shard.index > 0) return await joinShard({ ...o, shard: o.shard }, session, plan, accounts)
    return await deployAndSetUp(o, session, plan, accounts)
  } finally {
    // the session's receipt tracker stops with the setup, failed or not
    await session.close()
  }
}

/** Unsharded, or shard 0: funds the scenario's accounts, deploys (or reuses) its contracts, runs (or skips) its setup, and records it. */
async function deployAndSetUp(o: PrepareOptions, session: SendSession, plan: PoolPlan, accounts: Accounts): Promise<Prepared> {
  const s = o.scenario
  if (!o.skipFunding) await fundScenario(o, session, plan, accounts.signers, accounts.funder)

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
      const keys = scenarioKeys(own, o.seed, { index: j + 1, count: o.shard.count }, o.keyDerivation).flat()
      return keys.map((k) => o.chain.makeSigner(k).address)
    })
    await waitFundingTurn({ reads: session.reads, earlier, minBalance: o.chain.minBalance, log: o.log, cancel: session.cancel })
    await fundScenario(mine, session, own, accounts.signers, accounts.funder)
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

async function stillDeployed(session: SendSession, s: Scenario, record: DeploymentRecord): Promise<boolean> {
  for (const c of s.creates) {
    const r = record.contracts[c.name]
    if (!r) return false
    const code = await session.reads.read<Hex>('eth_getCode', [r.address, 'latest'])
    if (code === '0x' || keccak256(code) !== r.codeHash) return false
  }
  return true
}

export type { PoolSize }

export type { PrepareOptions }
