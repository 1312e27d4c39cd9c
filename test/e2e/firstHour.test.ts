/** A newcomer's first hour (issue 24): the docs' campaign example runs, and errors name their cause in one line. */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startAnvil, type AnvilInstance } from '../../src/devnet/anvil.js'
import { assertAccounted, BIN, parseEvents, runCli, tempStateDir, transfers } from '../helpers/cli.js'

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

describe('a run whose specs mostly fail says so; a run without a funder says to set one', () => {
  let anvil: AnvilInstance
  beforeAll(async () => {
    anvil = await startAnvil({ blockTime: 1, logger: null, silent: true })
  })
  afterAll(async () => {
    await anvil?.stop()
  })

  test('behavior: send with no funder key on a node: every spec INSUFFICIENT_FUNDS, one stderr line says so with the fix, and the run still exits 0 (as k6 does)', async () => {
    const r = await runCli(['send', '--rpc-url', anvil.url, '--pool-size', '2'], { stdin: transfers(20), env: { FLOODGATE_FUNDER_KEY: undefined, FLOODGATE_SEED: `unfunded-${Date.now()}` } })
    expect(r.code, r.stderr.slice(-2_000)).toBe(0)
    expect(assertAccounted(r.events, 20)).toMatchObject({ sent: 0, failed: 20, errors: { INSUFFICIENT_FUNDS: 20 } })
    const lines = r.stderr.split('\n').filter((l) => l.includes('most specs failed'))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('most specs failed: 20 of 20, 20 with INSUFFICIENT_FUNDS — the pool cannot pay for its txs: give floodgate a funder (FLOODGATE_FUNDER_KEY or --funder-key-file)')
  })

  test('error: run erc20 on a node with no funder key fails its setup in one line that says to set FLOODGATE_FUNDER_KEY (not --min-balance)', async () => {
    const r = await runCli(['run', 'erc20', '--rpc-url', anvil.url, '--max-txs', '5'], { env: { FLOODGATE_FUNDER_KEY: undefined, FLOODGATE_SEED: `unfunded-run-${Date.now()}` }, timeoutMs: 60_000 })
    expect(r.code).toBe(1)
    const failed = r.stderr.split('\n').filter((l) => l.includes('SETUP_FAILED'))
    expect(failed, r.stderr.slice(-2_000)).toHaveLength(1)
    expect(failed[0]).toContain('no funder key: set FLOODGATE_FUNDER_KEY or --funder-key-file')
    expect(failed[0]).not.toContain('--min-balance')
  })
})

describe('human-first on a terminal, machine-first in a pipe', () => {
  test('behavior: on a terminal (a pseudo-terminal by `script`), run prints no event line: the status line and the end-of-run summary', () => {
    const log = join(tempStateDir(), 'tty.out')
    const r = spawnSync('script', ['-q', '-e', '-c', `${process.execPath} ${BIN} run transfers --duration 2s --tps 20`, log], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, FLOODGATE_STATE_DIR: tempStateDir() } })
    expect(r.status, r.stderr).toBe(0)
    const screen = readFileSync(log, 'utf8')
    expect(screen).not.toContain('"version":1')
    expect(screen).toContain('stdout is a terminal: the events are not printed')
    expect(screen).toMatch(/sent \d+/) // the status line
    expect(screen).toContain('floodgate report: transfers') // the summary
  })

  test('behavior: send reading specs from a terminal says so once (Ctrl-D ends) and writes no block event while none is typed (--events FILE, --duration 3s)', async () => {
    const dir = tempStateDir()
    const [log, file] = [join(dir, 'tty.out'), join(dir, 'events.jsonl')]
    // script's own stdin stays open (nothing typed, no Ctrl-D) until the run ends by --duration
    const child = spawn('script', ['-q', '-e', '-c', `${process.execPath} ${BIN} send --events ${file} --duration 3s`, log], { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, FLOODGATE_STATE_DIR: dir } })
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    child.stdin!.destroy()
    expect(code).toBe(0)
    expect(readFileSync(log, 'utf8').match(/Ctrl-D ends/g)).toHaveLength(1)
    const events = parseEvents(readFileSync(file, 'utf8'))
    // three 1 s blocks went by, none of them an event
    expect(events.map((e) => e.type)).toEqual(['summary'])
    expect(events[0]).toMatchObject({ sent: 0, reason: 'duration' })
  })

  test('behavior: --events FILE writes the events there (stdout stays empty); the file is a whole, valid event log', async () => {
    const file = join(tempStateDir(), 'events.jsonl')
    const r = await runCli(['run', 'transfers', '--duration', '1s', '--tps', '20', '--events', file, '--log-level', 'warn'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('')
    const events = parseEvents(readFileSync(file, 'utf8'))
    expect(events.at(-1)).toMatchObject({ type: 'summary', failed: 0 })
    expect(events.filter((e) => e.type === 'tx_result').length).toBe(events.at(-1)!.sent)
  })
})
