/** Deployment records: what `floodgate setup` deployed, kept per chain and scenario for later runs. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Address, Hex } from 'viem'
import { UsageError } from '../base/errors.js'

/**
 * What `floodgate setup` deployed, kept in the state directory per chain id and scenario
 * (`deployments/<chain id>/<scenario>[@<label>].json`), so a later `run` or `gen` reuses the
 * contracts. `createHash` / `setupHash` fingerprint what produced them: a changed scenario,
 * deployer or pool means they are not reused.
 */
export interface DeploymentRecord {
  version: 1
  scenario: string
  label?: string
  chainId: number
  createHash: string
  setupHash?: string
  contracts: Record<string, { address: Address; codeHash: Hex }>
  updatedAt: string
}

const LABEL_RE = /^[A-Za-z0-9_.-]{1,64}$/

export function checkLabel(label: string | undefined): void {
  if (label !== undefined && !LABEL_RE.test(label)) throw new UsageError(`--label: ${JSON.stringify(label)} must be 1-64 letters, digits, _ . -`)
}

export function recordPath(stateDir: string, chainId: number, scenario: string, label?: string): string {
  checkLabel(label)
  const safe = scenario.replace(/[^A-Za-z0-9_.-]/g, '_')
  return join(stateDir, 'deployments', String(chainId), `${safe}${label ? `@${label}` : ''}.json`)
}

export function readRecord(path: string): DeploymentRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as DeploymentRecord
    return r.version === 1 && typeof r.contracts === 'object' ? r : undefined
  } catch {
    return undefined
  }
}

export function writeRecord(path: string, r: DeploymentRecord): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 })
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(r, null, 2)}\n`, { mode: 0o600 })
  renameSync(tmp, path)
}
