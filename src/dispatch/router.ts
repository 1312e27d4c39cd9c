import type { EventWriter } from '../events/eventWriter.js'
import type { IndexedSpec } from '../stream/spec.js'
import { BackpressureGauge } from './backpressure.js'
import type { BoundedQueue } from './boundedQueue.js'
import type { Worker } from './worker.js'

/**
 * Moves specs from the intake queue to the workers: spec `idx` goes to worker
 * `idx % workers` unless its `from` pins a signer. Blocks (and reports backpressure)
 * when the chosen worker's queue is full. Closes every worker queue at the end.
 */
export async function routeSpecs(source: BoundedQueue<IndexedSpec>, workers: readonly Worker[], events: EventWriter): Promise<void> {
  const byAddress = new Map(workers.map((w, i) => [w.address.toLowerCase(), i]))
  const gauges = workers.map((w, i) => new BackpressureGauge(w.queue, events, 'worker', i))
  try {
    for (;;) {
      const spec = await source.shift()
      if (spec === undefined) break
      const target = spec.from !== undefined ? byAddress.get(spec.from.toLowerCase()) : spec.idx % workers.length
      // the parser only lets pool addresses through, so a miss is a bug worth crashing on
      if (target === undefined) throw new Error(`no worker for pinned sender ${spec.from}`)
      await gauges[target]!.push(spec)
    }
  } finally {
    for (const g of gauges) g.finish()
    for (const w of workers) w.queue.close()
  }
}
