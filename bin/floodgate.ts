#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8'
import { main } from '../src/cli/main.js'

// V8 lets its old space grow to the live heap × a factor it picks after each full GC, from the
// ratio r of its GC's speed to the program's old-space allocation speed: a/b with a = 0.03 r,
// b = 0.03 r − 0.97, clipped to 1.1-4 (heap-controller.cc). The full GC right after start-up
// measures the start-up's burst (r ≈ 36: factor 4), and on a busy machine r falls again; a
// run's dead per-tx objects (they live about a block, long enough to be promoted, ≈1.7 KB a tx)
// then fill the old space to 3-4 times the live heap before the next full GC: RSS swelled by
// 30-66 % for a minute or more while the live heap stayed flat. Pinned at 1.3 the run does a
// full GC every few seconds instead (docs/benchmarks.md); a --heap-growing-percent given to node wins.
if (!process.execArgv.some((a) => a.startsWith('--heap-growing-percent'))) setFlagsFromString('--heap-growing-percent=30')

await main(process.argv)
