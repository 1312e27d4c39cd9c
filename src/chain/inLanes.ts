/** Work over a list a few items at a time: `lanes` in flight, items started in order. */

/**
 * Runs `work` on each item, at most `lanes` at once; a lane takes no new item once `more()`
 * says no. A `work` that throws ends its lane (and this call's promise rejects).
 */
export async function inLanes<T>(items: readonly T[], lanes: number, work: (item: T) => Promise<void>, more: () => boolean = () => true): Promise<void> {
  let next = 0
  const lane = async () => {
    while (more() && next < items.length) await work(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane))
}
