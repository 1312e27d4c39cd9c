import { writeFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { BoundedQueue } from '../../../src/dispatch/boundedQueue.js'
import { intake } from '../../../src/dispatch/intake.js'
import type { DrainingSink } from '../../../src/events/eventSink.js'
import { createLogger } from '../../../src/log.js'
import { parseContext, type IndexedSpec } from '../../../src/stream/spec.js'
import { hostileLine } from '../../helpers/hostileLines.js'

/**
 * Issue 23: the line parser fuzzed with deep and huge structures through the real intake (the
 * line reader, the parser, the invalid_spec events): every line ends in exactly one outcome (a
 * queued spec or one invalid_spec), nothing escapes, the heap stays bounded. Bounded in time
 * here (a few seconds); `node bench/fuzz-input.mjs --minutes 10` runs it for longer.
 */
const ctx = parseContext([['executors', []]])
// bench/fuzz-input.mjs sets these: how long to run, with which seed, and where to write the figures
const MINUTES = Number(process.env.FLOODGATE_FUZZ_MINUTES ?? 0)
const SEED = Number(process.env.FLOODGATE_FUZZ_SEED ?? 23)
const RUNS = MINUTES > 0 ? { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: MINUTES * 60_000, markInterruptAsFailure: false } : { numRuns: 200 }
/** The line reader's blank lines and comments: no event. */
const silent = (l: string) => /^[ \t\r\v\f]*(#|$)/.test(l)

async function throughIntake(lines: string[]): Promise<{ specs: number; invalid: number[]; end: string }> {
  const invalid: number[] = []
  const events: DrainingSink = { emit: (e) => void (e.type === 'invalid_spec' && invalid.push(e.line)), emitOwned: () => {}, needsDrain: false, drained: async () => {} }
  const queue = new BoundedQueue<IndexedSpec>(1_000_000)
  const input = (async function* () {
    for (const l of lines) yield `${l}\n`
  })()
  const end = await intake({ input, ctx, queue, events, log: createLogger({ level: 'silent' }), stop: new AbortController().signal, maxLineBytes: 1024 * 1024 })
  return { specs: queue.drain().length, invalid, end }
}

describe('fuzz: the line parser on hostile lines', () => {
  test('behavior: one outcome per line, no throw out of the intake, the heap bounded (200 batches of up to 8 lines)', async () => {
    const heapBefore = process.memoryUsage().heapUsed
    let maxHeap = 0
    let runs = 0
    let lineCount = 0
    await fc.assert(
      fc.asyncProperty(fc.array(hostileLine, { minLength: 1, maxLength: 8 }), async (lines) => {
        const r = await throughIntake(lines)
        expect(r.end).toBe('eof')
        // blank lines and comments get no event; every other line exactly one
        const counted = lines.filter((l) => !silent(l)).length
        expect(r.specs + r.invalid.length).toBe(counted)
        expect(new Set(r.invalid).size).toBe(r.invalid.length)
        maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed)
        runs++
        lineCount += lines.length
      }),
      { ...RUNS, seed: SEED },
    )
    if (process.env.FLOODGATE_FUZZ_OUT) {
      const figures = { minutes: MINUTES, seed: SEED, runs, lines: lineCount, max_heap_over_start_mb: Math.round((maxHeap - heapBefore) / 2 ** 20), max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }
      writeFileSync(process.env.FLOODGATE_FUZZ_OUT, `${JSON.stringify(figures)}\n`)
    }
    // each batch is at most 8 lines of 1 MiB: what it holds is gone after it
    expect(maxHeap - heapBefore).toBeLessThan(512 * 1024 * 1024)
  }, 60_000 + MINUTES * 60_000 * 1.2)
})
