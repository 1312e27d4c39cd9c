import { describe, expect, test } from 'vitest'
import { COMMAND_FACTORIES } from '../../../src/cli/cliDoc.js'
import { HELP_GROUPS } from '../../../src/cli/helpGroups.js'
import { COMMANDS, FLAGS } from '../../../src/cli/options.js'

/** The group headings of a `--help` text, in order, and the long flags listed under each. */
function groupsOf(help: string): { heading: string; flags: string[] }[] {
  const out: { heading: string; flags: string[] }[] = []
  for (const line of help.split('\n')) {
    if (/^[A-Z][^:]*:$/.test(line)) out.push({ heading: line, flags: [] })
    const long = /^ {2}(?:-[a-zA-Z], )?--([a-z][a-z0-9-]*)/.exec(line)?.[1]
    if (long !== undefined) out.at(-1)!.flags.push(long)
  }
  return out
}

describe('--help in groups', () => {
  test('behavior: `send --help` lists the groups in order, start here first, and every flag it takes exactly once', () => {
    const groups = groupsOf(COMMAND_FACTORIES.send().helpInformation())
    const headings = groups.map((g) => g.heading)
    expect(headings).toEqual([...Object.values(HELP_GROUPS), 'Options:'])
    expect(groups[0]!.flags).toEqual(['rpc-url', 'from', 'tps', 'duration'])
    expect(groups.at(-1)!.flags).toEqual(['help'])
    const listed = groups.flatMap((g) => g.flags).filter((f) => f !== 'help')
    const taken = FLAGS.filter((f) => f.commands.includes('send') && !f.hidden).map((f) => f.long)
    expect([...listed].sort()).toEqual([...taken].sort())
    expect(new Set(listed).size).toBe(listed.length)
  })

  test.each(COMMANDS)('behavior: `%s --help` lists each flag under the heading of its group', (name) => {
    for (const g of groupsOf(COMMAND_FACTORIES[name]().helpInformation())) {
      for (const long of g.flags.filter((f) => f !== 'help')) {
        expect(HELP_GROUPS[FLAGS.find((f) => f.long === long)!.group], `--${long} of ${name}`).toBe(g.heading)
      }
    }
  })
})
