/** The router stage: specs from the intake queue to the queues of the workers `route` picks. */
import type { DrainingSink } from '../events/eventSink.js'
import type { IndexedSpec } from '../stream/spec.js'
import { BackpressureGauge, type GaugedQueue } from './backpressure.js'
import type { BoundedQueue } from './boundedQueue.js'
import type { PacedSpec, Pacer } from './pacer.js'
import type { Worker } from './worker.js'

/** The run's schedule: the router takes a slot per spec, in order, and hands the spec on when it is due. */
export interface RoutePacing {
  pacer: Pacer
  /** Aborted when the run stops: no more waiting for slots. */
  cancel: AbortSignal
}

/** How the router feeds the workers: the schedule, and with `--ordered` the reorder window. */
export interface RouteOptions {
  pacing?: RoutePacing
  /** `--ordered`: each spec first waits until it fits the reorder window (`ReorderWindow`). */
  window?: GaugedQueue<IndexedSpec>
}

/**
 * Moves specs from the intake queue to the workers `route` picks (`poolRoute`: by index within
 * the spec's pool, or the signer its `from` pins). Blocks (and reports backpressure) when the
 * chosen worker's queue is full. Closes every worker queue at the end. Paced, each spec first
 * takes the next slot and waits until it is due: slots go to specs in input order (so a mix
 * keeps its shares at every moment), and a spec waiting in a busy worker's queue is late
 * against its slot, which the schedule-based latencies show. With a reorder window, a spec
 * waits for it before its slot (`backpressure` with stage `reorder`): a spec that cannot go on
 * yet takes no slot.
 */
export async function routeSpecs(
  source: BoundedQueue<IndexedSpec>,
  workers: readonly Worker[],
  events: DrainingSink,
  /** Picks the worker index of a spec. */
  route: (spec: IndexedSpec) => number | undefined,
  { pacing, window }: RouteOptions = {},
): Promise<void> {
  const gauges = workers.map((w, i) => new BackpressureGauge(w.queue, events, 'worker', i))
  const gate = window ? new BackpressureGauge(window, events, 'reorder') : undefined
  try {
    for (;;) {
      // one await per spec on purpose: taking the intake queue's items in one synchronous burst
      // would empty it below half and end the reader's backpressure episode at every refill
      const spec = await source.shift()
      if (spec === undefined) break
      const target = route(spec)
      // the parser only lets pool addresses through, so a miss is a bug worth crashing on
      if (target === undefined) throw new Error(`no worker for pinned sender ${spec.from}`)
      if (gate && !gate.tryPush(spec)) await gate.push(spec)
      if (pacing && !pacing.cancel.aborted) {
        const due = pacing.pacer.take(pacing.cancel, spec as PacedSpec)
        if (due) await due
      }
      const gauge = gauges[target]!
      if (!gauge.tryPush(spec)) await gauge.push(spec)
    }
  } finally {
    gate?.finish()
    for (const g of gauges) g.finish()
    for (const w of workers) w.queue.close()
  }
}
