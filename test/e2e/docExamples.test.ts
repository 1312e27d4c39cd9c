import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { useAnvil } from '../helpers/anvil.js'
import { BIN, ROOT, type Event, parseEvents, transfers } from '../helpers/cli.js'

/**
 * Every shell example of README.md and docs/*.md (```sh, ```bash, ```console blocks), extracted
 * from the Markdown and run as written, so the docs cannot drift from the code. `floodgate` and
 * `npx floodgate` are the built CLI; `$RPC_URL` and `http://127.0.0.1:8545` (the reader's node)
 * are an anvil this file starts; the rest runs on the embedded devnet, one example after the
 * other, in one work dir and one state dir (so `gen` finds what `setup` recorded). An example
 * is run unless SKIP says why not; one is shortened only by ADJUST, which says why.
 */

/** Examples not run, by pattern (on the command; `block`: on a script block's first line), and why. */
const SKIP: { pattern: RegExp; why: string; block?: true }[] = [
  { pattern: /^npm (ci|install)\b/, why: 'installs: the tests run this checkout\'s build (dist/), as `npm ci` makes it' },
  { pattern: /^npm run build$/, why: 'the build the tests run on (dist/)' },
  { pattern: /^(npm test|npx vitest)\b/, why: 'the test suite itself' },
  { pattern: /^(npm run bench|node bench\/)/, why: 'a benchmark: minutes on 2 cores, never part of npm test (bench/)' },
  { pattern: /^npm run build:contracts/, why: 'recompiles scenarios/contracts with solc: a build step, not an example' },
  { pattern: /^set -euo pipefail/, block: true, why: 'the CI script: test/e2e/docs.test.ts runs it whole, from an npm pack of this checkout' },
  { pattern: /^--assert /, why: 'flags to add to a command, not a command' },
  { pattern: /\bSCENARIO\b/, why: 'a synopsis: capitals are placeholders' },
  { pattern: /\bkubectl\b/, why: 'reads the logs of a Kubernetes job' },
  { pattern: /\bmy-relayer\b/, why: 'my-relayer stands for the reader\'s own program' },
  { pattern: /^export FLOODGATE_FUNDER_KEY=0x…/, why: 'a placeholder key: this file gives the commands on a node the devnet\'s funded key' },
  { pattern: /--node geth\b/, why: 'geth: built with Go (minutes on a fresh machine); test/e2e/gethDevnet.test.ts runs --node geth' },
  { pattern: /--seed S\b/, why: 'S stands for the seed a contender user funded accounts with; test/e2e/contenderAccounts.test.ts checks those accounts' },
]

interface Adjust {
  pattern: RegExp
  why: string
  /** The command as run. */
  edit?: (command: string) => string
  /** Sends SIGINT this long after the start (a run `--forever`, a devnet in the foreground). */
  interruptAfterMs?: number
  /** The exit code the docs give it (default 0). */
  exit?: number
}

/** Examples run otherwise than written, and why: only to bound their time. */
const ADJUST: Adjust[] = [
  {
    pattern: /^npx floodgate run (transfers|erc20)\b(?!.*--(duration|forever|stage|tpb|block-gas-limit))/,
    why: 'run\'s default 10 s, four times over, is more than this file\'s time; the quick start runs the default once',
    edit: (c) => c.replace(/run (transfers|erc20)/, 'run $1 --duration 1s'),
  },
  { pattern: /--duration 2m\b/, why: '2 minutes at 500 tx/s: 2 s show the same', edit: (c) => c.replace('--duration 2m', '--duration 2s') },
  { pattern: /--forever\b/, why: 'runs until Ctrl-C: stopped by SIGINT after 4 s', interruptAfterMs: 4_000, exit: 130 },
  { pattern: /^npx floodgate devnet\b/, why: 'a devnet in the foreground until Ctrl-C: stopped by SIGINT after 3 s', interruptAfterMs: 3_000 },
  { pattern: /--tps 1500 --duration 30s/, why: '30 s at 1,500 tx/s: 2 s fill the blocks the same', edit: (c) => c.replace('--duration 30s', '--duration 2s') },
  { pattern: /--tpb 20 --duration 30s/, why: '30 s: 2 s show the pacing', edit: (c) => c.replace('--duration 30s', '--duration 2s') },
  { pattern: /--stage warm=10s/, why: '50 s of stages: bounded by --max-txs (the first stage\'s first seconds)', edit: (c) => `${c} --max-txs 50` },
  { pattern: /campaigns\/staged\.toml --duration-scale 0\.1\b/, why: '9 s: a smaller --duration-scale', edit: (c) => c.replace('--duration-scale 0.1', '--duration-scale 0.03') },
  { pattern: /campaigns\/staged\.toml --rpc-url/, why: 'the campaign\'s full 90 s: scaled with --duration-scale, as docs/campaigns.md says', edit: (c) => `${c} --duration-scale 0.03` },
]

