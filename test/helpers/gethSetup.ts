/** vitest global setup: where the pinned geth is, or that Go can build it (gethForTests.ts), handed to the geth tests. */
import type { TestProject } from 'vitest/node'
import { locateGeth } from './gethForTests.js'

export default function setup(project: TestProject): void {
  const geth = locateGeth()
  if (geth.missing) {
    if (process.env.CI === 'true') throw new Error(`CI=true and the geth tests cannot run: ${geth.missing}`)
    process.stderr.write(`geth tests skipped: ${geth.missing}\n`)
  }
  project.provide('geth', geth)
}
