import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { CLI_DOC_PATH, COMMAND_FACTORIES, cliDoc } from '../../../src/cli/cliDoc.js'
import { COMMANDS } from '../../../src/cli/options.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const DOC = join(ROOT, CLI_DOC_PATH)

interface Documented {
  env: string | undefined
  default: string | undefined
}

/** The flags `--help` lists (by long name), with the env var and default it shows; `--help` itself left out. */
function helpFlags(help: string): Map<string, Documented> {
  // the options are listed under group headings (src/cli/helpGroups.ts); a line that is not indented ends an item
  const items: string[] = []
  let inItem = false
  for (const line of help.split('\n')) {
    if (/^ {2}-/.test(line)) items.push(line.trim())
    else if (/^ /.test(line) && inItem) items[items.length - 1] += ` ${line.trim()}`
    inItem = /^ /.test(line) && items.length > 0
  }
  const out = new Map<string, Documented>()
  for (const item of items) {
    const long = /--([a-z][a-z0-9-]*)/.exec(item)![1]!
    if (long === 'help') continue
    // the trailing `(choices: …; default: …; env: …)`, when the item has one
    const extras = new Map<string, string>()
    const tail = /\(([^()]*)\)$/.exec(item)?.[1]
    const parts = tail?.split(/; (?=(?:choices|default|env): )/).map((p) => /^(choices|default|env): (.*)$/.exec(p))
    if (parts?.every((m) => m !== null)) for (const m of parts) extras.set(m![1]!, m![2]!)
    out.set(long, { env: extras.get('env'), default: extras.get('default') })
  }
  return out
}

/** The rows of docs/cli.md's `## floodgate <command>` section, by long name. */
function docFlags(doc: string, command: string): Map<string, Documented> {
  const section = doc.split(/^## /m).find((s) => s.startsWith(`floodgate ${command}\n`))
  expect(section, `a "## floodgate ${command}" section in ${CLI_DOC_PATH}`).toBeDefined()
  const out = new Map<string, Documented>()
  for (const row of section!.split('\n').filter((l) => l.startsWith('| `-'))) {
    const cells = row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim().replaceAll('\\|', '|'))
    const plain = (cell: string | undefined) => (cell ? cell.replace(/^`(.*)`$/, '$1') : undefined)
    const long = /--([a-z][a-z0-9-]*)/.exec(cells[0]!)![1]!
    expect(out.has(long), `--${long} documented twice under ${command}`).toBe(false)
    out.set(long, { env: plain(cells[1]), default: plain(cells[2]) })
  }
  return out
}

describe(CLI_DOC_PATH, () => {
  const doc = readFileSync(DOC, 'utf8')

  test.each(COMMANDS)('behavior: every flag `%s --help` lists is documented under its section, with the same env var and default', (name) => {
    const cmd = COMMAND_FACTORIES[name]()
    const help = helpFlags(cmd.helpInformation())
    const documented = docFlags(doc, name)
    expect(help.size, `${name} --help lists flags`).toBeGreaterThan(0)
    for (const [long, shown] of help) {
      expect(documented.get(long), `--${long} of ${name} in ${CLI_DOC_PATH}`).toEqual(shown)
    }
  })

  test.each(COMMANDS)('behavior: %s\'s section documents no flag the command lacks (hidden ones may be there)', (name) => {
    const taken = new Set(COMMAND_FACTORIES[name]().options.map((o) => o.long!.slice(2)))
    for (const long of docFlags(doc, name).keys()) expect(taken, `${name} --${long}, documented in ${CLI_DOC_PATH}`).toContain(long)
  })

  test('behavior: the page is what the option table renders (UPDATE_CLI_DOC=1 rewrites it)', () => {
    const rendered = cliDoc()
    if (process.env.UPDATE_CLI_DOC) writeFileSync(DOC, rendered)
    expect(readFileSync(DOC, 'utf8'), `${CLI_DOC_PATH} is stale: UPDATE_CLI_DOC=1 npx vitest run test/unit/cli/cliDoc.test.ts`).toBe(rendered)
  })
})
