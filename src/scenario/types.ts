/** The types of a validated scenario file, and ScenarioError. */
/**
 * A scenario file (contender's TOML format), validated but not yet resolved: placeholders
 * (`{name}`, `{_sender}`) are still in the strings. `where` names the entry for messages
 * (`spam[2].tx`, `create[0] (weth)`, `setup[3] (admin_approve_router)`).
 */

import { FloodgateError, type ErrorOptions } from '../base/errors.js'

/** contender's default pool of [[create]] and [[setup]] steps that name no sender. */
export const ADMIN_POOL = 'admin'
/** contender's default pool of [[spam]] txs that name no sender. */
export const SPAM_POOL = 'spammers'

export interface FuzzDef {
  /** What is fuzzed: a named parameter of the signature, the tx value, or the tip. */
  target: { param: string } | { value: true } | { tip: true }
  min: bigint
  /** Exclusive upper bound, as in contender (`min + h mod (max - min)`); min == max gives min. */
  max: bigint
}

/** A [[setup]] step or a [spam.tx]: the fields of a stream spec, plus contender's scenario fields. */
export interface CallDef {
  where: string
  /** Stream-spec fields as written (strings may hold placeholders). */
  fields: Record<string, unknown>
  from?: string
  fromPool?: string
  fuzz: FuzzDef[]
  forAllAccounts: boolean
}

export interface CreateDef {
  where: string
  name: string
  bytecode: string
  /** Constructor parameters, e.g. `(uint256 initialSupply)`. */
  signature?: string
  args: unknown[]
  from?: string
  fromPool?: string
}

export interface SpamDef {
  where: string
  tx: CallDef
  /** floodgate extension: share of this entry in the mix (default 1). */
  weight: number
}

export interface Scenario {
  /** File name without `.toml`: the key of its deployment record. */
  name: string
  /** Where it was read from (absolute path). */
  path: string
  /** Hash of the file's bytes. */
  sourceHash: string
  env: Record<string, string>
  creates: CreateDef[]
  setups: CallDef[]
  spam: SpamDef[]
}

/** A scenario file that cannot be used: always names the entry and the problem. */
export class ScenarioError extends FloodgateError {
  override name = 'ScenarioError'
  constructor(message: string, opts: ErrorOptions = {}) {
    super('SCENARIO_INVALID', message, opts)
  }
}
