/** Load shapes: a run's rate over time as stages (constant, linear ramp, per block), their flag syntax, and each slot's intended send time. */
import { UsageError } from '../base/errors.js'

/**
 * One stage of a shape. `rate`: `from` tx/s rising (or falling) linearly to `to` tx/s over
 * `durationMs` (from = to: a constant rate); `block`: `perBlock` txs for each new block seen
 * while the stage lasts, or, with `blocks`, for that many new blocks (a campaign's `tpb` stage,
 * counted in blocks as contender counts it; `durationMs` is then the blocks' expected time).
 * `durationMs` is Infinity only for the last stage of an open run.
 */
export type Stage = ({ kind: 'rate'; from: number; to: number } | { kind: 'block'; perBlock: number; blocks?: number }) & { durationMs: number; name?: string }

/** A run's stages, in order; an empty shape is unpaced. */
export type LoadShape = readonly Stage[]

/** `--tps n` (0: unpaced), `--tpb n`: one open stage. */
export function constantShape(tps: number, durationMs = Number.POSITIVE_INFINITY): LoadShape {
  return tps > 0 ? [{ kind: 'rate', from: tps, to: tps, durationMs }] : []
}

export function perBlockShape(perBlock: number, durationMs = Number.POSITIVE_INFINITY): LoadShape {
  return [{ kind: 'block', perBlock, durationMs }]
}

/** The shape as a person reads it, for the start-up log: `100 tx/s`, `ramp 10→200 tx/s 30s, 50 tx/s 1m`, `5 per block`; empty: `unpaced`. */
export function describeShape(shape: LoadShape): string {
  if (shape.length === 0) return 'unpaced'
  const time = (ms: number) => (!Number.isFinite(ms) ? '' : ms % 60_000 === 0 ? ` ${ms / 60_000}m` : ` ${Math.round(ms / 100) / 10}s`)
  const one = (s: Stage) => {
    const rate = s.kind === 'block' ? `${s.perBlock} per block` : s.from === s.to ? `${s.from} tx/s` : `ramp ${s.from}→${s.to} tx/s`
    const span = s.kind === 'block' && s.blocks !== undefined ? ` ${s.blocks} blocks` : time(s.durationMs)
    return `${s.name !== undefined ? `${s.name}: ` : ''}${rate}${shape.length > 1 ? span : ''}`
  }
  return shape.map(one).join(', ')
}

/** The shape's length in ms (Infinity when its last stage is open). */
export function shapeDurationMs(shape: LoadShape): number {
  return shape.reduce((t, s) => t + s.durationMs, 0)
}

/**
 * How many slots the shape hands out, when that is known before the run: rate stages of
 * finite length; per-block stages too when the block time is given (n per whole block time).
 */
export function shapeSlotCount(shape: LoadShape, blockTimeMs?: number): number | undefined {
  let n = 0
  for (const s of shape) {
    if (!Number.isFinite(s.durationMs)) return undefined
    if (s.kind === 'rate') n += rateSlotCount(s)
    else if (s.blocks !== undefined) n += s.perBlock * s.blocks
    else if (blockTimeMs !== undefined && blockTimeMs > 0) n += s.perBlock * Math.floor(s.durationMs / blockTimeMs)
    else return undefined
  }
  return n
}

/** Slots of one finite rate stage: ⌈the integral of its rate⌉ (slot k is due before the stage ends). */
export function rateSlotCount(s: Extract<Stage, { kind: 'rate' }>): number {
  const area = ((s.from + s.to) / 2) * (s.durationMs / 1000)
  // slot k is at N⁻¹(k); those with N⁻¹(k) < duration are k < area (tolerating float noise)
  return Math.max(0, Math.ceil(area - 1e-9))
}

/**
 * When slot k of a rate stage is due, in ms from the stage's start: the t where the
 * stage's cumulative count N(t) = from·t + (to − from)·t²/(2D) reaches k (t in s). Slot 0 is at 0.
 */
