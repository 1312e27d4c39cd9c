import { configDefaults, defineConfig } from 'vitest/config'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * Tests that measure rates or latencies against a tolerance (±2 %, ±5 %, ±15 %: pacing, load
 * shapes, campaign stages, shards × rate, --tps auto; a 20 ms longer path's latency per
 * endpoint; heavy txs' capacity, ±30 %; a filled spec's end, within a gap check; a minute at 500
 * tx/s). They run in a project of their own, one file at a time and after everything else
 * (vitest puts a project with maxWorkers 1 in a last, sequential group), so no other file (the
 * chaos matrices start several anvils at once) competes for the two cores.
 */
const TIMING = [
  'test/e2e/pacing.test.ts',
  'test/e2e/loadShapes.test.ts',
  'test/e2e/campaigns.test.ts',
  'test/e2e/shardsRun.test.ts',
  'test/e2e/autoRate.test.ts',
  'test/e2e/endpoints.test.ts',
  'test/e2e/heavy.test.ts',
  'test/e2e/atCapacity.test.ts',
  'test/e2e/filledSpec.test.ts',
]

/**
 * The files that start geth and nothing else run last in their project: on a fresh machine
 * `.ci/run` (or their first test) is still building geth early in the run, and a geth file
 * started then holds a worker idle until the build ends (CI: minutes). Files that also test
 * other nodes (chaos, funds, heavy, …) keep their place.
 */
const GETH_ONLY = /\/geth[A-Z]\w*\.test\.ts$/

class GethLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    return [...sorted.filter((f) => !GETH_ONLY.test(f.moduleId)), ...sorted.filter((f) => GETH_ONLY.test(f.moduleId))]
  }
}

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // e2e files each start their own anvil; two cores, so keep file parallelism modest
    maxWorkers: 2,
    pool: 'forks',
    sequence: { sequencer: GethLast },
    // where the pinned geth is, or that Go can build it, for the geth tests (skipped without either, but not under CI=true)
    globalSetup: ['test/helpers/gethSetup.ts'],
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...TIMING] } },
      { extends: true, test: { name: 'timing', include: TIMING, fileParallelism: false, maxWorkers: 1 } },
    ],
  },
})
