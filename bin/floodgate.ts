#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8'
import { main } from '../src/cli/main.js'

// V8 lets its old space grow to the live heap × a factor it picks after each full GC (1.1 to 4)
// from how fast its GC runs against the program; on a busy machine the GC looks slow, the factor
// rises, and a long run's old space fills with dead per-tx objects (they live about a block,
// long enough to be promoted) to 2-3 times the live heap before the next full GC: RSS swelled by
// 50-66 % for minutes at 1,000 tx/s while the live heap stayed flat. Pinned at 1.3 the run does a
// full GC every few seconds instead (docs/benchmarks.md); a --heap-growing-percent given to node wins.
if (!process.execArgv.some((a) => a.startsWith('--heap-growing-percent'))) setFlagsFromString('--heap-growing-percent=30')

await main(process.argv)
