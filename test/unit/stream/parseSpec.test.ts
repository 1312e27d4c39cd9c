import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type Address,
  type Hex,
  decodeFunctionData,
  encodeFunctionData,
  getAddress,
  parseAbi,
  toFunctionSelector,
  zeroAddress,
} from 'viem'
import { describe, expect, test } from 'vitest'
import { readLines } from '../../../src/stream/lineReader.js'
import { KNOWN_FIELDS, MAX_LABEL_LENGTH, parseSpec } from '../../../src/stream/parseSpec.js'
import { type InvalidSpecCode, type ParseContext, type Spec, type SpecProblem, SENDER_PLACEHOLDER, parseContext } from '../../../src/stream/spec.js'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const CONTENDER_EXAMPLES = resolve(REPO_ROOT, '../shared/compat/contender/stream-examples.jsonl')

const POOL: Address[] = [
  getAddress('0x70997970c51812dc3a010c7d01b50e0d17dc79c8'),
  getAddress('0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc'),
]
const ctx: ParseContext = parseContext([['executors', POOL]])

const DEAD = '0xdeAD000000000000000000000000000000000000'
const DEAD_CHECKSUMMED = getAddress(DEAD)
const OTHER = '0x1111111111111111111111111111111111111111'

function line(obj: Record<string, unknown>): string {
  return JSON.stringify(obj)
}

/** Parse a spec that must be valid. */
function ok(obj: Record<string, unknown> | string, lineNo = 1): { spec: Spec; ignored: string[] } {
  const r = parseSpec(typeof obj === 'string' ? obj : line(obj), lineNo, ctx)
  if (!r.ok) throw new Error(`expected a valid spec, got ${r.problem.code}: ${r.problem.error}`)
  return r
}

/** Parse a spec that must be invalid. */
function bad(obj: Record<string, unknown> | string): SpecProblem {
  const r = parseSpec(typeof obj === 'string' ? obj : line(obj), 1, ctx)
  if (r.ok) throw new Error('expected an invalid spec')
  return r.problem
}

function staticCalldata(spec: Spec): Hex {
  expect(typeof spec.calldata).toBe('string')
  return spec.calldata as Hex
}

function call(signature: string, args: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { to: DEAD, signature, args, ...extra }
}

// ---------------------------------------------------------------------------------------------

describe('contender compatibility: the docs/stream-mode.md example lines', () => {
  const present = existsSync(CONTENDER_EXAMPLES)
  const why = `contender examples not found at ${CONTENDER_EXAMPLES} (the ../shared/compat/contender folder beside the checkout); skipped`
  const examples = (): { text: string; lineNo: number }[] =>
    readFileSync(CONTENDER_EXAMPLES, 'utf8')
      .split('\n')
      .map((text, i) => ({ text, lineNo: i + 1 }))
      .filter(({ text }) => text.trim() !== '' && !text.trimStart().startsWith('#'))

  test('there are three example lines and all parse unchanged', (t) => {
    if (!present) t.skip(why)
    const lines = examples()
    expect(lines).toHaveLength(3)
    for (const { text, lineNo } of lines) {
      const r = parseSpec(text, lineNo, ctx)
      expect(r, text).toMatchObject({ ok: true, ignored: [] })
    }
  })

  test('minimal: value "1 wei" to 0xdead with gas_limit 21000', (t) => {
    if (!present) t.skip(why)
    const first = examples()[0]!
    expect(ok(first.text, first.lineNo).spec).toEqual({
      line: first.lineNo,
      to: DEAD_CHECKSUMMED,
      value: 1n,
      gasLimit: 21000n,
    })
  })

  test('interop-style: validateMessage(bytes32) with an access list', (t) => {
    if (!present) t.skip(why)
    const second = examples()[1]!
    const { spec } = ok(second.text, second.lineNo)
    const abi = parseAbi(['function validateMessage(bytes32)'])
    const decoded = decodeFunctionData({ abi, data: staticCalldata(spec) })
    expect(decoded.functionName).toBe('validateMessage')
    expect(decoded.args).toEqual(['0x0102030405060708091011121314151617181920212223242526272829303132'])
    expect(spec.selector).toBe(toFunctionSelector('function validateMessage(bytes32)'))
    expect(spec.to).toBe('0x4200000000000000000000000000000000000022')
    expect(spec.gasLimit).toBe(200000n)
    expect(spec.value).toBe(0n)
    expect(spec.accessList).toEqual([
      {
        address: '0x4200000000000000000000000000000000000022',
        storageKeys: ['0x0100000000000000000000000000000000000000000000000000000000000000'],
      },
    ])
  })

  test('smoke test: value "1" is 1 wei', (t) => {
    if (!present) t.skip(why)
    const third = examples()[2]!
    expect(ok(third.text, third.lineNo).spec).toEqual({
      line: third.lineNo,
      to: DEAD_CHECKSUMMED,
      value: 1n,
      gasLimit: 21000n,
    })
  })
})

describe('floodgate examples: scenarios/examples.jsonl', () => {
  const file = resolve(REPO_ROOT, 'scenarios/examples.jsonl')
  test('every line reads and parses', async (t) => {
    if (!existsSync(file)) t.skip(`${file} not found; skipped`)
    async function* input(): AsyncGenerator<Buffer> {
      yield readFileSync(file)
    }
    let specs = 0
    for await (const raw of readLines(input())) {
      expect(raw).toHaveProperty('text')
      if (!('text' in raw)) continue
      const r = parseSpec(raw.text, raw.line, ctx)
      expect(r.ok ? 'ok' : r.problem.error).toBe('ok')
      specs++
    }
    expect(specs).toBeGreaterThan(0)
  })
})

