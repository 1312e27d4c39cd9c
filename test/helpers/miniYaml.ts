/**
 * A small YAML reader for the repo's own manifests (no YAML dependency): block mappings and
 * sequences by indentation, `- ` items (a scalar, or a mapping that starts on the dash line),
 * plain, single- and double-quoted scalars, flow sequences of scalars, full-line comments.
 * Anything else (anchors, block scalars, flow mappings, tabs) is an error, so the test fails
 * rather than misreads.
 */
type Yaml = string | number | boolean | null | Yaml[] | { [k: string]: Yaml }

interface Line {
  indent: number
  text: string
  no: number
}

export function parseYaml(source: string): Yaml {
  const lines: Line[] = []
  source.split('\n').forEach((raw, i) => {
    if (/^\s*(#.*)?$/.test(raw)) return
    if (raw.includes('\t')) throw new Error(`line ${i + 1}: a tab`)
    if (/^\s*(---|\.\.\.)\s*$/.test(raw)) throw new Error(`line ${i + 1}: one document only`)
    const indent = raw.length - raw.trimStart().length
    lines.push({ indent, text: raw.trim(), no: i + 1 })
  })
  let at = 0
  const fail = (l: Line, why: string): never => {
    throw new Error(`line ${l.no}: ${why}: ${l.text}`)
  }

  function scalar(text: string, l: Line): Yaml {
    const t = text.trim()
    if (/^[&*!|>{]/.test(t)) fail(l, 'unsupported YAML')
    if (t.startsWith('[')) {
      if (!t.endsWith(']')) fail(l, 'an unclosed flow sequence')
      const inner = t.slice(1, -1).trim()
      if (!inner) return []
      const items = inner.match(/"(?:[^"\\]|\\.)*"|'[^']*'|[^,]+/g) ?? []
      return items.map((s) => s.trim()).filter((s) => s !== ',').map((s) => scalar(s, l))
    }
    if (t.startsWith('"')) return JSON.parse(t) as string
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'")
    if (t === '' || t === '~' || t === 'null') return null
    if (t === 'true' || t === 'false') return t === 'true'
    if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t)
    if (/\s#/.test(t)) fail(l, 'an inline comment')
    return t
  }

  /** `key: value` → [key, rest] (the colon must be followed by a space or end the line). */
  function keyOf(text: string): [string, string] | undefined {
    const m = /^("[^"]*"|'[^']*'|[^\s"'][^:]*?):(?:\s+(.*))?$/.exec(text)
    if (!m) return undefined
    const k = m[1]!
    return [k.startsWith('"') || k.startsWith("'") ? k.slice(1, -1) : k, m[2] ?? '']
  }

  function block(indent: number): Yaml {
    const first = lines[at]
    if (!first || first.indent < indent) return null
    return first.text.startsWith('- ') || first.text === '-' ? seq(first.indent) : map(first.indent)
  }

  function seq(indent: number): Yaml[] {
    const out: Yaml[] = []
    while (at < lines.length && lines[at]!.indent === indent && (lines[at]!.text.startsWith('- ') || lines[at]!.text === '-')) {
      const l = lines[at]!
      const rest = l.text.slice(1).trim()
      if (rest === '') {
        at++
        out.push(block(indent + 1))
      } else if (keyOf(rest)) {
        // a mapping whose first key sits on the dash line: read it as if it were indented
        lines[at] = { indent: indent + 2, text: rest, no: l.no }
        out.push(map(indent + 2))
      } else {
        at++
        out.push(scalar(rest, l))
      }
    }
    return out
  }

  function map(indent: number): { [k: string]: Yaml } {
    const out: { [k: string]: Yaml } = {}
    while (at < lines.length && lines[at]!.indent === indent) {
      const l = lines[at]!
      if (l.text.startsWith('- ')) break
      const kv = keyOf(l.text) ?? fail(l, 'not a "key: value" line')
      const [k, v] = kv
      if (k in out) fail(l, `a repeated key ${k}`)
      at++
      if (v === '') {
        const next = lines[at]
        // a sequence may sit at the key's own indentation
        out[k] = next && (next.indent > indent || (next.indent === indent && next.text.startsWith('- '))) ? block(next.indent) : null
      } else out[k] = scalar(v, l)
    }
    if (at < lines.length && lines[at]!.indent > indent) fail(lines[at]!, 'bad indentation')
    return out
  }

  const doc = block(0)
  if (at < lines.length) fail(lines[at]!, 'unexpected')
  return doc
}
