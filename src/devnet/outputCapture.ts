/** A node's output while it starts: kept for a start error to show, and watched for the line that says where it listens. */
const TAIL_LINES = 40
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g

/** A node's output until it is ready: the last lines of both streams, each shown to `onLine`; afterwards the streams are only drained. */
export class OutputCapture {
  readonly tail: string[] = []
  onLine: ((line: string) => void) | undefined
  private capturing = true

  constructor(streams: readonly NodeJS.ReadableStream[]) {
    for (const s of streams) this.read(s)
  }

  /** Keeps no more lines (the streams are still drained) and drops the kept ones. */
  stop(): void {
    this.capturing = false
    this.tail.length = 0
  }

  private read(stream: NodeJS.ReadableStream): void {
    let partial = ''
    stream.on('data', (chunk: Buffer) => {
      if (!this.capturing) return
      const parts = (partial + chunk.toString('utf8')).split(/\r?\n/)
      partial = parts.pop() ?? ''
      if (partial.length > 4096) {
        parts.push(partial.slice(0, 4096))
        partial = ''
      }
      for (const raw of parts) this.keep(raw)
    })
    stream.once('end', () => {
      if (this.capturing && partial.trim()) this.tail.push(partial.replace(ANSI, '').trimEnd())
      partial = ''
    })
  }

  private keep(raw: string): void {
    const line = raw.replace(ANSI, '').trimEnd()
    if (!line.trim()) return
    this.tail.push(line)
    if (this.tail.length > TAIL_LINES) this.tail.shift()
    this.onLine?.(line)
  }
}
