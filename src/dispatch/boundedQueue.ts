/** The bounded FIFO between pipeline stages. */
/**
 * A bounded FIFO between two async stages. `push` waits while the queue is full, so a
 * fast producer is held back instead of growing memory; `shift` waits while it is empty.
 */
export class BoundedQueue<T> {
  private items: (T | undefined)[] = []
  private head = 0
  private closed = false
  private takers: ((v: T | undefined) => void)[] = []
  private pushers: (() => void)[] = []

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be ≥ 1, got ${capacity}`)
  }

  get size(): number {
    return this.items.length - this.head
  }

  get isFull(): boolean {
    return this.size >= this.capacity
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Adds an item, waiting for room. Pushing to a closed queue is a bug and throws. */
  async push(item: T): Promise<void> {
    while (this.isFull && !this.closed) await new Promise<void>((resolve) => this.pushers.push(resolve))
    if (this.closed) throw new Error('push to a closed queue')
    const taker = this.takers.shift()
    if (taker) taker(item)
    else this.items.push(item)
  }

  /**
   * Adds an item now if there is room (no promise, for hot paths); false when the queue is
   * full or closed, and the caller then awaits `push`.
   */
  offer(item: T): boolean {
    if (this.closed || this.isFull) return false
    const taker = this.takers.shift()
    if (taker) taker(item)
    else this.items.push(item)
    return true
  }

  /** The next item if one is queued now (no promise, for hot paths), else undefined. */
  tryShift(): T | undefined {
    return this.size > 0 ? this.take() : undefined
  }

  /** Next item, or undefined once the queue is closed and empty. */
  shift(): Promise<T | undefined> {
    if (this.size > 0) return Promise.resolve(this.take())
    if (this.closed) return Promise.resolve(undefined)
    return new Promise((resolve) => this.takers.push(resolve))
  }

  /** No more pushes; takers get what is left, then undefined. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const t of this.takers.splice(0)) t(undefined)
    for (const p of this.pushers.splice(0)) p()
  }

  /** Removes and returns everything queued now. */
  drain(): T[] {
    const out = this.items.slice(this.head) as T[]
    this.items = []
    this.head = 0
    this.wakePushers()
    return out
  }

  private take(): T {
    const item = this.items[this.head] as T
    this.items[this.head] = undefined
    this.head++
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    this.wakePushers()
    return item
  }

  private wakePushers(): void {
    while (this.pushers.length > 0 && !this.isFull) this.pushers.shift()!()
  }
}
