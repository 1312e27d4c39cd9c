/** A run's event stream for unit tests: RunEvents over an EventWriter on `out`, with the test's views and, for `--ordered`, its stash. */
import type { Writable } from 'node:stream'
import { EventWriter } from '../../src/events/eventWriter.js'
import { ReorderStash } from '../../src/events/reorderStash.js'
import { RunEvents, type EventView } from '../../src/events/runEvents.js'

export function runEvents(out: NodeJS.WritableStream | Writable, o: { views?: EventView[]; ordered?: boolean; onClosed?: (err: Error) => void; flushBytes?: number } = {}) {
  const writer = new EventWriter(out, o.onClosed, o.flushBytes)
  const stash = o.ordered ? new ReorderStash((e) => writer.write(e)) : undefined
  const events = new RunEvents(writer, { views: o.views ?? [], ...(stash ? { stash } : {}) })
  return { events, writer, stash: stash! }
}
