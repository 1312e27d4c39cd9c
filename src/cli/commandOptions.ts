/** A command's commander options and `--help` lines, built from the option table. */
import { type Command, Option } from 'commander'
import { byGroup, HELP_GROUPS, type HelpGroup } from './helpGroups.js'
import { type CommandName, FLAGS, type Flag } from './options.js'

/** A flag as one command takes it: its table entry with that command's overrides applied. */
export interface CommandFlag {
  entry: Flag
  /** commander's flags string: `-r, --rpc-url <url>`. */
  flags: string
  long: string
  group: HelpGroup
  env: string | undefined
  default: string | undefined
  defaultText: string | undefined
  help: string
  doc: string
  mandatory: boolean
}

/** The flags `command` takes, by help group (src/cli/helpGroups.ts), in table order within a group. */
export function commandFlags(command: CommandName): CommandFlag[] {
  return byGroup(FLAGS.filter((f) => f.commands.includes(command))).map((f) => {
    const o = f[command] ?? {}
    const pick = <T>(own: T | null | undefined, base: T | undefined): T | undefined => (own === null ? undefined : (own ?? base))
    const defaultValue = pick(o.default, f.default)
    const defaultText = pick(o.defaultText, f.defaultText)
    return {
      entry: f,
      flags: `${f.short ? `-${f.short}, ` : ''}--${f.long}${f.arg ? ` ${f.arg}` : ''}`,
      long: f.long,
      group: f.group,
      env: pick(o.env, f.env),
      default: defaultValue,
      defaultText,
      help: o.help ?? f.help,
      doc: o.doc ?? (o.help !== undefined ? o.help : (f.doc ?? f.help)),
      mandatory: o.mandatory ?? f.mandatory === true,
    }
  })
}

/** Adds `command`'s flags from the table to `cmd`, and the `--help` format that shows their defaults and env vars. */
export function withFlags(cmd: Command, command: CommandName): Command {
  for (const f of commandFlags(command)) cmd.addOption(commanderOption(f))
  return cmd.configureHelp({ optionDescription: describeOption })
}

function commanderOption(f: CommandFlag): Option {
  const opt = new Option(f.flags, f.help).helpGroup(HELP_GROUPS[f.group])
  if (f.env !== undefined) opt.env(f.env)
  if (f.default !== undefined) opt.default(f.default)
  // shown by `--help` (describeOption), never used as a value
  if (f.defaultText !== undefined) opt.defaultValueDescription = f.defaultText
  if (f.entry.choices) opt.choices(f.entry.choices)
  if (f.entry.arg !== undefined && f.entry.repeatable) opt.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])
  if (f.entry.hidden) opt.hideHelp()
  if (f.mandatory) opt.makeOptionMandatory()
  return opt
}

/** One option's `--help` text: `meaning (choices: a, b; default: x; env: Y)`. */
export function describeOption(opt: Option): string {
  const shown = opt.defaultValueDescription ?? (typeof opt.defaultValue === 'string' ? opt.defaultValue : undefined)
  const extra = [
    ...(opt.argChoices ? [`choices: ${opt.argChoices.join(', ')}`] : []),
    ...(shown !== undefined ? [`default: ${shown}`] : []),
    ...(opt.envVar !== undefined ? [`env: ${opt.envVar}`] : []),
  ]
  return extra.length > 0 ? `${opt.description} (${extra.join('; ')})` : opt.description
}
