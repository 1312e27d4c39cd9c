import { takesLine, type Shard } from '../base/shard.js'
import type { EventWriter } from '../events/eventWriter.js'
import type { Logger } from '../log.js'
import { readLineBatches } from '../stream/lineReader.js'
import { parseSpec } from '../stream/parseSpec.js'
import type { IndexedSpec, ParseContext } from '../stream/spec.js'
import { BackpressureGauge } from './backpressure.js'
import type { BoundedQueue } from './boundedQueue.js'

export interface IntakeOptions {
  input: AsyncIterable<Buffer | string>
  ctx: ParseContext
  queue: BoundedQueue<IndexedSpec>
  events: EventWriter
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
  const warned = new Set<string>()
  const batches = readLineBatches(o.input, o.maxLineBytes !== undefined ? { maxLineBytes: o.maxLineBytes } : {})[Symbol.asyncIterator]()
  // One abort listener wakes whichever read is pending. (Promise.race against one long-lived
  // promise adds a reaction to it per read, which it keeps: memory growing with the stream.)
  type Next = Awaited<ReturnType<typeof batches.next>> | 'stopped'
  let wake: ((v: Next) => void) | undefined
  const onStop = () => wake?.('stopped')
  o.stop.addEventListener('abort', onStop, { once: true })
  let idx = 0
  let end: IntakeEnd = 'eof'
  try {
    // lines come in arrays, one per input chunk: one async step per chunk, not per line
    reading: for (;;) {
      if (o.maxTxs !== undefined && idx >= o.maxTxs) {
        end = 'max_txs'
        break
      }
      const next: Next = o.stop.aborted
        ? 'stopped'
        : await new Promise<Next>((resolve, reject) => {
            wake = resolve
            batches.next().then(resolve, reject)
          })
      wake = undefined
      if (next === 'stopped') {
        end = 'stopped'
        break
      }
      if (next.done) break
      for (const raw of next.value) {
        if (o.maxTxs !== undefined && idx >= o.maxTxs) {
          end = 'max_txs'
          break reading
        }
        if (o.stop.aborted) {
          end = 'stopped'
          break reading
        }
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
        for (const field of parsed.ignored) {
          if (warned.has(field)) continue
          warned.add(field)
          o.log.warn({ field, line: raw.line }, `spec field "${field}" has no meaning in a stream and is ignored (warned once)`)
        }
        // the parser's object is ours: number it in place (no copy per spec)
        const spec = parsed.spec as IndexedSpec
        spec.idx = idx++
        if (!gauge.tryPush(spec)) await gauge.push(spec)
        if (o.events.needsDrain) await o.events.drained()
      }
    }
  } finally {
    o.stop.removeEventListener('abort', onStop)
    gauge.finish()
    o.queue.close()
    if (end !== 'eof') void batches.return?.(undefined)?.catch(() => {})
  }
  return end
}
