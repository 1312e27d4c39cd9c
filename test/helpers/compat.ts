import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './cli.js'

/**
 * contender's own scenario files, read where the checkout's neighbours keep them
 * (`../shared/compat/contender/scenarios/`, relative to the repository root; CI always has
 * it). Never copied into the repository.
 */
export const CONTENDER_SCENARIOS = join(ROOT, '..', 'shared', 'compat', 'contender', 'scenarios')

/**
 * The folder, or undefined after skipping the test with a plain message when it is absent.
 * With CI=true an absent folder fails the test instead: CI must run these.
 */
export function contenderScenarios(ctx: { skip: (note?: string) => void }): string | undefined {
  if (existsSync(CONTENDER_SCENARIOS)) return CONTENDER_SCENARIOS
  const note = "skipped: contender's scenario files are absent (../shared/compat/contender/scenarios beside the checkout)"
  if (process.env.CI === 'true') throw new Error(`${note.replace('skipped: ', '')}; CI must have them`)
  console.warn(note)
  ctx.skip(note)
  return undefined
}

/** contender's campaign files (`../shared/compat/contender/campaigns/`), read where they are; never copied. */
export const CONTENDER_CAMPAIGNS = join(ROOT, '..', 'shared', 'compat', 'contender', 'campaigns')

/** The twelve contender scenarios floodgate runs unchanged. */
export const CONTENDER_RUNNABLE = ['simple', 'simpler', 'reverts', 'simpleAccessList', 'slotContention', 'stress', 'mempool', 'uniV2', 'modexp', 'precompileStress', 'blobs', 'setCode'] as const
/** The ones whose spam is of a newer tx type than EIP-1559, and that type's byte. */
export const CONTENDER_TX_TYPES = { blobs: '0x3', setCode: '0x4' } as const