describe('contender compatibility: scenario-style [spam.tx] fields as JSON', () => {
  test('simpleAccessList-style call with string args', () => {
    const { spec } = ok(
      call('callPrecompile(string memory method, uint256 iterations)', ['sstore', '5'], {
        access_list: [{ address: DEAD, storageKeys: [`0x${'0'.repeat(63)}1`, `0x${'0'.repeat(63)}2`] }],
      }),
    )
    const abi = parseAbi(['function callPrecompile(string, uint256)'])
    expect(decodeFunctionData({ abi, data: staticCalldata(spec) }).args).toEqual(['sstore', 5n])
  })
  test('slotContention-style signature with "function" and "public", plus from_pool', () => {
    const { spec } = ok(
      call(
        'function writeToSlot(uint256 slot, uint256 lower, uint256 upper, uint256 newValue, uint256 payment) public',
        ['0', '0', '1000', '420', '10000000000000'],
        { from_pool: 'executors', gas_limit: 151000 },
      ),
    )
    const abi = parseAbi(['function writeToSlot(uint256,uint256,uint256,uint256,uint256)'])
    expect(decodeFunctionData({ abi, data: staticCalldata(spec) }).args).toEqual([0n, 0n, 1000n, 420n, 10000000000000n])
    expect(spec.gasLimit).toBe(151000n)
  })
  test('reverts-style bool and empty bytes given as strings', () => {
    const { spec } = ok(call('revertIfTrue(bool doRevert, bytes calldata data)', ['true', '0x']))
    const abi = parseAbi(['function revertIfTrue(bool, bytes)'])
    expect(decodeFunctionData({ abi, data: staticCalldata(spec) }).args).toEqual([true, '0x'])
  })
  test('simpler-style: no-argument call to {_sender} with args []', () => {
    const { spec } = ok({ to: '{_sender}', signature: 'hey()', args: [], value: '1' })
    expect(spec.to).toBe(SENDER_PLACEHOLDER)
    expect(spec.calldata).toBe(toFunctionSelector('function hey()'))
    expect(spec.value).toBe(1n)
  })
  test('setCode-style tuple-array string with {_sender} inside', () => {
    const { spec } = ok(call('function execute((address,uint256,bytes)[])', ['[({_sender},0,0xd09de08a)]']))
    expect(typeof spec.calldata).toBe('function')
    const abi = parseAbi(['function execute((address,uint256,bytes)[])'])
    const sender = POOL[0]!
    const data = (spec.calldata as (s: Address) => Hex)(sender)
    expect(decodeFunctionData({ abi, data }).args).toEqual([[[sender, 0n, '0xd09de08a']]])
  })
})

describe('field: to', () => {
  test('an address in any case is stored checksummed', () => {
    expect(ok({ to: DEAD.toLowerCase() }).spec.to).toBe(DEAD_CHECKSUMMED)
    expect(ok({ to: DEAD.toUpperCase().replace('0X', '0x') }).spec.to).toBe(DEAD_CHECKSUMMED)
  })
  test('{_sender} is kept as the placeholder', () => {
    expect(ok({ to: '{_sender}' }).spec.to).toBe(SENDER_PLACEHOLDER)
  })
  test('a plain transfer spec has only line, to and value', () => {
    expect(ok({ to: DEAD }, 7).spec).toEqual({ line: 7, to: DEAD_CHECKSUMMED, value: 0n })
  })
  test('error: missing', () => {
    expect(bad({ value: 1 })).toEqual({ code: 'MISSING_FIELD', field: 'to', error: 'to: missing (a recipient address, or "{_sender}")' })
  })
  test('error: null counts as missing', () => {
    expect(bad({ to: null })).toMatchObject({ code: 'MISSING_FIELD', field: 'to' })
  })
  test('error: not a string', () => {
    expect(bad({ to: 12 })).toEqual({ code: 'INVALID_TYPE', field: 'to', error: 'to: expected an address string, got a number' })
  })
  test('error: not an address', () => {
    expect(bad({ to: '0x1234' })).toEqual({
      code: 'INVALID_ADDRESS',
      field: 'to',
      error: 'to: "0x1234" is not an address (0x followed by 40 hex digits)',
    })
  })
  test('error: other contender placeholders are explained', () => {
    expect(bad({ to: '{SpamMe5}' }).error).toMatch(/placeholders other than \{_sender\} are not supported/)
  })
})

describe('field: from', () => {
  test('a pool address in any case is stored checksummed', () => {
    expect(ok({ to: DEAD, from: POOL[1]!.toLowerCase() }).spec.from).toBe(POOL[1])
  })
  test('error: an address outside the pool', () => {
    expect(bad({ to: DEAD, from: OTHER })).toEqual({
      code: 'UNKNOWN_SENDER',
      field: 'from',
      error: `from: ${OTHER} is not an address of pool "executors" (2 addresses)`,
    })
  })
  test('error: not an address', () => {
    expect(bad({ to: DEAD, from: 'alice' })).toMatchObject({ code: 'INVALID_ADDRESS', field: 'from' })
  })
  test('error: not a string', () => {
    expect(bad({ to: DEAD, from: ['x'] })).toMatchObject({ code: 'INVALID_TYPE', field: 'from' })
  })
})

describe('field: from_pool', () => {
  test('the run’s pool name is accepted and not stored', () => {
    expect(ok({ to: DEAD, from_pool: 'executors' }).spec).toEqual({ line: 1, to: DEAD_CHECKSUMMED, value: 0n })
  })
  test('error: another pool', () => {
    expect(bad({ to: DEAD, from_pool: 'redpool' })).toEqual({
      code: 'UNKNOWN_POOL',
      field: 'from_pool',
      error: `from_pool: unknown pool "redpool"; this run has one pool, "executors" (send --from-pool names the run's pool)`,
    })
  })
  test('error: not a string', () => {
    expect(bad({ to: DEAD, from_pool: 1 })).toMatchObject({ code: 'INVALID_TYPE', field: 'from_pool' })
  })
})

describe('field: value', () => {
  test('defaults to 0', () => {
    expect(ok({ to: DEAD }).spec.value).toBe(0n)
  })
  test('accepts the amount forms', () => {
    expect(ok({ to: DEAD, value: 1000 }).spec.value).toBe(1000n)
    expect(ok({ to: DEAD, value: '0x10' }).spec.value).toBe(16n)
    expect(ok({ to: DEAD, value: '0.5 eth' }).spec.value).toBe(5n * 10n ** 17n)
    expect(ok({ to: DEAD, value: '1eth' }).spec.value).toBe(10n ** 18n)
    expect(ok({ to: DEAD, value: '1e18' }).spec.value).toBe(10n ** 18n)
  })
  test('error: not a whole number of wei', () => {
    expect(bad({ to: DEAD, value: '0.1 wei' })).toEqual({
      code: 'INVALID_VALUE',
      field: 'value',
      error: 'value: "0.1 wei" is not a whole number of wei',
    })
  })
  test('error: JSON number above 2^53', () => {
    expect(bad({ to: DEAD, value: 1e18 })).toMatchObject({ code: 'INVALID_VALUE', field: 'value', error: expect.stringMatching(/use a string/) })
  })
  test('error: negative', () => {
    expect(bad({ to: DEAD, value: -1 })).toMatchObject({ code: 'INVALID_VALUE', field: 'value' })
  })
  test('error: wrong type', () => {
    expect(bad({ to: DEAD, value: true })).toMatchObject({ code: 'INVALID_TYPE', field: 'value', error: expect.stringMatching(/^value: expected an amount/) })
  })
})

