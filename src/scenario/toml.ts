/** TOML for scenario and campaign files: smol-toml's parse, with a syntax error told in one line that says where. */
import { parse, type TomlTable } from 'smol-toml'

/**
 * The document, or an Error whose message is one line: `line L, column C: what is wrong: the
 * line itself` (smol-toml gives the position; its message's first line says what).
 */
export function parseToml(text: string): TomlTable {
  try {
    return parse(text)
  } catch (err) {
    throw new Error(tomlProblem(err, text))
  }
}

function tomlProblem(err: unknown, text: string): string {
  const e = err as { message?: unknown; line?: unknown; column?: unknown }
  const what = String(e.message ?? err).split('\n')[0]!.replace(/^Invalid TOML document: /, '')
  if (typeof e.line !== 'number' || typeof e.column !== 'number') return what
  const source = (text.split(/\r?\n/)[e.line - 1] ?? '').trim()
  const shown = source.length > 120 ? `${source.slice(0, 117)}...` : source
  return `line ${e.line}, column ${e.column}: ${what}${shown ? `: ${shown}` : ''}`
}
