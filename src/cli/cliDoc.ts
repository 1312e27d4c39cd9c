/** docs/cli.md, rendered from the option table and the commands built from it. */
import type { Command } from 'commander'
import { type CommandFlag, commandFlags } from './commandOptions.js'
import { devnetCommand } from './devnetCommand.js'
import { HELP_GROUPS } from './helpGroups.js'
import { genCommand } from './genCommand.js'
import { COMMANDS, type CommandName } from './options.js'
import { reportCommand } from './reportCommand.js'
import { runCommand } from './runCommand.js'
import { sendCommand } from './sendCommand.js'
import { setupCommand } from './setupCommand.js'

/** Every command, by name, as `floodgate` registers it. */
export const COMMAND_FACTORIES: Record<CommandName, () => Command> = {
  send: sendCommand,
  run: runCommand,
  setup: setupCommand,
  gen: genCommand,
  devnet: devnetCommand,
  report: reportCommand,
}

/** Where the page lives, from the repository root. */
export const CLI_DOC_PATH = 'docs/cli.md'

const INTRO = `# Command-line reference

<!-- Generated from src/cli/options.ts (src/cli/cliDoc.ts); do not edit by hand.
     \`UPDATE_CLI_DOC=1 npx vitest run test/unit/cli/cliDoc.test.ts\` rewrites it; that test fails when it is stale. -->

Every flag of every command: the env var it also reads (the command line wins), its default,
and what it does. \`floodgate <command> --help\` lists the same flags and defaults.

Durations: \`500ms\`, \`30s\`, \`2m\`, \`1h\`, or a bare number of seconds. Amounts: \`"1"\` (wei),
\`"1 wei"\`, \`"100 gwei"\`, \`"0.5 eth"\`. Exit codes: \`0\` done; \`1\` could not start (RPC
unreachable, funding impossible, mainnet refused, a scenario's setup failed) or the node stayed
unreachable longer than \`--max-outage\`; \`2\` usage error; \`3\` an \`--assert\` missed;
\`130\`/\`143\` stopped by SIGINT/SIGTERM.

`

/** The whole page. */
export function cliDoc(): string {
  const toc = COMMANDS.map((name) => `- [\`floodgate ${name}\`](#floodgate-${name})`).join('\n')
  return `${INTRO}${toc}\n${COMMANDS.map((name) => commandSection(name, COMMAND_FACTORIES[name]())).join('')}`
}

function commandSection(name: CommandName, cmd: Command): string {
  const args = cmd.registeredArguments.map((a) => `- \`${a.required ? `<${a.name()}>` : `[${a.name()}]`}\`: ${markdown(a.description)}${a.defaultValue !== undefined ? ` (default: \`${String(a.defaultValue)}\`)` : ''}`)
  const flags = commandFlags(name)
  const groups = [...new Set(flags.map((f) => f.group))]
  const tables = groups.flatMap((g) => [`**${HELP_GROUPS[g].replace(/:$/, '')}**\n`, '| flag | env | default | meaning |\n|---|---|---|---|', ...flags.filter((f) => f.group === g).map(flagRow), ''])
  return [
    `\n## floodgate ${name}\n`,
    `${markdown(cmd.description().replace(/^./, (c) => c.toUpperCase()))}.\n`,
    `\`\`\`\nfloodgate ${name} ${cmd.usage()}\n\`\`\`\n`,
    ...(args.length > 0 ? [`${args.join('\n')}\n`] : []),
    ...tables,
  ].join('\n')
}

function flagRow(f: CommandFlag): string {
  const shown = f.defaultText ?? (f.default !== undefined ? `\`${f.default}\`` : '')
  const meaning = `${f.doc}${f.mandatory ? ' (required)' : ''}${f.entry.choices ? `; one of ${f.entry.choices.map((c) => `\`${c}\``).join(', ')}` : ''}`
  return `| ${[`\`${f.flags}\``, f.env !== undefined ? `\`${f.env}\`` : '', markdown(shown), markdown(meaning)].map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`
}

/** Plain help text made safe for markdown: a `<` outside code spans would open an HTML tag. */
function markdown(text: string): string {
  return text.split('`').map((part, i) => (i % 2 === 0 ? part.replaceAll('<', '&lt;') : part)).join('`')
}
