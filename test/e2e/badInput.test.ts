import { describe, expect, test } from 'vitest'
import { useAnvil } from '../helpers/anvil.js'
import { assertAccounted, ofType, runCli } from '../helpers/cli.js'
import { recordFigures } from '../helpers/figures.js'
import { watchRss } from '../helpers/rss.js'
import { prng } from '../helpers/prng.js'

/**
 * Issue 4, bad input at scale: 100,000 lines, 10 % garbage of every kind (random bytes,
 * invalid UTF-8, 1 MiB lines, deep nesting, numbers beyond 2^256, negatives, wrong types,
 * truncated JSON), through the real CLI. 0 lost: every line ends in exactly one event, each
 * garbage line in an invalid_spec with its own line number. --dry-run signs every valid spec
 * without sending it, so the run stays within CI's budget (the node's side is covered by the
 * fault tests); the sign-and-emit path, the queues and the writer are all real.
 */
const SINK = '0x000000000000000000000000000000000000dEaD'
const LINES = 100_000


function garbage(rand: () => number, k: number): Buffer {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!
  const huge = (2n ** 256n + BigInt(Math.floor(rand() * 1e9))).toString()
  switch (k % 12) {
    case 0: {
      // random bytes: no newline, and a first byte that is neither blank nor '#'
      const b = Buffer.alloc(1 + Math.floor(rand() * 200))
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256)
      b[0] = 0x47
      for (let i = 0; i < b.length; i++) if (b[i] === 0x0a) b[i] = 0x47
      return b
    }
    case 1:
      return Buffer.concat([Buffer.from(`{"to":"${SINK}","id":"`), Buffer.from(pick([[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff]])), Buffer.from('"}')])
    case 2:
      return Buffer.from(`{"to":"${SINK}","args":${'['.repeat(5_000)}${']'.repeat(5_000)}}`)
    case 3:
      return Buffer.from(`{"to":"${SINK}","value":${huge}}`)
    case 4:
      return Buffer.from(`{"to":"${SINK}","${pick(['value', 'gas_limit', 'max_fee_per_gas'])}":"-${1 + Math.floor(rand() * 1e6)}"}`)
    case 5:
      return Buffer.from(`{"to":"${SINK}","${pick(['value', 'gas_limit', 'data', 'from', 'kind', 'access_list'])}":${pick(['true', '{"a":1}', '[[]]', '1.5'])}}`)
    case 6:
      return Buffer.from(`{"to":"${SINK}","value":"1 wei"`) // truncated
    case 7:
      return Buffer.from(pick(['[1,2,3]', '42', '"a string"', 'null', '{}']))
    case 8:
      return Buffer.from(`{"to":"0xnot-an-address","value":"1 wei"}`)
    case 9:
      return Buffer.from(`{"to":"${SINK}","value":"${huge} gwei"}`)
    case 10:
      return Buffer.from(`{"to":"${SINK}","gas_limit":${huge}}`)
    default:
      return Buffer.from(`{"to":"${SINK}","data":"0x${'a'.repeat(7)}"}`) // odd-length hex
  }
}

describe('bad input at scale (real CLI, --dry-run)', () => {
  const anvil = useAnvil({ blockTime: 1, silent: true })
  test('behavior: 100,000 lines with 10 % garbage of every kind (5 of them 1 MiB): 0 lost, one invalid_spec per bad line, memory bounded', async () => {
    const rand = prng(4)
    const parts: Buffer[] = []
    const bad = new Set<number>()
    let bigLines = 0
    for (let line = 1; line <= LINES; line++) {
      if (line % 20_000 === 7) {
        // five 1 MiB lines among the garbage
        bad.add(line)
        bigLines++
        parts.push(Buffer.from(`{"to":"${SINK}","data":"0x${'ab'.repeat(512 * 1024)}"}`))
      } else if (rand() < 0.1) {
        bad.add(line)
        parts.push(garbage(rand, bad.size))
      } else parts.push(Buffer.from(`{"to":"${SINK}","value":"${line} wei","id":"l${line}"}`))
      parts.push(Buffer.from('\n'))
    }
    const input = Buffer.concat(parts)
    const rss = { peak: 0 }
    const started = performance.now()
    const run = await runCli(['send', '--dry-run', '--skip-funding', '--pool-size', '16', '--log-level', 'warn', '--rpc-url', anvil().url], {
      stdin: (function* () {
        for (let i = 0; i < input.length; i += 1 << 16) yield input.subarray(i, i + (1 << 16))
      })(),
      env: { FLOODGATE_SEED: 'bad-input-at-scale' },
      timeoutMs: 240_000,
      onSpawn: (child) => watchRss(child, rss),
    })
    const ms = performance.now() - started
    expect(run.code, run.stderr.slice(0, 2000)).toBe(0)
    const summary = assertAccounted(run.events, LINES)
    const invalid = ofType(run.events, 'invalid_spec')
    expect(invalid.map((e) => e.line).sort((a, b) => a - b)).toEqual([...bad].sort((a, b) => a - b))
    expect(ofType(run.events, 'tx_result').filter((r) => r.error_code)).toEqual([])
    expect(summary).toMatchObject({ sent: LINES - bad.size, failed: 0, invalid: bad.size })
    expect(invalid.filter((e) => e.error_code === 'LINE_TOO_LONG')).toHaveLength(bigLines)
    expect(bigLines).toBe(5)
    expect(rss.peak).toBeGreaterThan(0)
    expect(rss.peak).toBeLessThan(400)
    recordFigures({ fault: 'bad input at scale (100,000 lines, 10 % garbage, --dry-run)', runs: 1, specs: LINES, faults: bad.size, lost: 0, failed: 0, gaps: 0, peak_rss_mib: Math.round(rss.peak), ms: Math.round(ms) })
  }, 300_000)
})
