import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { EVENT_SCHEMA } from '../../../src/events/schema.js'

/**
 * docs/events.md, read as data: for each `## \`type\`` section (or `## \`a\` / \`b\``), the
 * field names in the first column of its tables, up to the next heading.
 */
function documentedFields(): Map<string, Set<string>> {
  const text = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8')
  const out = new Map<string, Set<string>>()
  let current: Set<string>[] = []
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      current = []
      const m = /^## (`[a-z_]+`(?: \/ `[a-z_]+`)*)\s*$/.exec(line)
      if (m) {
        // one set for a shared section: its table documents the fields of all its events
        const set = new Set<string>()
        for (const [, name] of m[1]!.matchAll(/`([a-z_]+)`/g)) out.set(name!, set)
        current.push(set)
      }
      continue
    }
    const cell = /^\| ([^|]+) \|/.exec(line)?.[1]
    if (!cell || current.length === 0) continue
    for (const [, field] of cell.matchAll(/`([a-z_0-9]+)`/g)) for (const set of current) set.add(field!)
  }
  return out
}

describe('docs/events.md', () => {
  const docs = documentedFields()

  test('behavior: every event type in the schema has its section, and every section is an event type', () => {
    expect([...docs.keys()].sort()).toEqual(Object.keys(EVENT_SCHEMA).sort())
  })

  test.each(Object.keys(EVENT_SCHEMA))('behavior: %s: the documented fields are exactly the schema fields', (type) => {
    const schema = Object.keys(EVENT_SCHEMA[type]!)
    const documented = docs.get(type) ?? new Set<string>()
    // a section shared by two events (backpressure / backpressure_end) documents both sets
    const shared = [...docs.entries()].filter(([, set]) => set === documented).map(([t]) => t)
    const union = new Set(shared.flatMap((t) => Object.keys(EVENT_SCHEMA[t] ?? {})))
    for (const f of schema) expect(documented.has(f), `${type}.${f} is documented`).toBe(true)
    for (const f of documented) expect(union.has(f), `${f} in the ${type} section is a field of the schema`).toBe(true)
  })
})
