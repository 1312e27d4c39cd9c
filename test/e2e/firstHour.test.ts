/** A newcomer's first hour (issue 24): the docs' campaign example runs, and errors name their cause in one line. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { assertAccounted, runCli, tempStateDir } from '../helpers/cli.js'

describe('errors that point the right way', () => {
  test('usage: an unknown command exits 2, even with --help after it, and names the nearest command', async () => {
    const r = await runCli(['campaing', '--help'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("error: unknown command 'campaing'")
    expect(r.stderr).not.toContain('Usage: floodgate') // not the root help
    const typo = await runCli(['sned'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain('(Did you mean send?)')
  })

  test('error: a TOML syntax error in a scenario says its line, column and the line itself, in one line', async () => {
    const file = join(tempStateDir(), 'broken.toml')
    writeFileSync(file, '[[spam]]\nkind = "x"\nfoo = = 2\n')
    const r = await runCli(['run', file])
    expect(r.code).toBe(2)
    const line = r.stderr.split('\n').find((l) => l.includes('not valid TOML'))
    expect(line, r.stderr).toMatch(/not valid TOML: line 3, column 7: invalid value: foo = = 2"/)
  })

  test('error: a campaign file that does not exist is "no such file", whatever flags come with it', async () => {
    const r = await runCli(['run', 'campaigns/staged-example.toml', '--duration-scale', '0.02'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('campaigns/staged-example.toml: no such file')
  })
})

describe('the documented campaign example', () => {
  test('behavior: `floodgate run scenarios/campaigns/staged.toml --duration-scale 0.1` (docs/campaigns.md) runs its three stages on the embedded devnet, every spec mined', async () => {
    const r = await runCli(['run', 'scenarios/campaigns/staged.toml', '--duration-scale', '0.1', '--log-level', 'warn'], { timeoutMs: 100_000 })
    expect(r.code, r.stderr.slice(-2_000)).toBe(0)
    const results = r.events.filter((e) => e.type === 'tx_result')
    const summary = assertAccounted(r.events, results.length)
    expect(summary.failed).toBe(0)
    expect(summary.included).toBe(summary.sent)
    expect(new Set(results.map((e) => e.stage))).toEqual(new Set(['warmup', 'steady', 'cooldown']))
  })
})
