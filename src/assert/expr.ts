/** The `--assert` expression language: its grammar, parser and evaluation. */
/**
 * `--assert` expressions: thresholds over the run summary, e.g. `failed == 0`,
 * `p99_inclusion_ms < 3000 && included_tps >= 190`.
 *
 * Grammar (whitespace anywhere between tokens):
 *
 *   expr       := and ( "||" and )*
 *   and        := primary ( "&&" primary )*
 *   primary    := comparison | "(" expr ")"
 *   comparison := metric op number
 *   metric     := [A-Za-z_][A-Za-z0-9_]* ( "." [A-Za-z0-9_]+ )?      e.g. errors.NONCE_TOO_LOW
 *   op         := "<" | "<=" | ">" | ">=" | "==" | "!="
 *   number     := -?digits[.digits][e[+-]digits]
 *
 * A small recursive-descent parser builds a tree; nothing is ever evaluated as code.
 */

import { FloodgateError } from '../base/errors.js'

export type Op = '<' | '<=' | '>' | '>=' | '==' | '!='

export type AssertNode =
  | { kind: 'cmp'; metric: string; op: Op; value: number; text: string }
  | { kind: 'and' | 'or'; left: AssertNode; right: AssertNode }

/** An --assert expression that does not parse: names the position and what was expected. */
export class AssertSyntaxError extends FloodgateError {
  override name = 'AssertSyntaxError'
  constructor(message: string) {
    super('ASSERT_SYNTAX', message)
  }
}

type Token =
  | { t: 'ident'; v: string; at: number }
  | { t: 'num'; v: number; raw: string; at: number }
  | { t: 'op'; v: Op; at: number }
  | { t: 'and' | 'or' | 'lp' | 'rp' | 'end'; at: number }

const IDENT_RE = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)?/y
const NUM_RE = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y
const MAX_LENGTH = 1000

function tokenize(text: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
      continue
    }
    const two = text.slice(i, i + 2)
    if (two === '&&' || two === '||') {
      out.push({ t: two === '&&' ? 'and' : 'or', at: i })
      i += 2
      continue
    }
    if (two === '<=' || two === '>=' || two === '==' || two === '!=') {
      out.push({ t: 'op', v: two, at: i })
      i += 2
      continue
    }
    if (c === '<' || c === '>') {
      out.push({ t: 'op', v: c, at: i })
      i++
      continue
    }
    if (c === '=') throw new AssertSyntaxError(`"=" at position ${i + 1}: use "==" to compare`)
    if (c === '(' || c === ')') {
      out.push({ t: c === '(' ? 'lp' : 'rp', at: i })
      i++
      continue
    }
    IDENT_RE.lastIndex = i
    const id = IDENT_RE.exec(text)
    if (id) {
      out.push({ t: 'ident', v: id[0], at: i })
      i += id[0].length
      continue
    }
    NUM_RE.lastIndex = i
    const num = NUM_RE.exec(text)
    if (num) {
      out.push({ t: 'num', v: Number(num[0]), raw: num[0], at: i })
      i += num[0].length
      continue
    }
    throw new AssertSyntaxError(`unexpected ${JSON.stringify(c)} at position ${i + 1}`)
  }
  out.push({ t: 'end', at: text.length })
  return out
}

function describe(tok: Token): string {
  switch (tok.t) {
    case 'ident':
      return `"${tok.v}"`
    case 'num':
      return tok.raw
    case 'op':
      return `"${tok.v}"`
    case 'and':
      return '"&&"'
    case 'or':
      return '"||"'
    case 'lp':
      return '"("'
    case 'rp':
      return '")"'
    case 'end':
      return 'the end'
  }
}

/** Parses one expression; throws AssertSyntaxError naming the position and what was expected. */
export function parseAssert(text: string): AssertNode {
  if (text.length > MAX_LENGTH) throw new AssertSyntaxError(`longer than ${MAX_LENGTH} characters`)
  const toks = tokenize(text)
  if (toks.length === 1) throw new AssertSyntaxError('empty expression (e.g. "failed == 0")')
  let p = 0
  let depth = 0
  const peek = () => toks[p]!
  const fail = (expected: string): never => {
    const tok = peek()
    throw new AssertSyntaxError(`expected ${expected} at position ${tok.at + 1}, got ${describe(tok)}`)
  }

  const primary = (): AssertNode => {
    const tok = peek()
    if (tok.t === 'lp') {
      if (++depth > 32) throw new AssertSyntaxError('nested deeper than 32 parentheses')
      p++
      const inner = orExpr()
      if (peek().t !== 'rp') fail('")"')
      p++
      depth--
      return inner
    }
    if (tok.t !== 'ident') return fail('a metric name (e.g. failed, p99_inclusion_ms)')
    p++
    const op = peek()
    if (op.t !== 'op') return fail('a comparison (<, <=, >, >=, ==, !=)')
    p++
    const num = peek()
    if (num.t !== 'num') return fail('a number')
    if (!Number.isFinite(num.v)) throw new AssertSyntaxError(`${num.raw} is not a finite number`)
    p++
    return { kind: 'cmp', metric: tok.v, op: op.v, value: num.v, text: `${tok.v} ${op.v} ${num.raw}` }
  }
  const andExpr = (): AssertNode => {
    let left = primary()
    while (peek().t === 'and') {
      p++
      left = { kind: 'and', left, right: primary() }
    }
    return left
  }
  const orExpr = (): AssertNode => {
    let left = andExpr()
    while (peek().t === 'or') {
      p++
      left = { kind: 'or', left, right: andExpr() }
    }
    return left
  }
  const tree = orExpr()
  if (peek().t !== 'end') fail('"&&", "||" or the end')
  return tree
}

/** Every comparison of a tree, left to right. */
export function comparisons(node: AssertNode): Extract<AssertNode, { kind: 'cmp' }>[] {
  return node.kind === 'cmp' ? [node] : [...comparisons(node.left), ...comparisons(node.right)]
}

export function compare(measured: number, op: Op, value: number): boolean {
  switch (op) {
    case '<':
      return measured < value
    case '<=':
      return measured <= value
    case '>':
      return measured > value
    case '>=':
      return measured >= value
    case '==':
      return measured === value
    case '!=':
      return measured !== value
  }
}

/**
 * Evaluates a tree. `lookup` gives a metric's measured value, or undefined when the run
 * could not measure it (e.g. no tx was included, so there is no inclusion latency): such a
 * comparison is false, never quietly true.
 */
export function evaluate(node: AssertNode, lookup: (metric: string) => number | undefined): boolean {
  if (node.kind === 'cmp') {
    const m = lookup(node.metric)
    return m !== undefined && Number.isFinite(m) && compare(m, node.op, node.value)
  }
  if (node.kind === 'and') return evaluate(node.left, lookup) && evaluate(node.right, lookup)
  return evaluate(node.left, lookup) || evaluate(node.right, lookup)
}
