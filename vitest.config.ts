import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // e2e files each start their own anvil; two cores, so keep file parallelism modest
    maxWorkers: 2,
    pool: 'forks',
  },
})
