/** The one logger: pino to stderr (JSON, or a readable line on a TTY), secrets redacted. */
import { Writable } from 'node:stream'
import pino, { type Logger, type LevelWithSilent } from 'pino'

export type { Logger }

/** Field names whose values are never written, wherever they appear in a log object. */
const SECRET_KEYS = ['privateKey', 'funderKey', 'mnemonic', 'seed', 'key', 'secret']
const redactPaths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`])

const LEVEL_LABELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
}

/** A small human formatter for a terminal: `HH:MM:SS LEVEL message key=value`. */
function prettyStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const raw of chunk.toString('utf8').split('\n')) {
        if (!raw) continue
        try {
          const { level, time, msg, pid: _pid, hostname: _h, ...rest } = JSON.parse(raw) as Record<string, unknown>
          const t = new Date(Number(time)).toISOString().slice(11, 19)
          const extra = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ')
          out.write(`${t} ${LEVEL_LABELS[Number(level)] ?? level} ${String(msg ?? '')}${extra ? ` ${extra}` : ''}\n`)
        } catch {
          out.write(`${raw}\n`)
        }
      }
      done()
    },
  })
}

export interface LogOptions {
  level?: LevelWithSilent
  /** Force the human format (default: when stderr is a TTY). */
  pretty?: boolean
  /** Where to write; default fd 2. Tests pass a stream. */
  destination?: NodeJS.WritableStream
}

/** The one logger: JSON lines (or a readable line on a TTY) to stderr, never stdout. */
export function createLogger(opts: LogOptions = {}): Logger {
  const pretty = opts.pretty ?? Boolean(process.stderr.isTTY)
  const base = {
    level: opts.level ?? 'info',
    base: undefined,
    redact: { paths: redactPaths, censor: '[redacted]' },
  }
  if (pretty) return pino(base, prettyStream(opts.destination ?? process.stderr))
  if (opts.destination) return pino(base, opts.destination)
  return pino(base, pino.destination({ fd: 2, sync: true }))
}