describe('field: gas_limit', () => {
  test('a JSON integer or a decimal string', () => {
    expect(ok({ to: DEAD, gas_limit: 21000 }).spec.gasLimit).toBe(21000n)
    expect(ok({ to: DEAD, gas_limit: '21000' }).spec.gasLimit).toBe(21000n)
  })
  test('error: zero', () => {
    expect(bad({ to: DEAD, gas_limit: 0 })).toEqual({ code: 'INVALID_VALUE', field: 'gas_limit', error: 'gas_limit: must be positive, got 0' })
  })
  test('error: fractional, hex, negative, or too big', () => {
    expect(bad({ to: DEAD, gas_limit: 1.5 })).toMatchObject({ code: 'INVALID_VALUE', field: 'gas_limit' })
    expect(bad({ to: DEAD, gas_limit: '0x5208' })).toMatchObject({ code: 'INVALID_VALUE', field: 'gas_limit' })
    expect(bad({ to: DEAD, gas_limit: '-1' })).toMatchObject({ code: 'INVALID_VALUE', field: 'gas_limit' })
    expect(bad({ to: DEAD, gas_limit: '18446744073709551616' })).toMatchObject({
      code: 'INVALID_VALUE',
      error: expect.stringMatching(/above 2\^64-1/),
    })
  })
  test('error: wrong type', () => {
    expect(bad({ to: DEAD, gas_limit: true })).toMatchObject({ code: 'INVALID_TYPE', field: 'gas_limit' })
  })
})

describe('field: max_fee_per_gas and max_priority_fee_per_gas', () => {
  test('parse as amounts', () => {
    const { spec } = ok({ to: DEAD, max_fee_per_gas: '30 gwei', max_priority_fee_per_gas: '1.5 gwei' })
    expect(spec.maxFeePerGas).toBe(30_000_000_000n)
    expect(spec.maxPriorityFeePerGas).toBe(1_500_000_000n)
  })
  test('either may be given alone', () => {
    expect(ok({ to: DEAD, max_priority_fee_per_gas: 5 }).spec.maxPriorityFeePerGas).toBe(5n)
  })
  test('error: bad amount names the field', () => {
    expect(bad({ to: DEAD, max_fee_per_gas: 'lots' })).toMatchObject({
      code: 'INVALID_VALUE',
      field: 'max_fee_per_gas',
      error: expect.stringMatching(/^max_fee_per_gas: "lots" is not a valid amount/),
    })
  })
  test('error: priority fee above max fee', () => {
    expect(bad({ to: DEAD, max_fee_per_gas: '1 gwei', max_priority_fee_per_gas: '2 gwei' })).toEqual({
      code: 'CONFLICTING_FIELDS',
      field: 'max_priority_fee_per_gas',
      error: 'max_priority_fee_per_gas: 2000000000 wei is above max_fee_per_gas (1000000000 wei)',
    })
  })
})

describe('field: access_list', () => {
  const key = `0x${'AB'.repeat(32)}`
  test('addresses are checksummed and keys lower-cased', () => {
    expect(ok({ to: DEAD, access_list: [{ address: DEAD.toLowerCase(), storageKeys: [key] }] }).spec.accessList).toEqual([
      { address: DEAD_CHECKSUMMED, storageKeys: [key.toLowerCase()] },
    ])
  })
  test('storageKeys may be omitted or empty', () => {
    expect(ok({ to: DEAD, access_list: [{ address: DEAD }, { address: OTHER, storageKeys: [] }] }).spec.accessList).toEqual([
      { address: DEAD_CHECKSUMMED, storageKeys: [] },
      { address: OTHER, storageKeys: [] },
    ])
  })
  test('an empty list is kept', () => {
    expect(ok({ to: DEAD, access_list: [] }).spec.accessList).toEqual([])
  })
  test('error: not an array', () => {
    expect(bad({ to: DEAD, access_list: {} })).toMatchObject({ code: 'INVALID_TYPE', field: 'access_list' })
  })
  test('error: entry is not an object', () => {
    expect(bad({ to: DEAD, access_list: [DEAD] })).toMatchObject({ code: 'INVALID_ACCESS_LIST', field: 'access_list[0]' })
  })
  test('error: bad address', () => {
    expect(bad({ to: DEAD, access_list: [{ address: DEAD }, { address: '0x12' }] })).toMatchObject({
      code: 'INVALID_ACCESS_LIST',
      field: 'access_list[1].address',
    })
  })
  test('error: missing address', () => {
    expect(bad({ to: DEAD, access_list: [{ storageKeys: [] }] })).toEqual({
      code: 'INVALID_ACCESS_LIST',
      field: 'access_list[0].address',
      error: 'access_list[0].address: missing',
    })
  })
  test('error: storage key of the wrong size', () => {
    expect(bad({ to: DEAD, access_list: [{ address: DEAD, storageKeys: [key, '0x01'] }] })).toEqual({
      code: 'INVALID_ACCESS_LIST',
      field: 'access_list[0].storageKeys[1]',
      error: 'access_list[0].storageKeys[1]: "0x01" is not a 32-byte hex storage key (0x followed by 64 hex digits)',
    })
  })
  test('error: storageKeys not an array', () => {
    expect(bad({ to: DEAD, access_list: [{ address: DEAD, storageKeys: key }] })).toMatchObject({
      code: 'INVALID_ACCESS_LIST',
      field: 'access_list[0].storageKeys',
    })
  })
  test('error: unknown member with a suggestion', () => {
    expect(bad({ to: DEAD, access_list: [{ address: DEAD, storage_keys: [] }] })).toEqual({
      code: 'INVALID_ACCESS_LIST',
      field: 'access_list[0].storage_keys',
      error: 'access_list[0]: unknown member "storage_keys" (did you mean "storageKeys"?)',
    })
  })
})

