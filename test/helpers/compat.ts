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

/** The ten contender scenarios floodgate runs unchanged, and the two that need tx types it lacks. */
export const CONTENDER_RUNNABLE = ['simple', 'simpler', 'reverts', 'simpleAccessList', 'slotContention', 'stress', 'mempool', 'uniV2', 'modexp', 'precompileStress'] as const
export const CONTENDER_NOT_YET = { blobs: /blob_data needs blob transactions \(EIP-4844\)/, setCode: /authorization_address needs set-code transactions \(EIP-7702\)/ } as const
