/** The shape each JSON-RPC result floodgate reads must have before it is used: a quantity, a hash, a receipt, a block. */

/** Why a result is not of its method's shape (undefined: it is). */
export type ShapeCheck = (result: unknown) => string | undefined

const QUANTITY = /^0x[0-9a-fA-F]{1,64}$/
const HASH = /^0x[0-9a-fA-F]{64}$/

function quantity(v: unknown): string | undefined {
  return typeof v === 'string' && QUANTITY.test(v) ? undefined : `not a hex quantity: ${show(v)}`
}

function hash(v: unknown): string | undefined {
  return typeof v === 'string' && HASH.test(v) ? undefined : `not a 32-byte hash: ${show(v)}`
}

/** `fields` of an object, each a quantity (`?`: absent or null allowed). */
function fieldsOf(what: string, v: unknown, fields: readonly string[]): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return `${what} is not an object: ${show(v)}`
  const o = v as Record<string, unknown>
  for (const f of fields) {
    const optional = f.endsWith('?')
    const name = optional ? f.slice(0, -1) : f
    const x = o[name]
    if (optional && (x === undefined || x === null)) continue
    const bad = name === 'transactionHash' || name === 'hash' ? hash(x) : quantity(x)
    if (bad) return `${what}.${name} is ${bad}`
  }
  return undefined
}

const RECEIPT_FIELDS = ['transactionHash', 'blockNumber', 'gasUsed', 'transactionIndex?', 'status?', 'effectiveGasPrice?', 'blobGasUsed?', 'blobGasPrice?'] as const
const BLOCK_FIELDS = ['number', 'timestamp', 'gasUsed?', 'gasLimit?', 'baseFeePerGas?'] as const

/** A receipt the tracker can read: its hash, block, gas as hex, the optional fields absent, null or hex. */
export function receiptShape(v: unknown): string | undefined {
  const bad = fieldsOf('receipt', v, RECEIPT_FIELDS)
  if (bad) return bad
  const c = (v as { contractAddress?: unknown }).contractAddress
  if (c !== undefined && c !== null && typeof c !== 'string') return `receipt.contractAddress is not a string: ${show(c)}`
  return undefined
}

function blockShape(v: unknown): string | undefined {
  const bad = fieldsOf('block', v, BLOCK_FIELDS)
  if (bad) return bad
  const txs = (v as { transactions?: unknown }).transactions
  if (txs !== undefined && !Array.isArray(txs)) return `block.transactions is not an array: ${show(txs)}`
  return undefined
}

const orNull =
  (check: ShapeCheck): ShapeCheck =>
  (v) =>
    v === null ? undefined : check(v)

const QUANTITY_METHODS = ['eth_chainId', 'eth_blockNumber', 'eth_getTransactionCount', 'eth_getBalance', 'eth_gasPrice', 'eth_maxPriorityFeePerGas', 'eth_estimateGas', 'eth_blobBaseFee']

/** The methods whose results are checked, and how; the others are read where they are used. */
const SHAPES: ReadonlyMap<string, ShapeCheck> = new Map<string, ShapeCheck>([
  ...QUANTITY_METHODS.map((m): [string, ShapeCheck] => [m, quantity]),
  ['eth_sendRawTransaction', hash],
  ['eth_getTransactionReceipt', orNull(receiptShape)],
  ['eth_getBlockReceipts', orNull((v) => (Array.isArray(v) ? v.map(receiptShape).find((x) => x !== undefined) : `not an array: ${show(v)}`))],
  ['eth_getBlockByNumber', orNull(blockShape)],
  ['eth_getBlockByHash', orNull(blockShape)],
  ['eth_getTransactionByHash', orNull((v) => fieldsOf('tx', v, ['hash', 'nonce?', 'blockNumber?']))],
  ['eth_getCode', (v) => (typeof v === 'string' && /^0x[0-9a-fA-F]*$/.test(v) ? undefined : `not hex data: ${show(v)}`)],
])

/** Why `result`, an answer to `method`, cannot be used (undefined: it can, or the method is not checked). */
export function badShape(method: string, result: unknown): string | undefined {
  return SHAPES.get(method)?.(result)
}

/** A short, printable quote of a bad value (never the whole of a huge one). */
function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
  if (v === null || typeof v !== 'object') return String(v)
  return Array.isArray(v) ? 'an array' : 'an object'
}
