import type { Logger } from '../log.js'

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 }

/**
 * First SIGINT/SIGTERM: stop reading, let in-flight sends finish, cancel what is queued.
 * A second one exits at once.
 */
export function installSignals(controller: AbortController, log: Logger): { received(): string | undefined; remove(): void } {
  let first: string | undefined
  const handler = (sig: NodeJS.Signals) => {
    if (first !== undefined) {
      log.warn({ signal: sig }, 'second signal: exiting now')
      process.exit(SIGNAL_EXIT[first] ?? 1)
    }
    first = sig
    log.warn({ signal: sig }, 'stopping: finishing in-flight sends, cancelling queued specs (signal again to exit now)')
    controller.abort()
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return {
    received: () => first,
    remove: () => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    },
  }
}

export function exitCodeFor(reason: string, signal: string | undefined): number {
  if (reason === 'signal') return SIGNAL_EXIT[signal ?? 'SIGINT'] ?? 130
  if (reason === 'rpc_unavailable' || reason === 'chain_changed' || reason === 'input_failed') return 1
  return 0
}
