/**
 * Running anvil as a child process: start (until it listens), errors that show its output with
 * secrets withheld, and stop. Its flags are built in anvilFlags.ts; the process itself is a
 * NodeProcess (nodeProcess.ts), as geth's is.
 */
import { anvilBinary } from './anvilBinary.js'
import { anvilFlags, secretArgs } from './anvilFlags.js'
import type { AnvilOptions } from './anvilOptions.js'
import { jsonRpc, type NodeInstance, NodeProcess, NodeStartError, sanitizeNodeOutput, urlHost } from './nodeProcess.js'

export interface AnvilInstance extends NodeInstance {
  host: string
  port: number
}

/** anvil failed to start: bad flag, port taken, timeout... `output` is anvil's last lines, secrets withheld. */
export class AnvilStartError extends NodeStartError {
  override name = 'AnvilStartError'

  constructor(reason: string, output: string[], opts: { exitCode?: number | null; cause?: unknown } = {}) {
    super('anvil', 'ANVIL_START', reason, output, opts)
  }
}

const DEFAULT_START_TIMEOUT_MS = 15_000
const DEFAULT_STOP_TIMEOUT_MS = 5_000

/** Starts anvil and resolves once it listens. Its output is captured (last 40 lines) and never printed. */
export async function startAnvil(opts: AnvilOptions = {}): Promise<AnvilInstance> {
  const host = opts.host ?? '127.0.0.1'
  const startTimeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS
  const flags = anvilFlags({ ...opts, host })
  const startedAt = Date.now()
  const anvil = new NodeProcess(anvilBinary(), flags, {
    name: 'anvil',
    listening: /Listening on (\S+):(\d+)\s*$/,
    listeningText: 'Listening on',
    secrets: secretArgs(opts.extraArgs ?? []),
    stopTimeoutMs: opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
    onParentGone: opts.dumpState ? 'SIGTERM' : 'SIGKILL',
    logger: opts.logger,
    startError: (reason, output, o) => new AnvilStartError(reason, output, o),
  })
  const { port } = await anvil.untilListening(startTimeoutMs)
  const url = `http://${urlHost(host)}:${port}`
  if (opts.silent) {
    // anvil's own log lines off (anvil_setLoggingEnabled false); on failure it is killed
    try {
      await jsonRpc(url, 'anvil_setLoggingEnabled', [false], Math.max(1_000, startTimeoutMs - (Date.now() - startedAt)))
    } catch (err) {
      throw await anvil.failStart(`anvil listened on ${url} but did not answer anvil_setLoggingEnabled (${err instanceof Error ? err.message : String(err)})`, err)
    }
  }
  anvil.ready(url)
  return { url, host, port, pid: anvil.child.pid!, stop: () => anvil.stop(), exited: anvil.exited }
}

/** anvil's output lines minus anything that may be secret (nodeProcess.ts: sanitizeNodeOutput). */
export const sanitizeAnvilOutput = sanitizeNodeOutput

export type { AnvilOptions }
