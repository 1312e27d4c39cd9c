/** The reader stage of a run: input lines → parsed, numbered specs in the intake queue, bad lines → invalid_spec events. */
import { takesLine, type Shard } from '../base/shard.js'
import type { DrainingSink } from '../events/eventSink.js'
import type { Logger } from '../log.js'
import { readLineBatches, type RawLine } from '../stream/lineReader.js'
import { parseSpec } from '../stream/parseSpec.js'
import type { IndexedSpec, ParseContext } from '../stream/spec.js'
import { BackpressureGauge } from './backpressure.js'
import type { BoundedQueue } from './boundedQueue.js'

export interface IntakeOptions {
  input: AsyncIterable<Buffer | string>
  ctx: ParseContext
  queue: BoundedQueue<IndexedSpec>
  events: DrainingSink
  log: Logger
  /** Stop reading after this many accepted specs. */
  maxTxs?: number
  /** Aborted to stop reading now (signal, duration, closed stdout). */
  stop: AbortSignal
  maxLineBytes?: number
  /** Take only this shard's lines (`takesLine`); the others get no event here, and no idx. */
  shard?: Shard
}

export type IntakeEnd = 'eof' | 'max_txs' | 'stopped'

/**
 * Reader stage: numbered lines → parsed specs. A bad line becomes one `invalid_spec`
 * event here and goes no further; a good one gets the next `idx` and waits for room in
 * the intake queue (reporting backpressure). Closes the queue when it ends.
 */
export async function intake(o: IntakeOptions): Promise<IntakeEnd> {
  const gauge = new BackpressureGauge(o.queue, o.events, 'reader')
  const batches = new StoppableBatches(
    readLineBatches(o.input, o.maxLineBytes !== undefined ? { maxLineBytes: o.maxLineBytes } : {})[Symbol.asyncIterator](),
    o.stop,
  )
  let end: IntakeEnd = 'eof'
  try {
    end = await new SpecIntake(o, gauge).run(batches)
  } finally {
    batches.detach()
    gauge.finish()
    o.queue.close()
    if (end !== 'eof') batches.abandon()
  }
  return end
}

type NextBatch = IteratorResult<RawLine[]> | 'stopped'

/**
 * The line batches, each read cut short by the stop signal. One abort listener wakes whichever
 * read is pending. (Promise.race against one long-lived promise adds a reaction to it per read,
 * which it keeps: memory growing with the stream.)
 */
class StoppableBatches {
  private wake: ((v: NextBatch) => void) | undefined
  private readonly onStop = () => this.wake?.('stopped')

  constructor(
    private readonly batches: AsyncIterator<RawLine[]>,
    private readonly stop: AbortSignal,
  ) {
    stop.addEventListener('abort', this.onStop, { once: true })
  }

  async next(): Promise<NextBatch> {
    if (this.stop.aborted) return 'stopped'
    const next = await new Promise<NextBatch>((resolve, reject) => {
      this.wake = resolve
      this.batches.next().then(resolve, reject)
    })
    this.wake = undefined
    return next
  }

  detach(): void {
    this.stop.removeEventListener('abort', this.onStop)
  }

  /** Ends the line reader before its input does. */
  abandon(): void {
    void this.batches.return?.(undefined)?.catch(() => {})
  }
}

/** Lines → numbered specs into the queue; bad lines → `invalid_spec` events; ignored fields warned of once each. */
class SpecIntake {
  private idx = 0
  private readonly warned = new Set<string>()

  constructor(
    private readonly o: IntakeOptions,
    private readonly gauge: BackpressureGauge<IndexedSpec>,
  ) {}

  // lines come in arrays, one per input chunk: one async step per chunk, not per line
  async run(batches: StoppableBatches): Promise<IntakeEnd> {
    for (;;) {
      if (this.full()) return 'max_txs'
      const next = await batches.next()
      if (next === 'stopped') return 'stopped'
      if (next.done) return 'eof'
      const end = await this.take(next.value)
      if (end !== undefined) return end
    }
  }

  /** One chunk's lines, in order; why it stopped before their end, if it did. */
  private async take(lines: readonly RawLine[]): Promise<IntakeEnd | undefined> {
    const o = this.o
    for (const raw of lines) {
      if (this.full()) return 'max_txs'
      if (o.stop.aborted) return 'stopped'
      if (o.shard && !takesLine(o.shard, raw.line)) continue
      if ('problem' in raw) {
        o.events.emit({ type: 'invalid_spec', line: raw.line, error: raw.problem.error, error_code: raw.problem.code, ...(raw.problem.field ? { field: raw.problem.field } : {}) })
        continue
      }
      const parsed = parseSpec(raw.text, raw.line, o.ctx)
      if (!parsed.ok) {
        const p = parsed.problem
        o.events.emit({ type: 'invalid_spec', line: raw.line, ...(parsed.id !== undefined ? { id: parsed.id } : {}), error: p.error, error_code: p.code, ...(p.field ? { field: p.field } : {}) })
        continue
      }
      this.warnIgnored(parsed.ignored, raw.line)
      // the parser's object is ours: number it in place (no copy per spec)
      const spec = parsed.spec as IndexedSpec
      spec.idx = this.idx++
      if (!this.gauge.tryPush(spec)) await this.gauge.push(spec)
      if (o.events.needsDrain) await o.events.drained()
    }
    return undefined
  }

  private full(): boolean {
    return this.o.maxTxs !== undefined && this.idx >= this.o.maxTxs
  }

  private warnIgnored(fields: readonly string[], line: number): void {
    for (const field of fields) {
      if (this.warned.has(field)) continue
      this.warned.add(field)
      this.o.log.warn({ field, line }, `spec field "${field}" has no meaning in a stream and is ignored (warned once)`)
    }
  }
}