describe('field: kind and id', () => {
  test('strings are echoed', () => {
    const { spec } = ok({ to: DEAD, kind: 'transfer', id: 'tx-1' })
    expect(spec.kind).toBe('transfer')
    expect(spec.id).toBe('tx-1')
  })
  test('an integer id is echoed as a string', () => {
    expect(ok({ to: DEAD, id: 42 }).spec.id).toBe('42')
    expect(ok({ to: DEAD, id: -3 }).spec.id).toBe('-3')
  })
  test('null means absent', () => {
    const { spec } = ok({ to: DEAD, id: null, kind: null })
    expect('id' in spec).toBe(false)
    expect('kind' in spec).toBe(false)
  })
  test('error: fractional id', () => {
    expect(bad({ to: DEAD, id: 1.5 })).toEqual({ code: 'INVALID_TYPE', field: 'id', error: 'id: expected a string or an integer, got a fractional number' })
  })
  test('error: id above 2^53', () => {
    expect(bad({ to: DEAD, id: 2 ** 60 })).toMatchObject({ code: 'INVALID_VALUE', field: 'id' })
  })
  test('error: kind is not a string', () => {
    expect(bad({ to: DEAD, kind: 5 })).toEqual({ code: 'INVALID_TYPE', field: 'kind', error: 'kind: expected a string, got a number' })
  })
  test(`error: longer than ${MAX_LABEL_LENGTH} characters`, () => {
    expect(bad({ to: DEAD, id: 'x'.repeat(MAX_LABEL_LENGTH + 1) })).toMatchObject({ code: 'INVALID_VALUE', field: 'id' })
    expect(ok({ to: DEAD, kind: 'k'.repeat(MAX_LABEL_LENGTH) }).spec.kind).toHaveLength(MAX_LABEL_LENGTH)
  })
})

describe('field: data', () => {
  test('raw calldata, lower-cased, with its selector', () => {
    const { spec } = ok({ to: DEAD, data: '0xA9059CBB0000' })
    expect(spec.calldata).toBe('0xa9059cbb0000')
    expect(spec.selector).toBe('0xa9059cbb')
  })
  test('shorter than 4 bytes: calldata without a selector', () => {
    const { spec } = ok({ to: DEAD, data: '0x0102' })
    expect(spec.calldata).toBe('0x0102')
    expect(spec.selector).toBeUndefined()
  })
  test('"0x" means no calldata', () => {
    expect(ok({ to: DEAD, data: '0x' }).spec).toEqual({ line: 1, to: DEAD_CHECKSUMMED, value: 0n })
  })
  test('error: odd length', () => {
    expect(bad({ to: DEAD, data: '0x123' })).toEqual({ code: 'INVALID_HEX', field: 'data', error: 'data: "0x123" has an odd number of hex digits' })
  })
  test('error: not hex', () => {
    expect(bad({ to: DEAD, data: '0xzz' })).toMatchObject({ code: 'INVALID_HEX', error: expect.stringMatching(/not hex digits/) })
    expect(bad({ to: DEAD, data: 'abcd' })).toMatchObject({ code: 'INVALID_HEX', error: expect.stringMatching(/not 0x-prefixed/) })
  })
  test('error: not a string', () => {
    expect(bad({ to: DEAD, data: 1234 })).toMatchObject({ code: 'INVALID_TYPE', field: 'data' })
  })
  test('error: combined with signature', () => {
    expect(bad({ to: DEAD, data: '0x', signature: 'hey()' })).toMatchObject({ code: 'CONFLICTING_FIELDS', field: 'data' })
  })
})

describe('field: signature', () => {
  const selector = toFunctionSelector('function transfer(address,uint256)')
  test.each([
    'transfer(address,uint256)',
    'transfer(address to, uint256 amount)',
    'function transfer(address to, uint256 amount)',
    'function transfer(address to, uint256 amount) external returns (bool)',
    '  transfer(address,uint256)',
  ])('%s', (signature) => {
    const { spec } = ok(call(signature, [OTHER, '5']))
    expect(spec.selector).toBe(selector)
    const abi = parseAbi(['function transfer(address,uint256)'])
    const decoded = decodeFunctionData({ abi, data: staticCalldata(spec) })
    expect(decoded.args).toEqual([OTHER, 5n])
  })
  test('calldata equals viem’s encodeFunctionData', () => {
    const abi = parseAbi(['function transfer(address,uint256)'])
    const { spec } = ok(call('transfer(address,uint256)', [OTHER, '1000']))
    expect(spec.calldata).toBe(encodeFunctionData({ abi, functionName: 'transfer', args: [OTHER, 1000n] }))
  })
  test('a function without parameters needs no args field', () => {
    const { spec } = ok({ to: DEAD, signature: 'increment()' })
    expect(spec.calldata).toBe('0xd09de08a')
    expect(spec.selector).toBe('0xd09de08a')
  })
  test('many distinct signatures (cache eviction) still parse correctly', () => {
    for (let i = 0; i < 1500; i++) {
      const { spec } = ok(call(`f${i}(uint256)`, [i]))
      expect(spec.selector).toBe(toFunctionSelector(`function f${i}(uint256)`))
    }
    expect(ok(call('f0(uint256)', ['7'])).spec.calldata).toBe(
      encodeFunctionData({ abi: parseAbi(['function f0(uint256)']), args: [7n] }),
    )
  })
  test('error: not parseable', () => {
    expect(bad(call('transfer(address', [OTHER]))).toMatchObject({
      code: 'INVALID_SIGNATURE',
      field: 'signature',
      error: expect.stringMatching(/^signature: "transfer\(address" is not a valid function signature: /),
    })
  })
  test('error: the same bad signature twice (cached) gives the same problem', () => {
    expect(bad(call('nope(', []))).toEqual(bad(call('nope(', [])))
  })
  test('error: unknown type', () => {
    expect(bad(call('f(uint7)', [1]))).toMatchObject({ code: 'INVALID_SIGNATURE' })
  })
  test('error: an event is not a function', () => {
    expect(bad(call('event Transfer(address indexed from)', []))).toEqual({
      code: 'INVALID_SIGNATURE',
      field: 'signature',
      error: 'signature: "event Transfer(address indexed from)" is an event, expected a function',
    })
  })
  test('error: not a string', () => {
    expect(bad({ to: DEAD, signature: ['transfer'] })).toMatchObject({ code: 'INVALID_TYPE', field: 'signature' })
  })
})

