/** Gas limits for a scenario's spam entries that give none, estimated once before the spam. */
import type { Address } from 'viem'
import type { Logger } from '../log.js'
import { NodeHealth } from '../rpc/nodeHealth.js'
import type { Rpc } from '../rpc/rpc.js'
import { ChainReads } from '../sender/chainReads.js'
import { parseSpec } from '../stream/parseSpec.js'
import { NO_POOLS, SENDER_PLACEHOLDER } from '../stream/spec.js'
import type { CompiledStep } from './generate.js'

/** Headroom over the largest sampled estimate: state moves between the estimate and the block. */
const headroom = (gas: bigint) => gas + gas / 4n + 50_000n

/**
 * Gives every [[spam]] entry without a `gas_limit` one of its own, from `eth_estimateGas` of a
 * few of its calls (fuzz at both ends of its ranges), made once before the spam starts.
 *
 * Why: `send` caches one estimate per (to, selector), which is right for a stream but not for
 * a scenario whose entries call one function with very different costs (precompileStress:
 * `callPrecompile("ecPairing", …)` vs `callPrecompile("identity", …)`), and an estimate made in
 * the block the setup ran in can be low for the blocks after (uniV2: the pair's first swap in
 * a later block also writes its price accumulators). An entry whose estimate fails keeps no
 * limit: its txs then fail `GAS_ESTIMATION_FAILED` per tx, in the events. The estimates are reads
 * like any other: retried through transient failures and outages (`--retries`, `--max-outage`).
 */
export async function estimateSteps(steps: CompiledStep[], rpc: Rpc, o: { retries: number; maxOutageMs: number; signal?: AbortSignal }, senderOf: (pool: string) => Address | undefined, log: Logger): Promise<void> {
  const reads = new ChainReads({ rpc, health: new NodeHealth(o.maxOutageMs), retries: o.retries, cancel: o.signal ?? new AbortController().signal })
  for (const step of steps) {
    if (step.base.gas_limit !== undefined) continue
    const sender = senderOf(step.pool)
    if (!sender) continue
    const samples: Record<string, unknown>[] = [{ ...step.base }]
    if (step.fuzz.length > 0) {
      const lo = { ...step.base }
      const hi = { ...step.base }
      for (const f of step.fuzz) {
        f.apply(lo, f.min)
        f.apply(hi, f.span > 0n ? f.min + f.span - 1n : f.min)
      }
      samples.push(lo, hi)
    }
    let best = 0n
    try {
      for (const sample of samples) {
        const { from_pool: _p, from: _f, ...fields } = sample
        const r = parseSpec(JSON.stringify(fields), 0, NO_POOLS)
        if (!r.ok) break // validated before; nothing to estimate
        const spec = r.spec
        // a set-code tx runs the code it delegates to, which a plain estimate made now cannot see:
        // the worker estimates it with the tx's signed authorization
        if (spec.authorizationAddress !== undefined) break
        const data = typeof spec.calldata === 'function' ? spec.calldata(sender) : spec.calldata
        if (!data || data === '0x') continue // a plain transfer: 21000, send knows
        const to = spec.to === SENDER_PLACEHOLDER ? sender : spec.to
        const call = { from: sender, to, data, value: `0x${spec.value.toString(16)}`, ...(spec.accessList ? { accessList: spec.accessList } : {}) }
        const gas = BigInt(await reads.read<string>('eth_estimateGas', [call]))
        if (gas > best) best = gas
      }
    } catch (err) {
      log.warn({ entry: step.where, error: (err as Error).message }, 'eth_estimateGas failed for this spam entry; its txs will be estimated (and may fail) one by one')
      continue
    }
    if (best > 0n) {
      step.base.gas_limit = headroom(best).toString()
      log.debug({ entry: step.where, gas_limit: step.base.gas_limit }, 'gas limit from estimate')
    }
  }
}
