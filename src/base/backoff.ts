/** Jittered exponential backoff between retries. */

/** Wait before retry `attempt` (1-based): 100 ms doubling up to 2 s, jittered to half–full. */
export function backoffMs(attempt: number): number {
  const base = Math.min(2_000, 100 * 2 ** (attempt - 1))
  return base / 2 + Math.random() * (base / 2)
}
