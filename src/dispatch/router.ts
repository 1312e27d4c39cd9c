/** The router stage: specs from the intake queue to the queues of the workers `route` picks. */
import type { EventWriter } from '../events/eventWriter.js'
import type { IndexedSpec } from '../stream/spec.js'
import { BackpressureGauge } from './backpressure.js'
import type { BoundedQueue } from './boundedQueue.js'
import type { Worker } from './worker.js'

/**
 * Moves specs from the intake queue to the workers `route` picks (`poolRoute`: by index within
 * the spec's pool, or the signer its `from` pins). Blocks (and reports backpressure) when the
 * chosen worker's queue is full. Closes every worker queue at the end.
 */
export async function routeSpecs(
  source: BoundedQueue<IndexedSpec>,
  workers: readonly Worker[],
  events: EventWriter,
  /** Picks the worker index of a spec. */
  route: (spec: IndexedSpec) => number | undefined,
): Promise<void> {
  const gauges = workers.map((w, i) => new BackpressureGauge(w.queue, events, 'worker', i))
  try {
    for (;;) {
      // one await per spec on purpose: taking the intake queue's items in one synchronous burst
      // would empty it below half and end the reader's backpressure episode at every refill
      const spec = await source.shift()
      if (spec === undefined) break
      const target = route(spec)
      // the parser only lets pool addresses through, so a miss is a bug worth crashing on
      if (target === undefined) throw new Error(`no worker for pinned sender ${spec.from}`)
      const gauge = gauges[target]!
      if (!gauge.tryPush(spec)) await gauge.push(spec)
    }
  } finally {
    for (const g of gauges) g.finish()
    for (const w of workers) w.queue.close()
  }
}
