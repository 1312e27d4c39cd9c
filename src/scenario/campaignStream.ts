/** A campaign's spam as one stream: each stage's count of specs, its scenarios mixed by share, each scenario's own spam in its order. */
import type { CompiledStep } from './generate.js'
import { specObjects } from './generate.js'

/** One scenario of a stage's mix: its compiled spam, its label, its share of the stage. */
export interface MixPart {
  label: string
  steps: readonly CompiledStep[]
  share: number
}

export interface StagePlan {
  name: string
  /** Specs the stage sends. */
  count: number
  mix: readonly MixPart[]
}

/**
 * The campaign's spec lines, stage after stage, `count` of each. Within a stage the scenarios
 * are interleaved by smooth weighted round robin over their shares, so every stretch of the
 * stage has its mix; each scenario continues its own spam (entries, fuzz) across stages.
 * Each spec's `kind` is prefixed with its scenario's label (`erc20/erc20_transfer`; the label
 * alone when the entry has no kind), so the events tell the scenarios apart.
 */
export async function* campaignStream(stages: readonly StagePlan[], seed: string): AsyncGenerator<string> {
  const streams = new Map<readonly CompiledStep[], Iterator<Record<string, unknown>>>()
  const next = (part: MixPart): Record<string, unknown> => {
    let it = streams.get(part.steps)
    if (!it) streams.set(part.steps, (it = specObjects(part.steps, `${seed}/${part.label}`)))
    return it.next().value as Record<string, unknown>
  }
  for (const stage of stages) {
    const current = stage.mix.map(() => 0)
    const total = stage.mix.reduce((t, m) => t + m.share, 0)
    let left = stage.count
    while (left > 0) {
      const n = Math.min(left, 64)
      let chunk = ''
      for (let i = 0; i < n; i++) {
        let best = 0
        for (let j = 0; j < stage.mix.length; j++) {
          current[j]! += stage.mix[j]!.share
          if (current[j]! > current[best]!) best = j
        }
        current[best]! -= total
        const part = stage.mix[best]!
        const spec = next(part)
        const kind = typeof spec.kind === 'string' ? `${part.label}/${spec.kind}` : part.label
        chunk += `${JSON.stringify({ ...spec, kind })}\n`
      }
      left -= n
      yield chunk
    }
  }
}
