// Owns quoting a parsed value in a message: its JSON text up to a length, built without recursion.

/**
 * The start of `value`'s JSON text, at most `max` characters (a cut text ends with `…`). Walks
 * the value with an explicit stack and stops once `max` characters are written, so a value
 * nested 100,000 deep, a cycle or a 100 MB string costs O(max), never a stack overflow.
 * bigints are written as numbers, undefined and functions as null (as in an array).
 */
export function jsonPreview(value: unknown, max: number): string {
  const out = new Preview(max)
  // the stack holds what is still to write, last first: values, and literal closing text
  const todo: Array<{ v: unknown } | string> = [{ v: value }]
  while (todo.length > 0 && !out.full) {
    const next = todo.pop()!
    if (typeof next === 'string') {
      out.put(next)
      continue
    }
    const v = next.v
    if (Array.isArray(v)) {
      out.put('[')
      todo.push(']')
      // pushed last to first, so written first to last; only as many as could still show
      for (let i = Math.min(v.length, max) - 1; i >= 0; i--) {
        todo.push({ v: v[i] })
        if (i > 0) todo.push(',')
      }
    } else if (v !== null && typeof v === 'object') {
      out.put('{')
      todo.push('}')
      const keys = Object.keys(v).slice(0, max)
      for (let i = keys.length - 1; i >= 0; i--) {
        todo.push({ v: (v as Record<string, unknown>)[keys[i]!] })
        todo.push(`${quoteString(keys[i]!, max)}:`)
        if (i > 0) todo.push(',')
      }
    } else out.put(scalar(v, max))
  }
  return out.text()
}

function scalar(v: unknown, max: number): string {
  if (typeof v === 'string') return quoteString(v, max)
  if (typeof v === 'bigint') return `${v}`
  if (typeof v === 'number') return Number.isFinite(v) ? `${v}` : 'null'
  if (typeof v === 'boolean') return `${v}`
  return 'null'
}

/** A string JSON-quoted, only its first `max` characters escaped (the rest cannot show). */
function quoteString(s: string, max: number): string {
  return JSON.stringify(s.length > max ? s.slice(0, max + 1) : s)
}

class Preview {
  private readonly parts: string[] = []
  private length = 0
  full = false

  constructor(private readonly max: number) {}

  put(s: string): void {
    this.parts.push(s)
    this.length += s.length
    if (this.length > this.max) this.full = true
  }

  text(): string {
    const t = this.parts.join('')
    return t.length > this.max ? `${t.slice(0, this.max)}…` : t
  }
}