describe('field: args (count and shape)', () => {
  test('error: too few', () => {
    expect(bad(call('transfer(address,uint256)', [OTHER]))).toEqual({
      code: 'INVALID_ARGS',
      field: 'args',
      error: 'args: transfer(address,uint256) takes 2 arguments, got 1',
    })
  })
  test('error: too many', () => {
    expect(bad(call('ping(uint256)', [1, 2]))).toMatchObject({ code: 'INVALID_ARGS', error: 'args: ping(uint256) takes 1 argument, got 2' })
  })
  test('error: missing although the function has parameters', () => {
    expect(bad({ to: DEAD, signature: 'ping(uint256)' })).toMatchObject({ code: 'INVALID_ARGS', error: 'args: ping(uint256) takes 1 argument, got none' })
  })
  test('error: args without signature', () => {
    expect(bad({ to: DEAD, args: [1] })).toEqual({
      code: 'MISSING_FIELD',
      field: 'signature',
      error: 'signature: required when args is given (e.g. "transfer(address,uint256)")',
    })
  })
  test('error: args is not an array', () => {
    expect(bad({ to: DEAD, signature: 'ping(uint256)', args: '1' })).toMatchObject({ code: 'INVALID_TYPE', field: 'args' })
  })
})

describe('field: args (coercion to ABI types)', () => {
  function decode(signature: string, args: unknown[]): readonly unknown[] {
    const { spec } = ok(call(signature, args))
    const abi = parseAbi([`function ${signature}`] as readonly string[])
    return decodeFunctionData({ abi, data: staticCalldata(spec) }).args ?? []
  }

  test('uint: decimal string, hex string, JSON safe integer', () => {
    expect(decode('f(uint256,uint256,uint64)', ['123456789012345678901234567890', '0xff', 42])).toEqual([
      123456789012345678901234567890n,
      255n,
      42n,
    ])
  })
  test('uint: the full uint256 range', () => {
    const max = (1n << 256n) - 1n
    expect(decode('f(uint256)', [max.toString()])).toEqual([max])
  })
  test('int: negative decimal and hex', () => {
    expect(decode('f(int8,int256,int16)', ['-128', '-0x10', -5])).toEqual([-128, -16n, -5])
  })
  test('bool: JSON booleans and "true"/"false"', () => {
    expect(decode('f(bool,bool,bool,bool)', [true, false, 'true', 'FALSE'])).toEqual([true, false, true, false])
  })
  test('address: any case', () => {
    expect(decode('f(address,address)', [DEAD.toLowerCase(), DEAD.toUpperCase().replace('0X', '0x')])).toEqual([
      DEAD_CHECKSUMMED,
      DEAD_CHECKSUMMED,
    ])
  })
  test('bytes and bytesN', () => {
    expect(decode('f(bytes,bytes4,bytes32)', ['0xDEADBEEF00', '0xd09de08a', `0x${'11'.repeat(32)}`])).toEqual([
      '0xdeadbeef00',
      '0xd09de08a',
      `0x${'11'.repeat(32)}`,
    ])
  })
  test('string', () => {
    expect(decode('f(string,string)', ['hello, world', ''])).toEqual(['hello, world', ''])
  })
  test('arrays from JSON arrays', () => {
    expect(decode('f(uint256[],address[2])', [[1, '2', '0x3'], [DEAD, OTHER]])).toEqual([[1n, 2n, 3n], [DEAD_CHECKSUMMED, OTHER]])
  })
  test('arrays from strings', () => {
    expect(decode('f(uint256[],string[],bool[])', ['[1, 2 ,3]', '["a,b", "c"]', '[true,false]'])).toEqual([
      [1n, 2n, 3n],
      ['a,b', 'c'],
      [true, false],
    ])
  })
  test('empty arrays', () => {
    expect(decode('f(uint256[],uint8[])', [[], '[]'])).toEqual([[], []])
  })
  test('nested arrays', () => {
    expect(decode('f(uint256[2][])', [[[1, 2], ['3', '4']]])).toEqual([[[1n, 2n], [3n, 4n]]])
  })
  test('tuples from arrays, named objects and strings', () => {
    const signature = 'f((address to, uint256 amount), (address to, uint256 amount), (address,uint256))'
    expect(decode(signature, [[OTHER, 1], { amount: '2', to: OTHER }, `(${OTHER}, 3)`])).toEqual([
      { to: OTHER, amount: 1n },
      { to: OTHER, amount: 2n },
      [OTHER, 3n],
    ])
  })
  test('tuple arrays in contender’s string syntax', () => {
    expect(decode('execute((address,uint256,bytes)[])', [`[(${OTHER},0,0xd09de08a),(${DEAD},5,0x)]`])).toEqual([
      [
        [OTHER, 0n, '0xd09de08a'],
        [DEAD_CHECKSUMMED, 5n, '0x'],
      ],
    ])
  })

  const argErrors: [string, string, unknown[], string, RegExp][] = [
    ['uint out of range', 'f(uint8)', [256], 'args[0]', /^args\[0\] \(uint8\): 256 is out of range \(0 to 2\^8-1\)$/],
    ['negative uint', 'f(uint256)', ['-1'], 'args[0]', /out of range/],
    ['int out of range', 'f(int8)', ['128'], 'args[0]', /^args\[0\] \(int8\): "128" is out of range \(-2\^7 to 2\^7-1\)$/],
    ['not an integer', 'f(uint256)', ['12abc'], 'args[0]', /^args\[0\] \(uint256\): "12abc" is not an integer/],
    ['fractional JSON number', 'f(uint256)', [1.5], 'args[0]', /1.5 is not an integer/],
    ['unsafe JSON number', 'f(uint256)', [2 ** 60], 'args[0]', /above 2\^53 .* use a string/],
    ['integer of the wrong type', 'f(uint256)', [true], 'args[0]', /expected an integer \(number or string\), got a boolean/],
    ['bad bool', 'f(bool)', ['yes'], 'args[0]', /^args\[0\] \(bool\): expected true or false, got "yes"$/],
    ['bad address', 'f(address)', ['0x1234'], 'args[0]', /^args\[0\] \(address\): "0x1234" is not an address$/],
    ['address of the wrong type', 'f(address)', [5], 'args[0]', /expected an address string, got a number/],
    ['odd-length bytes', 'f(bytes)', ['0x123'], 'args[0]', /^args\[0\] \(bytes\): "0x123" has an odd number of hex digits$/],
    ['bytes without 0x', 'f(bytes)', ['1234'], 'args[0]', /not 0x-prefixed hex/],
    ['bytesN of the wrong size', 'f(bytes32)', ['0x01'], 'args[0]', /^args\[0\] \(bytes32\): "0x01" is 1 bytes, expected exactly 32$/],
    ['string of the wrong type', 'f(string)', [5], 'args[0]', /^args\[0\] \(string\): expected a string, got a number$/],
    ['third arg bad', 'f(uint256,uint256,address)', [1, 2, 'nope'], 'args[2]', /^args\[2\] \(address\)/],
    ['array element', 'f(uint8[])', [[1, 2, 300]], 'args[0][2]', /^args\[0\]\[2\] \(uint8\): 300 is out of range/],
    ['fixed array length', 'f(uint8[3])', [[1, 2]], 'args[0]', /^args\[0\] \(uint8\[3\]\): expected 3 elements, got 2$/],
    ['array not a list', 'f(uint8[])', [5], 'args[0]', /expected a JSON array or a string like "\[1,2\]", got a number/],
    ['malformed list string', 'f(uint8[])', ['[1,2'], 'args[0]', /is not a valid list: missing "\]"/],
    ['list string with trailing text', 'f(uint8[])', ['[1,2] x'], 'args[0]', /is not a valid list: unexpected text/],
    ['list string with an empty element', 'f(uint8[])', ['[1,,2]'], 'args[0]', /empty element/],
    ['deeply nested list string', 'f(uint8[])', [`${'['.repeat(40)}${']'.repeat(40)}`], 'args[0]', /nested deeper than 32 levels/],
    ['tuple member count', 'f((uint8,bool))', [[1]], 'args[0]', /^args\[0\] \(\(uint8,bool\)\): expected 2 tuple members, got 1$/],
    ['tuple member', 'f((uint8,bool))', [[1, 'maybe']], 'args[0][1]', /^args\[0\]\[1\] \(bool\)/],
    ['named tuple member missing', 'f((uint8 a,bool b))', [{ a: 1 }], 'args[0]', /missing tuple member "b"/],
    ['named tuple unknown member', 'f((uint8 a,bool b))', [{ a: 1, b: true, c: 2 }], 'args[0]', /unknown tuple member "c"/],
    ['nested tuple in array', 'f((address,uint256,bytes)[])', ['[(0x{Counter},0,0xd09de08a)]'], 'args[0][0][0]', /placeholders other than \{_sender\}/],
    ['contender env placeholder', 'f(bool)', ['{shouldRevert}'], 'args[0]', /placeholders other than \{_sender\} are not supported/],
    ['{_sender} for a non-address', 'f(uint256)', ['{_sender}'], 'args[0]', /"\{_sender\}" is not an integer/],
  ]
  test.each(argErrors)('error: %s', (_name, signature, args, field, message) => {
    const p = bad(call(signature, args))
    expect(p.code).toBe('INVALID_ARGS')
    expect(p.field).toBe(field)
    expect(p.error).toMatch(message)
  })
})

