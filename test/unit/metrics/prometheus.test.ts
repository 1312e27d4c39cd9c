import { describe, expect, test } from 'vitest'
import { PromMetrics } from '../../../src/metrics/prometheus.js'

const sources = { pending: () => 0, intakeQueue: () => ({ size: 1, capacity: 16 }), workerQueues: () => [{ size: 2, capacity: 8 }] }

describe('PromMetrics queue gauges', () => {
  test('behavior: with --ordered, the results the reorder stash holds and its window are queue "reorder"', async () => {
    const text = await new PromMetrics({ ...sources, reorder: () => ({ size: 3, capacity: 130 }) }).registry.metrics()
    expect(text).toContain('floodgate_queue_depth{queue="reorder"} 3')
    expect(text).toContain('floodgate_queue_capacity{queue="reorder"} 130')
    expect(text).toContain('floodgate_queue_depth{queue="workers"} 2')
  })

  test('behavior: without --ordered there is no reorder series', async () => {
    const text = await new PromMetrics(sources).registry.metrics()
    expect(text).not.toContain('queue="reorder"')
    expect(text).toContain('floodgate_queue_depth{queue="intake"} 1')
  })
})
