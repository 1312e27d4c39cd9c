/** Writing events as JSON lines (coalesced writes, drain for slow readers, a closed pipe is not an error). */
import type { FloodgateEvent } from './types.js'

/**
 * Writes events as JSON lines to stdout (or any writable). Lines emitted within `flushMs`
 * (20 ms) are coalesced into one write: a write to a pipe costs a syscall and a wake-up of
 * the reader, which once per event-loop turn cost as much CPU as signing
 * (docs/benchmarks.md). Callers on the hot path check `needsDrain` and await `drained()`,
 * so a slow consumer slows the run instead of growing memory. A closed pipe (EPIPE, e.g.
 * `| head`) is not an error: `onClosed` is called once and further events are dropped.
 * It only writes: what is emitted, observed and stamped is the run's `RunEvents`.
 */
export class EventWriter {
  private pending: string[] = []
  private pendingBytes = 0
  private scheduled = false
  private timer: NodeJS.Timeout | undefined
  private backlogged = false
  private waiters: (() => void)[] = []
  private _closed = false

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly onClosed: (err: Error) => void = () => {},
    /** Flush once this many bytes are pending, without waiting for the timer. */
    private readonly flushBytes = 64 * 1024,
    /** Longest an emitted line waits to be written. */
    private readonly flushMs = 20,
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

  /** Writes one event as a line (coalesced with the lines of the next `flushMs`); dropped once the pipe closed. */
  write(event: FloodgateEvent): void {
    if (this._closed) return
    // lines are joined with their newlines at the flush: no second copy of each line here
    const line = JSON.stringify(event)
    this.pending.push(line)
    this.pendingBytes += line.length + 1
    if (this.pendingBytes >= this.flushBytes) this.flush()
    else if (!this.scheduled) {
      this.scheduled = true
      this.timer = setTimeout(() => this.flush(), this.flushMs)
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
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.pending.length === 0 || this._closed) {
      this.pending = []
      this.pendingBytes = 0
      return
    }
    const chunk = this.pending.length === 1 ? `${this.pending[0]!}\n` : `${this.pending.join('\n')}\n`
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