describe('placeholder: {_sender} in args', () => {
  const abi = parseAbi(['function transfer(address,uint256)'])
  test('defers encoding: calldata is a function of the sender', () => {
    const { spec } = ok(call('transfer(address,uint256)', ['{_sender}', '7']))
    expect(typeof spec.calldata).toBe('function')
    expect(spec.selector).toBe(toFunctionSelector('function transfer(address,uint256)'))
    const encode = spec.calldata as (sender: Address) => Hex
    for (const sender of POOL) {
      expect(decodeFunctionData({ abi, data: encode(sender) }).args).toEqual([sender, 7n])
    }
    expect(encode(POOL[0]!)).not.toBe(encode(POOL[1]!))
    expect(encode(POOL[0]!)).toBe(encodeFunctionData({ abi, args: [POOL[0]!, 7n] }))
  })
  test('as array elements and tuple members', () => {
    const { spec } = ok(call('f(address[],(address,uint8))', [['{_sender}', OTHER, '{_sender}'], ['{_sender}', 1]]))
    const data = (spec.calldata as (s: Address) => Hex)(POOL[1]!)
    const decoded = decodeFunctionData({ abi: parseAbi(['function f(address[],(address,uint8))']), data })
    expect(decoded.args).toEqual([[POOL[1], OTHER, POOL[1]], [POOL[1], 1]])
  })
  test('encoding is checked at parse time with the zero address', () => {
    const { spec } = ok(call('transfer(address,uint256)', ['{_sender}', 0]))
    expect((spec.calldata as (s: Address) => Hex)(zeroAddress)).toBe(encodeFunctionData({ abi, args: [zeroAddress, 0n] }))
  })
  test('without the placeholder, calldata is encoded once, as a hex string', () => {
    const { spec } = ok(call('transfer(address,uint256)', [OTHER, 7]))
    expect(spec.calldata).toBe(encodeFunctionData({ abi, args: [OTHER, 7n] }))
  })
  test('a string containing {_sender} is just a string', () => {
    const { spec } = ok(call('f(string)', ['hi {_sender}']))
    expect(typeof spec.calldata).toBe('string')
  })
})

describe('fields: ignored and unsupported', () => {
  test('fuzz and for_all_accounts are accepted and reported', () => {
    const r = ok(call('consumeGas(uint256 gasAmount)', ['3000000'], { fuzz: [{ param: 'gasAmount', min: '1', max: '2' }], for_all_accounts: true }))
    expect(r.ignored).toEqual(['fuzz', 'for_all_accounts'])
  })
  test('a spec without them reports nothing', () => {
    expect(ok({ to: DEAD }).ignored).toEqual([])
  })
})

