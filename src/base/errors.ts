/**
 * The one error base. `code` is a stable machine-readable identifier that ends up in
 * events (`error_code`); `message` is for people and never carries secrets.
 */
export class FloodgateError extends Error {
  override name = 'FloodgateError'
  readonly code: string
  readonly details?: string

  constructor(code: string, message: string, opts: { cause?: unknown; details?: string } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.code = code
    if (opts.details !== undefined) this.details = opts.details
  }
}

/** A command-line usage problem: exit code 2, before anything is sent. */
export class UsageError extends FloodgateError {
  override name = 'UsageError'
  constructor(message: string) {
    super('USAGE', message)
  }
}

/** A problem that stops the run before it starts (unreachable RPC, funding): exit code 1. */
export class FatalError extends FloodgateError {
  override name = 'FatalError'
}

/** Short single-line description of anything thrown, for events and logs. */
export function describeError(err: unknown, max = 300): string {
  const text =
    err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err) ?? String(err)
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine
}
