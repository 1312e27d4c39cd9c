import { EVENT_VERSION, type EventBody, type FloodgateEvent } from './types.js'

/**
 * Writes events as JSON lines to stdout (or any writable). Lines emitted in the same
 * tick are coalesced into one write. Callers on the hot path check `needsDrain` and
 * await `drained()`, so a slow consumer slows the run instead of growing memory.
 * A closed pipe (EPIPE, e.g. `| head`) is not an error: `onClosed` is called once and
 * further events are dropped.
 */
export class EventWriter {
  private pending: string[] = []
  private pendingBytes = 0
  private scheduled = false
  private backlogged = false
  private waiters: (() => void)[] = []
  private _closed = false
  private readonly listeners: ((e: FloodgateEvent) => void)[] = []

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly onClosed: (err: Error) => void = () => {},
    /** Flush once this many bytes are pending, without waiting for the tick to end. */
    private readonly flushBytes = 64 * 1024,
  ) {
    out.on('error', (err: NodeJS.ErrnoException) => this.close(err))
    out.on('drain', () => this.release())
    out.on('close', () => this.close(new Error('stdout closed')))
  }

  get closed(): boolean {
    return this._closed
  }

  /** True while the destination is over its high-water mark. */
  get needsDrain(): boolean {
    return this.backlogged && !this._closed
  }

  /** Observers see every event (metrics, tests); they must not throw. */
  onEvent(listener: (e: FloodgateEvent) => void): void {
    this.listeners.push(listener)
  }

  emit(body: EventBody): void {
    const event = { version: EVENT_VERSION, ...body } as FloodgateEvent
    for (const l of this.listeners) l(event)
    if (this._closed) return
    const line = `${JSON.stringify(event)}\n`
    this.pending.push(line)
    this.pendingBytes += line.length
    if (this.pendingBytes >= this.flushBytes) this.flush()
    else if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => this.flush())
    }
  }

  /** Resolves when the destination has room again (at once if it has). */
  drained(): Promise<void> {
    if (!this.needsDrain) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** Writes what is pending and resolves when it has been handed to the OS. */
  async end(): Promise<void> {
    this.flush()
    if (this._closed) return
    await new Promise<void>((resolve) => {
      if (this.out.write('', () => resolve())) return
      this.out.once('drain', () => resolve())
    })
  }

  private flush(): void {
    this.scheduled = false
    if (this.pending.length === 0 || this._closed) {
      this.pending = []
      this.pendingBytes = 0
      return
    }
    const chunk = this.pending.length === 1 ? this.pending[0]! : this.pending.join('')
    this.pending = []
    this.pendingBytes = 0
    try {
      if (!this.out.write(chunk)) this.backlogged = true
    } catch (err) {
      this.close(err as Error)
    }
  }

  private release(): void {
    this.backlogged = false
    for (const w of this.waiters.splice(0)) w()
  }

  private close(err: Error): void {
    if (this._closed) return
    this._closed = true
    this.pending = []
    this.release()
    this.onClosed(err)
  }
}
