/** The groups `--help` and docs/cli.md list a command's flags in, in order: the few a newcomer needs first. */

/** Each group's heading, in the order they are listed. */
export const HELP_GROUPS = {
  start: 'Start here:',
  connection: 'Connection and devnet:',
  accounts: 'Accounts and funding:',
  pacing: 'Pacing:',
  txs: 'Transactions and fees:',
  receipts: 'Receipts and timeouts:',
  faults: 'Faults and retries:',
  output: 'Output and metrics:',
} as const

export type HelpGroup = keyof typeof HELP_GROUPS

const ORDER = Object.keys(HELP_GROUPS) as HelpGroup[]

/** Sorts items by their group's place, keeping the table order within a group. */
export function byGroup<T extends { group: HelpGroup }>(items: readonly T[]): T[] {
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => ORDER.indexOf(a.item.group) - ORDER.indexOf(b.item.group) || a.i - b.i)
    .map((x) => x.item)
}
