import { describe, expect, test } from 'vitest'
import { NodeHealth } from '../../../src/rpc/nodeHealth.js'
import { readRetry, STOPPING_TIMEOUT_MS } from '../../../src/rpc/readRetry.js'
import { RpcError, TransportError, type RequestOptions } from '../../../src/rpc/rpc.js'

/** A read that meets each of `steps` in turn (an error thrown, a value returned; the last repeats), noting each request's options. */
function scripted<T>(steps: (Error | T)[]) {
  const asked: RequestOptions[] = []
  const read = async (o: RequestOptions): Promise<T> => {
    const step = steps[Math.min(asked.length, steps.length - 1)]!
    asked.push(o)
    if (step instanceof Error) throw step
    return step
  }
  return { read, asked }
}

const lost = () => new TransportError('network', 'connection refused')

describe('readRetry: once', () => {
  test('behavior: one request, no retry: a transient failure is thrown at once', async () => {
    const { read, asked } = scripted([lost(), 'late'])
    await expect(readRetry(read, { once: true })).rejects.toBeInstanceOf(TransportError)
    expect(asked).toHaveLength(1)
  })

  test('behavior: no timeout of its own while the run goes on; STOPPING_TIMEOUT_MS once it is stopping', async () => {
    let stopping = false
    const { read, asked } = scripted(['0x1'])
    await readRetry(read, { once: true }, { stopping: () => stopping })
    stopping = true
    await readRetry(read, { once: true }, { stopping: () => stopping })
    expect(asked).toEqual([{}, { timeoutMs: STOPPING_TIMEOUT_MS }])
  })

  test('behavior: with a NodeHealth, an error answer counts as the node being up, no answer as it being down', async () => {
    const health = new NodeHealth(60_000)
    await expect(readRetry(scripted([lost()]).read, { once: true }, { health })).rejects.toThrow()
    expect(health.down).toBe(true)
    await expect(readRetry(scripted([new RpcError(-32000, 'nope')]).read, { once: true }, { health })).rejects.toBeInstanceOf(RpcError)
    expect(health.down).toBe(false)
  })
})

describe('readRetry: a window (start-up reads)', () => {
  test('behavior: transient failures (no answer, a server-side error answer) are retried until the answer comes', async () => {
    const { read, asked } = scripted([lost(), new RpcError(-32603, 'internal error'), new RpcError(-32000, 'header not found'), '0x2a'])
    expect(await readRetry(read, { windowMs: 5_000 })).toBe('0x2a')
    expect(asked).toHaveLength(4)
  })

  test('behavior: a permanent error (method not found) and an error that is not the node\'s are thrown at once', async () => {
    for (const err of [new RpcError(-32601, 'method not found'), new TypeError('a bug')]) {
      const { read, asked } = scripted([err, '0x1'])
      await expect(readRetry(read, { windowMs: 5_000 })).rejects.toBe(err)
      expect(asked).toHaveLength(1)
    }
  })

  test('behavior: past the window the last failure is thrown; the last request is made at its end', async () => {
    const { read, asked } = scripted<string>([lost()])
    const t0 = performance.now()
    await expect(readRetry(read, { windowMs: 400 })).rejects.toBeInstanceOf(TransportError)
    const took = performance.now() - t0
    expect(took).toBeGreaterThanOrEqual(395)
    expect(took).toBeLessThan(1_000)
    expect(asked.length).toBeGreaterThan(2)
  })

  test('behavior: `fit`: each request is given what is left of the window (250 ms at least); without it, the connection\'s timeout', async () => {
    const fitted = scripted<string>([lost()])
    await expect(readRetry(fitted.read, { windowMs: 600, fit: true })).rejects.toThrow()
    const timeouts = fitted.asked.map((o) => o.timeoutMs!)
    expect(timeouts[0]).toBeGreaterThanOrEqual(599)
    expect(timeouts.every((ms, i) => ms >= 250 && ms <= 600 && (i === 0 || ms <= timeouts[i - 1]!))).toBe(true)
    expect(timeouts.at(-1)).toBe(250)
    const plain = scripted<string>([lost(), '0x1'])
    await readRetry(plain.read, { windowMs: 600 })
    expect(plain.asked).toEqual([{}, {}])
  })
})

describe('readRetry: --retries and the outage budget (a run\'s reads)', () => {
  test('behavior: each transport failure tells the health and onTransport; an answer ends the outage', async () => {
    const health = new NodeHealth(60_000)
    let transports = 0
    const { read } = scripted([lost(), lost(), '0x3'])
    expect(await readRetry(read, { retries: 1 }, { health, onTransport: () => transports++ })).toBe('0x3')
    expect(transports).toBe(2)
    expect(health.down).toBe(false)
  })

  test('behavior: a node that is dead ends retrying at once, whatever --retries says', async () => {
    const health = new NodeHealth(0)
    health.failed()
    await new Promise((r) => setTimeout(r, 2))
    const { read, asked } = scripted<string>([lost()])
    await expect(readRetry(read, { retries: 10 }, { health })).rejects.toBeInstanceOf(TransportError)
    expect(health.dead).toBe(true)
    expect(asked).toHaveLength(1)
  })

  test('behavior: a cancelled run: the backoff is cut short and the failure thrown', async () => {
    const cancel = new AbortController()
    const { read, asked } = scripted<string>([lost()])
    const t0 = performance.now()
    const reading = readRetry(read, { retries: 100 }, { health: new NodeHealth(60_000), cancel: cancel.signal })
    setTimeout(() => cancel.abort(), 30)
    await expect(reading).rejects.toBeInstanceOf(TransportError)
    expect(performance.now() - t0).toBeLessThan(1_000)
    expect(asked.length).toBeLessThan(10)
  })

  test('behavior: `call`: an error answer other than an internal error is the call\'s own, thrown after one request', async () => {
    const err = new RpcError(3, 'execution reverted')
    const { read, asked } = scripted([err, '0x5208'])
    await expect(readRetry(read, { retries: 3 }, { health: new NodeHealth(60_000), call: true })).rejects.toBe(err)
    expect(asked).toHaveLength(1)
  })
})