export function rateSlotDueMs(s: Extract<Stage, { kind: 'rate' }>, k: number): number {
  if (k <= 0) return 0
  const b = s.from / 1000
  const a = Number.isFinite(s.durationMs) ? (s.to - s.from) / (2000 * s.durationMs) : 0
  // the stable root of a·t² + b·t − k = 0 (no cancellation when a is small or 0)
  const disc = b * b + 4 * a * k
  if (disc < 0) return Number.POSITIVE_INFINITY
  const denom = b + Math.sqrt(disc)
  return denom > 0 ? (2 * k) / denom : Number.POSITIVE_INFINITY
}

/** The rate (tx/s) a rate stage asks for at `ms` into it. */
export function rateAt(s: Extract<Stage, { kind: 'rate' }>, ms: number): number {
  if (!Number.isFinite(s.durationMs)) return s.from
  return s.from + ((s.to - s.from) * Math.min(Math.max(ms, 0), s.durationMs)) / s.durationMs
}

// ---- flag syntax -------------------------------------------------------------------------

const NUMBER = String.raw`\d+(?:\.\d+)?`
const RATE_RE = new RegExp(`^(${NUMBER})$`)
const RAMP_RE = new RegExp(`^(${NUMBER})\\s*(?:\\.\\.|->|:)\\s*(${NUMBER})$`)
const BLOCK_RE = /^(\d+)\s*\/\s*(?:block|b)$/i

/**
 * A stage's rate as `--stage` writes it: `200` (tx/s), `50..500` (a linear ramp, tx/s),
 * `20/block` (txs per new block).
 */
export function parseStageRate(text: string, flag: string): Pick<Stage, 'kind'> & ({ kind: 'rate'; from: number; to: number } | { kind: 'block'; perBlock: number }) {
  const t = text.trim()
  let m = RATE_RE.exec(t)
  if (m) return { kind: 'rate', from: Number(m[1]), to: Number(m[1]) }
  m = RAMP_RE.exec(t)
  if (m) return { kind: 'rate', from: Number(m[1]), to: Number(m[2]) }
  m = BLOCK_RE.exec(t)
  if (m && Number(m[1]) > 0) return { kind: 'block', perBlock: Number(m[1]) }
  throw new UsageError(`${flag}: "${text}" is not a rate (use 200 for tx/s, 50..500 for a ramp, 20/block for txs per block)`)
}

/** `--ramp <from>:<to>`: a linear ramp over `durationMs`. */
export function parseRamp(text: string, durationMs: number | undefined, flag: string): LoadShape {
  const m = RAMP_RE.exec(text.trim())
  if (!m) throw new UsageError(`${flag}: "${text}" is not a ramp (use <from>:<to> in tx/s, e.g. 50:500)`)
  if (durationMs === undefined || durationMs <= 0) throw new UsageError(`${flag} needs --duration: the ramp runs from ${m[1]} to ${m[2]} tx/s over it`)
  return [{ kind: 'rate', from: Number(m[1]), to: Number(m[2]), durationMs }]
}

/**
 * `--stage [name=]<time>:<rate>`, repeatable, in order: e.g. `warmup=10s:50..200`,
 * `30s:200`, `20s:20/block`. `parseTime` is the CLI's duration parser.
 */
export function parseStages(texts: readonly string[], parseTime: (text: string, flag: string) => number, flag: string): LoadShape {
  return texts.map((text, i) => {
    const at = `${flag} #${i + 1}`
    const named = /^\s*([A-Za-z0-9_.-]+)\s*=(.*)$/.exec(text)
    const body = named ? named[2]! : text
    const colon = body.indexOf(':')
    if (colon < 0) throw new UsageError(`${at}: "${text}" is not <time>:<rate> (e.g. 30s:200, 10s:50..500, 20s:20/block)`)
    const durationMs = parseTime(body.slice(0, colon), at)
    if (durationMs <= 0) throw new UsageError(`${at}: a stage must last longer than 0`)
    const rate = parseStageRate(body.slice(colon + 1), at)
    return { ...rate, durationMs, name: named ? named[1]! : String(i + 1) }
  })
}