interface Example {
  where: string
  command: string
  skip?: string
  adjust?: Adjust
}

/** The commands of every shell block of README.md and docs/*.md, in order. */
function examples(): Example[] {
  const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)]
  const out: Example[] = []
  for (const file of files) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n')
    for (let i = 0; i < lines.length; i++) {
      const open = /^```(sh|bash|console|shell)\s*$/.exec(lines[i]!)
      if (!open) continue
      const start = i + 1
      const body: string[] = []
      for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!)
      const block = SKIP.find((s) => s.block && s.pattern.test(body[0]!))
      if (block) {
        out.push({ where: `${file}:${start}`, command: body[0]!, skip: block.why })
        continue
      }
      for (const { line, command } of commandsOf(body, open[1] === 'console')) {
        const where = `${file}:${start + line}`
        const skip = SKIP.find((s) => !s.block && s.pattern.test(command))
        out.push({ where, command, ...(skip ? { skip: skip.why } : { adjust: ADJUST.find((a) => a.pattern.test(command)) }) })
      }
    }
  }
  return out
}

/**
 * A block's commands: comments dropped, `\` continuations joined, `$ ` prompts taken off (in a
 * console block only prompted lines are commands), `a && b` split in two, a `for … do … done`
 * kept whole.
 */
function commandsOf(body: string[], console: boolean): { line: number; command: string }[] {
  const out: { line: number; command: string }[] = []
  let text = ''
  let first = 0
  for (let i = 0; i < body.length; i++) {
    let l = body[i]!
    if (console && text === '') {
      if (!l.startsWith('$ ')) continue
      l = l.slice(2)
    }
    l = withoutComment(l)
    if (text === '' && l.trim() === '') continue
    if (text === '') first = i
    text += l.endsWith('\\') ? l.slice(0, -1) : l
    if (l.endsWith('\\')) continue
    if (/^\s*(for|while|until)\b/.test(text) && !/\bdone\s*$/.test(text)) {
      text += '\n'
      continue
    }
    for (const part of text.split(/\s+&&\s+(?=(?:[^']*'[^']*')*[^']*$)/)) out.push({ line: first + 1, command: part.trim().replace(/\s+/g, (s) => (s.includes('\n') ? '\n' : ' ')) })
    text = ''
  }
  return out
}

/** A line without its `# comment` (a `#` outside quotes, at the start or after a space). */
function withoutComment(l: string): string {
  let quote = ''
  for (let i = 0; i < l.length; i++) {
    const c = l[i]!
    if (quote) {
      if (c === quote) quote = ''
    } else if (c === '\'' || c === '"') quote = c
    else if (c === '#' && (i === 0 || /\s/.test(l[i - 1]!))) return l.slice(0, i).trimEnd()
  }
  return l
}

const ALL = examples()

function bash(command: string, cwd: string, env: NodeJS.ProcessEnv, o: { interruptAfterMs?: number; timeoutMs: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // exec: a lone command is bash's own process, so SIGINT reaches floodgate itself
    const child = spawn('bash', ['-o', 'pipefail', '-c', command.includes('|') ? command : `exec ${command}`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const interrupt = o.interruptAfterMs !== undefined ? setTimeout(() => child.kill('SIGINT'), o.interruptAfterMs) : undefined
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      clearTimeout(interrupt)
      resolve({ code, stdout, stderr })
    })
  })
}

/** `npx floodgate` and `floodgate` at a command's start (or after a pipe) → the built CLI; the reader's node → the test's anvil. */
function asRun(command: string, rpcUrl: string): string {
  return command
    .replace(/(^|\|\s*|\n\s*)(npx )?floodgate /g, `$1${process.execPath} ${BIN} `)
    .replaceAll('http://127.0.0.1:8545', rpcUrl)
}

/** The events a command printed or wrote to a file (`> f.jsonl`, `--events f.jsonl`). */
function eventsOf(command: string, stdout: string, cwd: string): Event[] {
  const out: Event[] = []
  if (stdout.startsWith('{"version":1') && !/\bdevnet\b/.test(command)) out.push(...parseEvents(stdout))
  for (const m of command.matchAll(/(?:> |--events )(\S+\.jsonl)\b/g)) out.push(...parseEvents(readFileSync(join(cwd, m[1]!), 'utf8')))
  return out
}

