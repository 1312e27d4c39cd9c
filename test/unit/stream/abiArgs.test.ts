import { type AbiParameter, encodeAbiParameters, parseAbiParameter } from 'viem'
import { describe, expect, test } from 'vitest'
import { type CoerceState, compileParam, encodeParams, parseComposite, substituteSender, typeLabel } from '../../../src/stream/abiArgs.js'
import { ArgRejection } from '../../../src/stream/rejections.js'

const ADDR = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'

function coerce(type: string, value: unknown, st: CoerceState = { usesSender: false }): unknown {
  return compileParam(parseAbiParameter(type) as AbiParameter)(value, 'args[0]', st)
}

function rejection(type: string, value: unknown): ArgRejection {
  try {
    coerce(type, value)
  } catch (err) {
    if (err instanceof ArgRejection) return err
    throw err
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected as ${type}`)
}

describe('parseComposite: contender composite strings', () => {
  test('nested lists and tuples, whitespace, quoted strings with commas', () => {
    expect(parseComposite(' [ (1, 0xab), ( 2 ,0xcd) ] ')).toEqual([
      ['1', '0xab'],
      ['2', '0xcd'],
    ])
    expect(parseComposite('["a, b", "c\\"d"]')).toEqual(['a, b', 'c"d'])
    expect(parseComposite('[]')).toEqual([])
  })

  test('malformed text says where', () => {
    expect(() => parseComposite('[1,,2]')).toThrow('empty element at position 3')
    expect(() => parseComposite('[1,2')).toThrow('missing "]"')
    expect(() => parseComposite('[1] x')).toThrow('unexpected text after position 4')
    expect(() => parseComposite('1,2')).toThrow('expected "[" or "("')
    expect(() => parseComposite('["open')).toThrow('unterminated string')
    expect(() => parseComposite('['.repeat(40) + ']'.repeat(40))).toThrow('nested deeper than 32 levels')
  })
})

describe('compileParam: values the encoder takes', () => {
  test('integers from numbers, decimal and hex strings; addresses lower-cased; bools from strings', () => {
    expect(coerce('uint256', 7)).toBe(7n)
    expect(coerce('int8', ' -0x80 ')).toBe(-128n)
    expect(coerce('address', ADDR.toUpperCase().replace('0X', '0x'))).toBe(ADDR)
    expect(coerce('bool', ' TRUE ')).toBe(true)
    expect(coerce('bytes2', '0xABcd')).toBe('0xabcd')
  })

  test('arrays and tuples from composite strings, JSON arrays, or named objects', () => {
    expect(coerce('uint8[2]', '[1, 2]')).toEqual([1n, 2n])
    expect(coerce('(address to, uint256 amount)', { amount: '5', to: ADDR })).toEqual([ADDR, 5n])
    expect(coerce('(address,uint256)[]', `[(${ADDR},1),(${ADDR},2)]`)).toEqual([
      [ADDR, 1n],
      [ADDR, 2n],
    ])
  })

  test('a rejection names the path into args, the type as written, and the problem', () => {
    const r = rejection('(uint8,bool)[]', '[(1,true),(256,false)]')
    expect({ path: r.path, type: r.type, message: r.message }).toEqual({
      path: 'args[0][1][0]',
      type: 'uint8',
      message: '"256" is out of range (0 to 2^8-1)',
    })
    expect(rejection('uint8[2]', [1]).message).toBe('expected 2 elements, got 1')
    expect(rejection('bytes4', '0x1234').message).toBe('"0x1234" is 2 bytes, expected exactly 4')
    expect(rejection('bytes', '0x123').message).toBe('"0x123" has an odd number of hex digits')
    expect(rejection('(address a, uint256 b)', { a: ADDR, c: 1 }).message).toBe('unknown tuple member "c"')
    expect(rejection('address', '{to}').message).toContain('placeholders other than {_sender} are not supported')
    expect(rejection('uint256', 2 ** 60).message).toContain('loses precision')
  })

  test('{_sender} marks the state and encodes as the address substituted later', () => {
    const param = parseAbiParameter('address[]') as AbiParameter
    const st: CoerceState = { usesSender: false }
    const values = [compileParam(param)(['{_sender}', ADDR], 'args[0]', st)]
    expect(st.usesSender).toBe(true)
    const encoded = encodeParams([param], substituteSender(values, ADDR) as unknown[])
    expect(encoded).toBe(encodeAbiParameters([param], [[ADDR, ADDR]]))
  })

  test('typeLabel writes tuples as in a signature', () => {
    expect(typeLabel(parseAbiParameter('(address,(uint8,bool)[])[2]') as AbiParameter)).toBe('(address,(uint8,bool)[])[2]')
  })
})
