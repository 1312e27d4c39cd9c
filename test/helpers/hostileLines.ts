/** Hostile spec lines for the line-parser fuzz (test and bench/fuzz-input.mjs): deep and huge structures, duplicate keys, numbers a double cannot hold. */
import fc from 'fast-check'

const TO = '0x000000000000000000000000000000000000dEaD'
const FIELDS = ['to', 'from', 'from_pool', 'signature', 'args', 'value', 'gas_limit', 'access_list', 'kind', 'max_fee_per_gas', 'max_priority_fee_per_gas', 'id', 'data', 'tx_type', 'blob_data', 'max_fee_per_blob_gas', 'authorization_address', 'fuzz', 'nope']
const SIGNATURES = ['f(bool)', 'f(uint256[])', 'f((uint8,bool)[])', 'f(bytes,string)', 'f(address[2][])', 'transfer(address,uint256)']

/** A value nested `depth` deep, of arrays or objects, around `inner`. */
const nested = (depth: number, inner: string, asObject: boolean) => (asObject ? `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}` : `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`)

/** Shallow or deep: fast-check favours small integers, and the deep end is where stacks overflow. */
const depth = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1_000, max: 60_000 }))

/** The JSON text of one hostile value. */
export const hostileValue: fc.Arbitrary<string> = fc.oneof(
  fc.record({ depth, inner: fc.constantFrom('', '1', '"x"', 'true', 'null', '{}'), asObject: fc.boolean() }).map(({ depth, inner, asObject }) => nested(depth, inner, asObject && inner !== '')),
  fc.integer({ min: 0, max: 120_000 }).map((n) => JSON.stringify('y'.repeat(n))),
  fc.integer({ min: 0, max: 20_000 }).map((n) => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`),
  fc.integer({ min: 0, max: 5_000 }).map((n) => `{${Array.from({ length: n }, (_, i) => `"k${i % 97}":${i}`).join(',')}}`),
  fc.constantFrom('21000.0000000000001', '1e-400', '1e400', '-1e400', '9007199254740993', '0.1', '-0', '1e21', '2.1e4', '1E+2', '123456789012345678901234567890'),
  fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
)

/** One line: a spec-like object whose fields are hostile, sometimes a key given twice; or raw hostile JSON. */
export const hostileLine: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ fields: fc.array(fc.tuple(fc.constantFrom(...FIELDS), hostileValue), { maxLength: 4 }), signature: fc.constantFrom(...SIGNATURES), dup: fc.boolean() }).map(({ fields, signature, dup }) => {
    const parts = [`"to":"${TO}"`, `"signature":${JSON.stringify(signature)}`, ...fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`)]
    if (dup && fields.length > 0) parts.push(`${JSON.stringify(fields[0]![0])}:${fields[0]![1]}`)
    return `{${parts.join(',')}}`
  }) },
  // a deep argument where the signature wants a scalar or a shallow array: the parser quotes it in its error
  { weight: 2, arbitrary: fc.record({ signature: fc.constantFrom(...SIGNATURES), depth, inner: fc.constantFrom('', '1', 'true', '"x"') }).map(({ signature, depth: d, inner }) => `{"to":"${TO}","signature":${JSON.stringify(signature)},"args":[${nested(d, inner, false)}]}`) },
  { weight: 1, arbitrary: hostileValue },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => s.replace(/\n/g, ' ')) },
)
