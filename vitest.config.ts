import { configDefaults, defineConfig } from 'vitest/config'

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
  'test/e2e/gethLoad.test.ts',
]

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // e2e files each start their own anvil; two cores, so keep file parallelism modest
    maxWorkers: 2,
    pool: 'forks',
    // where the pinned geth is, or that Go can build it, for the geth tests (skipped without either, but not under CI=true)
    globalSetup: ['test/helpers/gethSetup.ts'],
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...TIMING] } },
      { extends: true, test: { name: 'timing', include: TIMING, fileParallelism: false, maxWorkers: 1 } },
    ],
  },
})