describe('field: tx_type, blob_data, authorization_address', () => {
  test('behavior: no type, no type fields: the chain decides (undefined)', () => {
    expect(ok({ to: DEAD }).spec.txType).toBeUndefined()
  })
  test.for(['legacy', 'eip2930', 'eip1559'] as const)('args: tx_type %s', (t) => {
    expect(ok({ to: DEAD, tx_type: t }).spec.txType).toBe(t)
  })
  test('behavior: blob_data implies eip4844; hex (with or without 0x) is decoded, anything else is UTF-8 text', () => {
    const { spec } = ok({ to: DEAD, blob_data: 'f00d' })
    expect(spec.txType).toBe('eip4844')
    expect([...spec.blobData!]).toEqual([0xf0, 0x0d])
    expect(Buffer.from(ok({ to: DEAD, blob_data: '0xF00D' }).spec.blobData!).toString('hex')).toBe('f00d')
    expect(Buffer.from(ok({ to: DEAD, blob_data: 'hello blobs' }).spec.blobData!).toString()).toBe('hello blobs')
    expect(Buffer.from(ok({ to: DEAD, blob_data: 'abc' }).spec.blobData!).toString()).toBe('abc')
  })
  test('behavior: authorization_address implies eip7702, checksummed', () => {
    expect(ok({ to: '{_sender}', authorization_address: DEAD.toLowerCase() }).spec).toMatchObject({ txType: 'eip7702', authorizationAddress: DEAD_CHECKSUMMED })
  })
  test('behavior: max_fee_per_blob_gas pins the blob fee', () => {
    expect(ok({ to: DEAD, blob_data: '00', max_fee_per_blob_gas: '3 gwei' }).spec.maxFeePerBlobGas).toBe(3_000_000_000n)
  })
  test('behavior: the run-wide type (--tx-type) applies to specs that give and imply none', () => {
    const withType = (obj: Record<string, unknown>, txType: Spec['txType']) => parseSpec(line(obj), 1, { ...ctx, txType })
    expect(withType({ to: DEAD }, 'legacy')).toMatchObject({ ok: true, spec: { txType: 'legacy' } })
    expect(withType({ to: DEAD, tx_type: 'eip2930' }, 'legacy')).toMatchObject({ ok: true, spec: { txType: 'eip2930' } })
    expect(withType({ to: DEAD, blob_data: 'x' }, 'legacy')).toMatchObject({ ok: true, spec: { txType: 'eip4844' } })
    expect(withType({ to: DEAD }, 'eip7702')).toMatchObject({ ok: false, problem: { code: 'MISSING_FIELD', field: 'authorization_address' } })
  })
  test('error: an unknown type, with a suggestion', () => {
    expect(bad({ to: DEAD, tx_type: 'eip1599' })).toEqual({
      code: 'INVALID_VALUE',
      field: 'tx_type',
      error: 'tx_type: "eip1599" is not one of legacy, eip2930, eip1559, eip4844, eip7702 (did you mean "eip1559"?)',
    })
    expect(bad({ to: DEAD, tx_type: 2 })).toMatchObject({ code: 'INVALID_TYPE', field: 'tx_type' })
  })
  test('error: a type without the field it needs', () => {
    expect(bad({ to: DEAD, tx_type: 'eip4844' })).toMatchObject({ code: 'MISSING_FIELD', field: 'blob_data' })
    expect(bad({ to: DEAD, tx_type: 'eip7702' })).toMatchObject({ code: 'MISSING_FIELD', field: 'authorization_address' })
  })
  test('error: fields of another type', () => {
    expect(bad({ to: DEAD, tx_type: 'eip1559', blob_data: 'f00d' })).toMatchObject({ code: 'CONFLICTING_FIELDS', field: 'tx_type' })
    expect(bad({ to: DEAD, blob_data: 'f00d', authorization_address: DEAD })).toMatchObject({ code: 'CONFLICTING_FIELDS', field: 'authorization_address' })
    expect(bad({ to: DEAD, tx_type: 'legacy', access_list: [] })).toMatchObject({ code: 'CONFLICTING_FIELDS', field: 'access_list' })
    expect(bad({ to: DEAD, tx_type: 'eip2930', max_priority_fee_per_gas: '1 gwei' })).toMatchObject({ code: 'CONFLICTING_FIELDS', field: 'max_priority_fee_per_gas' })
    expect(bad({ to: DEAD, max_fee_per_blob_gas: '1 gwei' })).toMatchObject({ code: 'CONFLICTING_FIELDS', field: 'max_fee_per_blob_gas' })
  })
  test('error: bad values', () => {
    expect(bad({ to: DEAD, blob_data: 12 })).toMatchObject({ code: 'INVALID_TYPE', field: 'blob_data' })
    expect(bad({ to: DEAD, authorization_address: '{SmartWallet}' })).toMatchObject({ code: 'INVALID_ADDRESS', field: 'authorization_address' })
    expect(bad({ to: DEAD, blob_data: 'ab'.repeat(800_000) })).toMatchObject({ code: 'INVALID_VALUE', field: 'blob_data' })
  })
})

describe('fields: unknown', () => {
  test('error: with a suggestion', () => {
    expect(bad({ to: DEAD, gasLimit: 21000 })).toEqual({
      code: 'UNKNOWN_FIELD',
      field: 'gasLimit',
      error: 'unknown field "gasLimit" (did you mean "gas_limit"?)',
    })
    expect(bad({ to: DEAD, valu: 1 }).error).toBe('unknown field "valu" (did you mean "value"?)')
    expect(bad({ to: DEAD, acess_list: [] }).error).toBe('unknown field "acess_list" (did you mean "access_list"?)')
  })
  test('error: without a suggestion', () => {
    expect(bad({ to: DEAD, xyzzy: 1 })).toEqual({ code: 'UNKNOWN_FIELD', field: 'xyzzy', error: 'unknown field "xyzzy"' })
  })
  test('error: __proto__ is just an unknown key', () => {
    expect(bad('{"to":"0xdeAD000000000000000000000000000000000000","__proto__":{"value":5}}')).toMatchObject({
      code: 'UNKNOWN_FIELD',
      field: '__proto__',
    })
  })
  test('unknown keys are reported before field values are checked', () => {
    expect(bad({ to: 5, nonce: 1 }).code).toBe('UNKNOWN_FIELD')
  })
  test('KNOWN_FIELDS lists every accepted key', () => {
    expect([...KNOWN_FIELDS].sort()).toEqual(
      [
        'access_list', 'args', 'authorization_address', 'blob_data', 'data', 'for_all_accounts', 'from', 'from_pool', 'fuzz',
        'gas_limit', 'id', 'kind', 'max_fee_per_blob_gas', 'max_fee_per_gas', 'max_priority_fee_per_gas', 'signature', 'to', 'tx_type', 'value',
      ].sort(),
    )
  })
})

