import { Writable } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { createLogger } from '../../../src/log.js'
import { ProgressReporter } from '../../../src/metrics/progress.js'
import { RunStats } from '../../../src/metrics/runStats.js'
import { CLEAR_LINE, StatusLine } from '../../../src/metrics/statusLine.js'

/** A stand-in for a terminal: records every write; `isTTY` as asked. */
function fakeTerminal(isTTY: boolean, columns = 120) {
  const writes: string[] = []
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      writes.push(chunk.toString())
      done()
    },
  }) as Writable & { isTTY?: boolean; columns?: number }
  stream.isTTY = isTTY
  stream.columns = columns
  return { stream, writes, text: () => writes.join('') }
}

/** What a terminal would show: apply \r and "erase line" to the written bytes. */
function screen(raw: string): string[] {
  const lines: string[] = ['']
  for (let i = 0; i < raw.length; i++) {
    if (raw.startsWith(CLEAR_LINE, i)) {
      lines[lines.length - 1] = ''
      i += CLEAR_LINE.length - 1
    } else if (raw[i] === '\n') lines.push('')
    else lines[lines.length - 1] = lines.at(-1)! + raw[i]!
  }
  return lines
}

const result = (idx: number, send_ms: number, kind?: string) =>
  ({ version: 1, type: 'tx_result', idx, line: idx + 1, ...(kind ? { kind } : {}), from: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', nonce: idx, tx_hash: `0x${idx.toString(16).padStart(64, '0')}`, start_timestamp_ms: 1_000 + idx, send_ms, attempts: 1 }) as const

describe('StatusLine', () => {
  test('behavior: on a TTY one line is redrawn in place; a log line clears it, prints whole, and the line comes back under it', () => {
    const term = fakeTerminal(true)
    const line = StatusLine.for(term.stream)!
    expect(line).toBeDefined()
    const log = createLogger({ level: 'info', pretty: true, destination: line.logStream })
    line.update('sent 10 · included 0')
    line.update('sent 20 · included 5')
    log.info('funding pool accounts')
    line.update('sent 30 · included 9')
    expect(term.writes[0]).toBe(`${CLEAR_LINE}sent 10 · included 0`)
    // every redraw starts with carriage return + erase line: never a second status line
    expect(term.writes.filter((w) => w.includes('sent ')).every((w) => w.startsWith(CLEAR_LINE))).toBe(true)
    const shown = screen(term.text())
    expect(shown).toHaveLength(2)
    expect(shown[0]).toMatch(/^\d\d:\d\d:\d\d INFO  funding pool accounts$/)
    expect(shown[1]).toBe('sent 30 · included 9')
    line.done()
    expect(screen(term.text()).at(-1)).toBe('')
    line.update('sent 40')
    log.warn('after the end')
    expect(screen(term.text()).at(-1)).toBe('')
    expect(screen(term.text()).at(-2)).toMatch(/WARN  after the end$/)
  })

  test('behavior: a line wider than the terminal is cut to fit (it would wrap and break the redraw)', () => {
    const term = fakeTerminal(true, 20)
    const line = StatusLine.for(term.stream)!
    line.update('x'.repeat(100))
    const shown = screen(term.text())
    expect(shown[0]!.length).toBeLessThanOrEqual(19)
    expect(shown[0]!.endsWith('…')).toBe(true)
  })

  test('behavior: not a TTY: no status line, nothing written', () => {
    const term = fakeTerminal(false)
    expect(StatusLine.for(term.stream)).toBeUndefined()
    const stats = new RunStats()
    const reporter = new ProgressReporter({ stats, receipts: true, refreshMs: 5 })
    reporter.start(() => {})
    reporter.stop()
    expect(term.writes).toEqual([])
  })

  test('behavior: the reporter draws sent / included / pending / tx/s / p99 from the events it saw', () => {
    const term = fakeTerminal(true)
    const line = StatusLine.for(term.stream)!
    let clock = 0
    const stats = new RunStats(() => clock)
    const reporter = new ProgressReporter({ stats, receipts: true, statusLine: line })
    for (let i = 0; i < 4; i++) {
      const e = result(i, 2 + i)
      stats.observe(e)
      reporter.observe(e)
    }
    const receipt = { version: 1, type: 'tx_receipt', idx: 0, line: 1, tx_hash: result(0, 1).tx_hash, block_number: 5, block_timestamp: 1, status: 'success', gas_used: 21000, effective_gas_price: '1', inclusion_ms: 1500 } as const
    stats.observe(receipt)
    reporter.observe(receipt)
    const text = reporter.lineText()
    expect(text).toMatch(/^sent 4 · included 1 · pending 3 · [\d.]+ tx\/s · incl p99 1\.50 s$/)
    clock = 1
    reporter.stop()
  })
})
