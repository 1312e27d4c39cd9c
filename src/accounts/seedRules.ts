/** What a pool seed must be: not empty, not short, not a guessable string; the rule is checked wherever a seed comes from. */

/** The fewest characters a seed may have. */
export const MIN_SEED_CHARS = 8
/** The fewest bits a seed's characters must carry by their frequencies (length × Shannon entropy). */
export const MIN_SEED_BITS = 24

/**
 * Why `seed` is refused, or undefined: empty or whitespace, shorter than {@link MIN_SEED_CHARS}
 * characters, or carrying fewer than {@link MIN_SEED_BITS} bits by its characters' frequencies
 * (`aaaaaaaaaaaa`, `abababababab`). The pool's keys are a public function of the seed, so a
 * guessable seed funds keys anyone can compute. The reason never quotes the seed.
 */
export function seedProblem(seed: string): string | undefined {
  const s = seed.trim()
  if (s === '') return 'is empty'
  const chars = [...s]
  if (chars.length < MIN_SEED_CHARS) return `is shorter than ${MIN_SEED_CHARS} characters`
  const counts = new Map<string, number>()
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1)
  let bits = 0
  for (const n of counts.values()) bits -= n * Math.log2(n / chars.length)
  if (bits < MIN_SEED_BITS) return `is too easy to guess (its characters carry about ${Math.floor(bits)} bits; at least ${MIN_SEED_BITS} needed)`
  return undefined
}

/** The hint of a refused seed. */
export const SEED_HINT = 'use a long random seed, e.g. `openssl rand -hex 32`, or leave it out for the random one kept in the state dir'
