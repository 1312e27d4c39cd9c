import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ROOT, parseEvents } from '../helpers/cli.js'

// The README's and the other pages' single commands run in test/e2e/docExamples.test.ts; this file runs docs/ci.md's script whole.

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