describe('the shell examples of README.md and docs/*.md', () => {
  const anvil = useAnvil({ blockTime: 1 })
  const work = mkdtempSync(join(tmpdir(), 'floodgate-docs-'))
  const state = join(work, '.state')
  mkdirSync(state)
  // what the examples assume is there: the checkout's scenarios (they run from a clone), a file of specs (and shards' logs, below)
  symlinkSync(join(ROOT, 'scenarios'), join(work, 'scenarios'))
  writeFileSync(join(work, 'specs.jsonl'), transfers(30))

  test('behavior: the extraction finds the examples, and every SKIP and ADJUST entry matches one (none stays when its example goes)', () => {
    expect(ALL.length).toBeGreaterThan(40)
    for (const s of SKIP) expect(ALL.some((e) => e.skip === s.why), s.pattern.source).toBe(true)
    for (const a of ADJUST) expect(ALL.some((e) => e.adjust === a), a.pattern.source).toBe(true)
    expect(ALL.find((e) => e.command.startsWith('npx floodgate gen erc20'))?.command).toBe('npx floodgate gen erc20 --count 1000 --rpc-url $RPC_URL | npx floodgate send --rpc-url $RPC_URL')
  })

  for (const ex of ALL) {
    const name = `${ex.where}: ${ex.command.split('\n')[0]}`
    if (ex.skip !== undefined) {
      test.skip(`${name} (skipped: ${ex.skip})`, () => {})
      continue
    }
    test(`behavior: ${name} exits ${ex.adjust?.exit ?? 0}${ex.adjust ? ` (run otherwise: ${ex.adjust.why})` : ''}`, async () => {
      const url = anvil().url
      if (/shard-/.test(ex.command) && !existsSync(join(work, 'shard-2.jsonl'))) await shardLogs(work, state, url)
      const command = asRun(ex.adjust?.edit?.(ex.command) ?? ex.command, url)
      const onNode = /\$RPC_URL|127\.0\.0\.1:8545/.test(ex.command)
      const { RPC_URL: _r, FLOODGATE_FUNDER_KEY: _k, FLOODGATE_SEED: _s, ...inherited } = process.env
      const env = { ...inherited, FLOODGATE_STATE_DIR: state, ...(onNode ? { RPC_URL: url, FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY } : {}) }
      const r = await bash(command, work, env, { timeoutMs: 60_000, ...(ex.adjust?.interruptAfterMs !== undefined ? { interruptAfterMs: ex.adjust.interruptAfterMs } : {}) })
      expect(r.code, `${command}\n${r.stderr.slice(-3000)}`).toBe(ex.adjust?.exit ?? 0)
      const events = eventsOf(ex.command, r.stdout, work)
      for (const s of events.filter((e) => e.type === 'summary')) expect(s, `${command}\n${r.stderr.slice(-2000)}`).toMatchObject({ failed: 0, invalid: 0 })
      if (ex.command.includes('gen erc20')) await everyTxSucceeded(events, url)
    }, 70_000)
  }
})

/** The gen | send pipe: 1000 token transfers, each in a block with status success (asked of the node). */
async function everyTxSucceeded(events: Event[], url: string): Promise<void> {
  expect(events.at(-1)).toMatchObject({ type: 'summary', sent: 1000, failed: 0, included: 1000, reverted: 0 })
  const hashes = events.filter((e) => e.type === 'tx_result').map((e) => e.tx_hash as string)
  expect(hashes).toHaveLength(1000)
  const body = JSON.stringify(hashes.map((h, id) => ({ jsonrpc: '2.0', id, method: 'eth_getTransactionReceipt', params: [h] })))
  const receipts = (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as { result: { status: string } | null }[]
  expect(receipts.map((r) => r.result?.status)).toEqual(hashes.map(() => '0x1'))
}

/** shard-0.jsonl … shard-2.jsonl, for the report examples: one run's log (an earlier example's, else a send on the test's anvil), three times. */
async function shardLogs(work: string, state: string, url: string): Promise<void> {
  if (existsSync(join(work, 'run.jsonl'))) {
    for (const i of [0, 1, 2]) copyFileSync(join(work, 'run.jsonl'), join(work, `shard-${i}.jsonl`))
    return
  }
  const r = await bash(`${process.execPath} ${BIN} send --rpc-url ${url} --log-level warn < specs.jsonl > shard-0.jsonl`, work, { ...process.env, FLOODGATE_STATE_DIR: state, FLOODGATE_FUNDER_KEY: DEVNET_FUNDER_KEY }, { timeoutMs: 60_000 })
  expect(r.code, r.stderr).toBe(0)
  copyFileSync(join(work, 'shard-0.jsonl'), join(work, 'shard-1.jsonl'))
  copyFileSync(join(work, 'shard-0.jsonl'), join(work, 'shard-2.jsonl'))
}
