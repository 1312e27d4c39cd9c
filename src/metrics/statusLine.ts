/** The live status line on a terminal's stderr, redrawn in place around log lines. */
import { Writable } from 'node:stream'

/** Carriage return + erase the whole line (ECMA-48 EL 2). */
export const CLEAR_LINE = '\r\x1b[2K'

type TtyLike = NodeJS.WritableStream & { isTTY?: boolean; columns?: number }

/**
 * One live status line at the bottom of a terminal (stderr), redrawn in place. Log lines
 * go through `logStream`, which clears the status line, writes the log text and redraws
 * the line after it, so logs are never overwritten or interleaved. Only for a TTY:
 * `StatusLine.for(stream)` is undefined otherwise, and nothing is drawn.
 */
export class StatusLine {
  private text = ''
  private shown = false
  private finished = false
  /** Pass to createLogger({ destination }) so logs and the line share the terminal. */
  readonly logStream: Writable

  private constructor(private readonly out: TtyLike) {
    this.logStream = new Writable({
      write: (chunk: Buffer | string, _enc, done) => {
        if (this.shown) this.out.write(CLEAR_LINE)
        this.out.write(chunk)
        this.shown = false
        this.draw()
        done()
      },
    })
  }

  static for(out: TtyLike): StatusLine | undefined {
    return out.isTTY ? new StatusLine(out) : undefined
  }

  /** Replaces the line's text and redraws it. */
  update(text: string): void {
    if (this.finished) return
    this.text = text
    this.draw()
  }

  /** Erases the line for good; later updates draw nothing. Log lines still pass. */
  done(): void {
    if (this.shown) this.out.write(CLEAR_LINE)
    this.shown = false
    this.finished = true
    this.text = ''
  }

  private draw(): void {
    if (this.finished || !this.text) return
    const width = Math.max(10, (this.out.columns ?? 80) - 1)
    const text = this.text.length > width ? `${this.text.slice(0, width - 1)}…` : this.text
    this.out.write(`${CLEAR_LINE}${text}`)
    this.shown = true
  }
}
