import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { startAnvil } from '../../src/devnet/anvil.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { BIN, ROOT, parseEvents, runCli } from '../helpers/cli.js'

/** The code blocks of a markdown page, in order, with their info strings. */
function codeBlocks(path: string): { lang: string; code: string }[] {
  const out: { lang: string; code: string }[] = []
  const re = /^```(\w*)\n([\s\S]*?)^```$/gm
  const text = readFileSync(path, 'utf8')
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ lang: m[1]!, code: m[2]! })
  return out
}

/** The `run: |` script of the step named `name` in a GitHub Actions YAML block, de-indented. */
function workflowScript(yaml: string, name: string): string {
  const lines = yaml.split('\n')
  const at = lines.findIndex((l) => l.trim() === `- name: ${name}`)
  expect(at, `a step named "${name}"`).toBeGreaterThanOrEqual(0)
  const run = lines.findIndex((l, i) => i > at && /^\s*run: \|$/.test(l))
  const indent = /^\s*/.exec(lines[run + 1]!)![0].length
  const body: string[] = []
  for (const l of lines.slice(run + 1)) {
    if (l.trim() !== '' && /^\s*/.exec(l)![0].length < indent) break
    body.push(l.slice(indent))
  }
  return `${body.join('\n').trimEnd()}\n`
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

describe('docs/ci.md', () => {
  test('behavior: the page\'s CI script (the same in both blocks) installs floodgate, starts a devnet and passes its thresholds', async () => {
    const blocks = codeBlocks(join(ROOT, 'docs', 'ci.md'))
    const yaml = blocks.find((b) => b.lang === 'yaml')!.code
    const sh = blocks.find((b) => b.lang === 'sh')!.code
    expect(workflowScript(yaml, 'load smoke test'), 'the GitHub Actions job and the generic script are the same').toBe(sh)

    // what `npm install "$FLOODGATE_PKG"` installs: this checkout, packed as npm would publish it
    const work = mkdtempSync(join(tmpdir(), 'floodgate-ci-'))
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, stdio: 'pipe' })
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!
    const { RPC_URL: _r, FLOODGATE_FUNDER_KEY: _k, FLOODGATE_SEED: _s, ...inherited } = process.env
    const r = await bash(sh, work, { ...inherited, FLOODGATE_PKG: join(work, tarball), FLOODGATE_STATE_DIR: join(work, 'state') }, 300_000)
    expect(r.code, r.stderr.slice(-3000)).toBe(0)
    const events = parseEvents(readFileSync(join(work, 'events.jsonl'), 'utf8'))
    const summary = events.at(-1)!
    expect(summary.type).toBe('summary')
    expect(summary.sent).toBeGreaterThan(0)
    expect(summary).toMatchObject({ failed: 0, included: summary.sent, asserts: { passed: true } })
    expect(summary.asserts.results.map((x: { expr: string }) => x.expr)).toEqual(['failed == 0', 'included_ratio == 1', 'p99_inclusion_ms < 5000'])
    expect(r.stdout.trim().split('\n').at(-1), '`tail -n 1 events.jsonl` prints the summary').toBe(JSON.stringify(summary))
    expect(existsSync(join(work, 'node_modules', '.bin', 'floodgate'))).toBe(true)
  }, 330_000)
})

describe('README quick start', () => {
  test('behavior: the quick start\'s floodgate command runs a real load on the embedded devnet', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const quick = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!
    const first = quick.split('\n')[0]!
    // `npm ci && npx floodgate run …`: npm ci is the install (done); run the floodgate part as written
    const command = first.split('&&').map((c) => c.trim()).find((c) => c.startsWith('npx floodgate '))!
    expect(command).toMatch(/^npx floodgate run scenarios\/transfers\.toml/)
    expect(quick.split('\n')[1]).toBe('npm test')
    const args = command.replace(/^npx floodgate /, '').split(/\s+/)
    const r = await runCli([...args, '--log-level', 'warn'], { timeoutMs: 170_000, env: { FLOODGATE_FUNDER_KEY: undefined, RPC_URL: undefined } })
    expect(r.code, r.stderr).toBe(0)
    const summary = r.events.at(-1)!
    expect(summary.type).toBe('summary')
    expect(summary.sent).toBeGreaterThan(100)
    expect(summary).toMatchObject({ failed: 0, included: summary.sent, reverted: 0 })
    expect(BIN).toContain('floodgate.js')
  }, 180_000)
})

describe("README's scenario examples", () => {
  test('behavior: `setup erc20` then `gen erc20 … | send … --from-pool spammers`, as the README writes them (a smaller --count), on a node: every token transfer lands', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const lines = readme.split('\n')
    const setup = lines.find((l) => l.startsWith('npx floodgate setup erc20'))!.replace(/\s+#.*$/, '')
    const pipe = lines.find((l) => l.startsWith('npx floodgate gen erc20'))!
    expect(pipe).toContain('| npx floodgate send')
    const anvil = await startAnvil({ blockTime: 1, logger: null, silent: true })
    try {
      const state = mkdtempSync(join(tmpdir(), 'floodgate-readme-'))
      const env = { ...process.env, RPC_URL: anvil.url, FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY, FLOODGATE_STATE_DIR: state }
      const sh = (line: string) => line.replaceAll('npx floodgate', `${process.execPath} ${BIN}`)
      execFileSync('bash', ['-c', `${sh(setup)} --log-level warn`], { env, stdio: 'pipe', timeout: 90_000 })
      const out = execFileSync('bash', ['-o', 'pipefail', '-c', sh(pipe).replace('--count 1000', '--count 20')], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 90_000 })
      const events = parseEvents(out)
      expect(events.at(-1)).toMatchObject({ type: 'summary', sent: 20, failed: 0, included: 20, reverted: 0 })
    } finally {
      await anvil.stop()
    }
  }, 120_000)
})