describe('line: JSON', () => {
  test('error: INVALID_JSON carries JSON.parse’s position and no field', () => {
    const p = bad('{"to": 0x12}')
    expect(p.code).toBe('INVALID_JSON')
    expect(p.field).toBeUndefined()
    expect(p.error).toMatch(/^not valid JSON: .*position \d+/)
  })
  test('error: INVALID_JSON for a truncated line', () => {
    expect(bad('{"to":"0x')).toMatchObject({ code: 'INVALID_JSON', error: expect.stringMatching(/^not valid JSON: /) })
  })
  test.each([
    ['[1,2]', 'an array'],
    ['42', 'a number'],
    ['"to"', 'a string'],
    ['null', 'null'],
    ['true', 'a boolean'],
  ])('error: NOT_AN_OBJECT for %s', (text, what) => {
    expect(bad(text)).toEqual({ code: 'NOT_AN_OBJECT', error: `expected a JSON object per line, got ${what}` })
  })
  test('surrounding whitespace is fine', () => {
    expect(ok(`  {"to":"${DEAD}"}\t`).spec.to).toBe(DEAD_CHECKSUMMED)
  })
  test('the line number is passed through', () => {
    expect(ok({ to: DEAD }, 12345).spec.line).toBe(12345)
  })
})

describe('messages: never echo more than ~80 characters of input', () => {
  const huge = 'A'.repeat(10_000)
  const cases: [string, Record<string, unknown> | string][] = [
    ['to', { to: huge }],
    ['from', { to: DEAD, from: huge }],
    ['from_pool', { to: DEAD, from_pool: huge }],
    ['value', { to: DEAD, value: huge }],
    ['value with unit', { to: DEAD, value: `1 ${'x'.repeat(150)}` }],
    ['gas_limit', { to: DEAD, gas_limit: huge }],
    ['data', { to: DEAD, data: `0x${'z'.repeat(10_000)}` }],
    ['signature', { to: DEAD, signature: `f(${huge}` }],
    ['arg', call('f(uint256)', [huge])],
    ['string arg list', call('f(uint256[])', [`[${huge}`])],
    ['unknown field', { to: DEAD, [huge]: 1 }],
    ['access list', { to: DEAD, access_list: [{ address: DEAD, storageKeys: [huge] }] }],
    ['json', `{"to": ${huge}`],
  ]
  test.each(cases)('%s', (_name, input) => {
    const p = bad(input)
    expect(p.error.length).toBeLessThan(260)
    expect(p.field?.length ?? 0).toBeLessThanOrEqual(81)
  })
})

// Every code the parser can produce, with one example line each. The Record type makes the
// compiler insist that this table covers every code (LINE_TOO_LONG and INVALID_UTF8 come from
// the line reader and are covered in lineReader.test.ts; PARSE_FAILED is what a throw inside the
// parser becomes, covered in hostileInput.test.ts).
type ParserCode = Exclude<InvalidSpecCode, 'LINE_TOO_LONG' | 'INVALID_UTF8' | 'PARSE_FAILED'>
const EXAMPLES: Record<ParserCode, { input: Record<string, unknown> | string; field: string | undefined }> = {
  INVALID_JSON: { input: '{"to":', field: undefined },
  NOT_AN_OBJECT: { input: '[]', field: undefined },
  UNKNOWN_FIELD: { input: { to: DEAD, gaslimit: 1 }, field: 'gaslimit' },
  MISSING_FIELD: { input: { value: '1' }, field: 'to' },
  INVALID_TYPE: { input: { to: DEAD, gas_limit: [] }, field: 'gas_limit' },
  INVALID_ADDRESS: { input: { to: '0xdead' }, field: 'to' },
  INVALID_VALUE: { input: { to: DEAD, value: '0.5 wei' }, field: 'value' },
  INVALID_SIGNATURE: { input: { to: DEAD, signature: 'transfer(' }, field: 'signature' },
  INVALID_ARGS: { input: call('transfer(address,uint256)', [OTHER, 'x']), field: 'args[1]' },
  INVALID_HEX: { input: { to: DEAD, data: '0xabc' }, field: 'data' },
  INVALID_ACCESS_LIST: { input: { to: DEAD, access_list: [{ address: DEAD, storageKeys: ['0x1'] }] }, field: 'access_list[0].storageKeys[0]' },
  CONFLICTING_FIELDS: { input: { to: DEAD, data: '0x', signature: 'hey()' }, field: 'data' },
  UNKNOWN_SENDER: { input: { to: DEAD, from: OTHER }, field: 'from' },
  UNKNOWN_POOL: { input: { to: DEAD, from_pool: 'spammers' }, field: 'from_pool' },
  DUPLICATE_KEY: { input: `{"to":"${DEAD}","value":"1 wei","value":"2 wei"}`, field: 'value' },
}

describe('error codes: one example of each', () => {
  test.each(Object.entries(EXAMPLES))('%s', (code, { input, field }) => {
    const p = bad(input)
    expect(p.code).toBe(code)
    expect(p.field).toBe(field)
    if (field !== undefined) expect(p.error).toContain(field.replace(/\[.*$/, ''))
    expect(p.error.length).toBeGreaterThan(10)
  })
})

describe('field: id on a bad line', () => {
  const ctx = parseContext([['executors', []]])
  test('behavior: a rejected line still reports its id for correlation', () => {
    const r = parseSpec(JSON.stringify({ id: 'job-7', to: '0x12' }), 3, ctx)
    expect(r).toMatchObject({ ok: false, id: 'job-7', problem: { code: 'INVALID_ADDRESS' } })
    const n = parseSpec(JSON.stringify({ id: 42, value: -1, to: '0x000000000000000000000000000000000000dEaD' }), 4, ctx)
    expect(n).toMatchObject({ ok: false, id: '42' })
  })
  test('behavior: no id when the line has none or it is unusable', () => {
    expect(parseSpec('{"to":1}', 1, ctx)).not.toHaveProperty('id')
    expect(parseSpec(JSON.stringify({ id: { x: 1 }, to: 1 }), 1, ctx)).not.toHaveProperty('id')
  })
})
