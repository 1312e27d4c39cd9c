import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { buildReport, linesOf, MAX_REPORT_LINE_CHARS } from '../../../src/report/analyze.js'

/** Issue 23: `report`'s line reader is linear and bounded on a log of one endless line. */
async function all(chunks: Iterable<string | Buffer>): Promise<string[]> {
  const out: string[] = []
  for await (const lines of linesOf((async function* () { yield* chunks })())) out.push(...lines)
  return out
}

describe('report: the lines of a log', () => {
  test('behavior: the same lines as split("\\n"), whatever the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom('a', 'b', '\n', 'é', '{') , maxLength: 200 }), fc.array(fc.nat(), { maxLength: 8 }), async (text, cuts) => {
        const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
        const chunks: string[] = []
        let from = 0
        for (const c of at) chunks.push(text.slice(from, (from = c)))
        chunks.push(text.slice(from))
        const expected = text.split('\n')
        if (expected.at(-1) === '') expected.pop()
        expect(await all(chunks)).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })

  test('behavior: a 64 MiB line without a newline, in 64 KiB chunks, is cut at 16 MiB and counted as not an event; the lines after it still count', async () => {
    const piece = 'x'.repeat(64 * 1024)
    function* chunks() {
      for (let i = 0; i < 1024; i++) yield piece
      yield '\n{"version":1,"type":"summary","reason":"eof"}\n'
    }
    const lines = await all(chunks())
    expect(lines).toHaveLength(2)
    expect(lines[0]!.length).toBe(MAX_REPORT_LINE_CHARS)
    const report = await buildReport((async function* () { yield* chunks() })())
    expect(report.ignored).toBe(1)
    expect(report.events).toBe(1)
  }, 20_000)
})
