/** Which addresses have no code: one eth_getCode per address per block at most, in JSON-RPC batches. */
import type { Key } from '../base/key.js'
import { toHex, type TrackerReads } from './trackerReads.js'

/** eth_getCode calls per JSON-RPC batch. */
const CODE_BATCH = 100

/** Codeless addresses remembered at most (a run to ever-new addresses reads them again past this). */
const MAX_REMEMBERED = 100_000

export class CodeReads {
  /** Addresses seen with code: never asked again (their txs' receipts are read). */
  private readonly withCode = new Set<Key>()
  /** A codeless address → the block it was last read at. */
  private readonly emptyAt = new Map<Key, number>()

  constructor(private readonly calls: TrackerReads) {}

  /**
   * Which of `addresses` had no code in the state after block `n`: each not read at `n` yet is
   * read there. Never rejects: an address whose read failed is not in the answer (its tx's
   * receipt is read instead).
   */
  async codeless(addresses: ReadonlySet<Key>, n: number): Promise<Set<Key>> {
    const out = new Set<Key>()
    const ask: Key[] = []
    for (const a of addresses) {
      if (this.withCode.has(a)) continue
      if (this.emptyAt.get(a) === n) out.add(a)
      else ask.push(a)
    }
    for (let i = 0; i < ask.length; i += CODE_BATCH) {
      const chunk = ask.slice(i, i + CODE_BATCH)
      let codes: (string | undefined)[]
      try {
        codes = await this.read(chunk, n)
      } catch {
        break // the rest are not known codeless: their receipts tell
      }
      chunk.forEach((a, j) => {
        const code = codes[j]
        if (code === undefined) return
        if (code !== '0x') {
          this.withCode.add(a)
          this.emptyAt.delete(a)
          return
        }
        if (this.emptyAt.size >= MAX_REMEMBERED) this.emptyAt.clear()
        this.emptyAt.set(a, n)
        out.add(a)
      })
    }
    return out
  }

  /** The code of each address after block n (undefined where that call failed). */
  private async read(addresses: Key[], n: number): Promise<(string | undefined)[]> {
    const block = toHex(n)
    const items = await this.calls.many(addresses.map((a) => ({ method: 'eth_getCode', params: [a, block] })))
    return items.map((item) => (item.ok && typeof item.result === 'string' ? item.result.toLowerCase() : undefined))
  }
}
