// Owns "did you mean …?" suggestions for misspelt field names.
/**
 * "Did you mean …?" suggestions for misspelt field names.
 *
 * Comparison is case-insensitive and ignores `_` and `-`, so `gasLimit`, `GAS-LIMIT` and
 * `gaslimit` all match `gas_limit` exactly. Otherwise the optimal-string-alignment distance
 * (Damerau-Levenshtein with adjacent transpositions) must be small relative to the word.
 */

function normalize(word: string): string {
  return word.toLowerCase().replace(/[_-]/g, '')
}

/** Largest edit distance accepted for a (normalized) word of this length. */
function maxDistance(length: number): number {
  if (length <= 4) return 1
  if (length <= 8) return 2
  return 3
}

/** Optimal string alignment distance, giving up (returning `limit + 1`) once it exceeds `limit`. */
function osaDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  const n = b.length
  let prevPrev = new Array<number>(n + 1).fill(0)
  let prev = Array.from({ length: n + 1 }, (_, j) => j)
  let cur = new Array<number>(n + 1).fill(0)
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i
    let rowMin = i
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, prevPrev[j - 2]! + 1)
      }
      cur[j] = d
      if (d < rowMin) rowMin = d
    }
    if (rowMin > limit) return limit + 1
    ;[prevPrev, prev, cur] = [prev, cur, prevPrev]
  }
  return prev[n]!
}

/**
 * The candidate closest to `word`, or `undefined` when none is close enough.
 * Ties go to the earlier candidate.
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const w = normalize(word)
  if (w === '') return undefined
  const limit = maxDistance(w.length)
  let best: string | undefined
  let bestDistance = limit + 1
  for (const candidate of candidates) {
    const c = normalize(candidate)
    if (c === w) return candidate
    const d = osaDistance(w, c, Math.min(limit, bestDistance - 1))
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return bestDistance <= limit ? best : undefined
}
