/** Odd but parseable spec lines for property tests: extreme values, every tx type, cross-field combinations. */
import fc from 'fast-check'

const MAX_U256 = (2n ** 256n - 1n).toString()
const MAX_U64 = (2n ** 64n - 1n).toString()
export const ODD_SINK = '0x000000000000000000000000000000000000dEaD'
const ZERO = '0x0000000000000000000000000000000000000000'
const ECRECOVER = '0x0000000000000000000000000000000000000001'
const IDENTITY = '0x0000000000000000000000000000000000000004'
const POINT_EVAL = '0x000000000000000000000000000000000000000A'

const hex = (bytes: number, fill = 'ab'): string => `0x${fill.repeat(bytes)}`

const to = fc.constantFrom(ODD_SINK, '{_sender}', ZERO, ECRECOVER, IDENTITY, POINT_EVAL)
const amount = fc.constantFrom('0', '1 wei', '1 gwei', '1000 gwei', '1 eth', '1000000 eth', MAX_U64, MAX_U256, `0x${'f'.repeat(64)}`)
const smallValue = fc.constantFrom('0', '1 wei', '0.001 eth')
const gasLimit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<number | string>(100_000, 1_000_000, '500000') },
  { weight: 2, arbitrary: fc.constantFrom<number | string>(1, 20_999, 21_000, 21_001, 25_000, 29_999_999, 30_000_000, 30_000_001, 100_000_000, MAX_U64) },
)
/** Fees: mostly ordinary (or below the base fee), sometimes extreme. */
const fee = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('0', '1 wei', '1 gwei', '2 gwei', '50 gwei') }, { weight: 1, arbitrary: amount })
const data = fc.oneof(
  fc.constantFrom('0x', '0x00', '0xfe', hex(4, 'a9'), hex(1024, '00'), hex(1024, 'ff'), hex(60_000, '00'), hex(60_000, '01')),
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => `0x${Buffer.from(b).toString('hex')}`),
)
const call = fc.constantFrom(
  { signature: 'transfer(address,uint256)', args: ['{_sender}', '1'] },
  { signature: 'foo()' },
  { signature: 'f(uint8,bytes)', args: ['255', '0x'] },
  { signature: 'function g(string s)', args: ['x'.repeat(2000)] },
)
const accessList = fc.constantFrom(
  [],
  [{ address: ODD_SINK }],
  [{ address: ODD_SINK, storageKeys: [hex(32, '00'), hex(32, 'ff')] }],
  Array.from({ length: 200 }, (_, i) => ({ address: `0x${i.toString(16).padStart(40, '0')}`, storageKeys: [hex(32, '01')] })),
)
const blobData = fc.constantFrom('f00d', 'hello blobs', '0x00', 'ff'.repeat(4096))
const authorization = fc.constantFrom(ODD_SINK, ZERO, IDENTITY)

/** The fields every type may carry, each present or not. */
const common = {
  to,
  value: fc.oneof({ weight: 4, arbitrary: smallValue }, { weight: 1, arbitrary: amount }),
  gas_limit: gasLimit,
  data: fc.oneof(data, call),
  max_fee_per_gas: fee,
}

/** The fields of one tx type (a fixed type, or none: the chain's default), with odd values. */
const byType = fc.oneof(
  fc.record({ ...common, tx_type: fc.constant('legacy') }, { requiredKeys: ['to', 'tx_type'] }),
  fc.record({ ...common, tx_type: fc.constant('eip2930'), access_list: accessList }, { requiredKeys: ['to', 'tx_type'] }),
  fc.record({ ...common, tx_type: fc.constantFrom('eip1559', undefined), access_list: accessList, max_priority_fee_per_gas: fee }, { requiredKeys: ['to'] }),
  fc.record({ ...common, blob_data: blobData, access_list: accessList, max_priority_fee_per_gas: fee, max_fee_per_blob_gas: fee }, { requiredKeys: ['to', 'blob_data'] }),
  fc.record({ ...common, authorization_address: authorization, access_list: accessList, max_priority_fee_per_gas: fee }, { requiredKeys: ['to', 'authorization_address'] }),
)

/** One line: mostly parseable (a tip above the max fee is refused by the parser, which is fine: one invalid_spec). */
export const oddSpec = byType.map(({ data: d, ...rest }) => {
  const line: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) line[k] = v
  // calldata is raw `data` or a `signature` with its `args`
  if (typeof d === 'string') line.data = d
  else if (d !== undefined) Object.assign(line, d)
  return line
})

/** `n` lines from a fixed seed, each with its index as `id`. */
export function oddLines(n: number, seed: number): Record<string, unknown>[] {
  return fc.sample(oddSpec, { numRuns: n, seed }).map((l, i) => ({ ...l, id: `odd-${i}` }))
}
