import { describe, expect, test } from 'vitest'
import { KNOWN_FIELDS } from '../../../src/stream/parseSpec.js'
import { nearest } from '../../../src/stream/suggest.js'

const FIELDS = ['to', 'from', 'from_pool', 'signature', 'args', 'value', 'gas_limit', 'access_list', 'kind', 'id', 'data'] as const

describe('nearest: case and separators', () => {
  test('gaslimit → gas_limit', () => {
    expect(nearest('gaslimit', FIELDS)).toBe('gas_limit')
  })
  test('gasLimit → gas_limit', () => {
    expect(nearest('gasLimit', FIELDS)).toBe('gas_limit')
  })
  test('GAS-LIMIT → gas_limit', () => {
    expect(nearest('GAS-LIMIT', FIELDS)).toBe('gas_limit')
  })
  test('fromPool → from_pool', () => {
    expect(nearest('fromPool', FIELDS)).toBe('from_pool')
  })
})

describe('nearest: typos', () => {
  test('valu → value (deletion)', () => {
    expect(nearest('valu', FIELDS)).toBe('value')
  })
  test('acess_list → access_list (missing letter)', () => {
    expect(nearest('acess_list', FIELDS)).toBe('access_list')
  })
  test('sigantrue → signature (transpositions)', () => {
    expect(nearest('sigantrue', FIELDS)).toBe('signature')
  })
  test('agrs → args (adjacent transposition counts as one edit)', () => {
    expect(nearest('agrs', FIELDS)).toBe('args')
  })
  test('tO → to', () => {
    expect(nearest('tO', FIELDS)).toBe('to')
  })
  test('gas_limt → gas_limit against the real field list', () => {
    expect(nearest('gas_limt', KNOWN_FIELDS)).toBe('gas_limit')
    expect(nearest('maxFeePerGas', KNOWN_FIELDS)).toBe('max_fee_per_gas')
    expect(nearest('max_priority_fee', KNOWN_FIELDS)).toBeUndefined()
  })
})

describe('nearest: nothing close enough', () => {
  test('xyzzy → undefined', () => {
    expect(nearest('xyzzy', FIELDS)).toBeUndefined()
  })
  test('short words need a near-exact match', () => {
    expect(nearest('ab', FIELDS)).toBeUndefined()
    expect(nearest('nonce', FIELDS)).toBeUndefined()
    expect(nearest('gas_price', FIELDS)).toBeUndefined()
  })
  test('empty word or separators only', () => {
    expect(nearest('', FIELDS)).toBeUndefined()
    expect(nearest('__', FIELDS)).toBeUndefined()
  })
  test('no candidates', () => {
    expect(nearest('value', [])).toBeUndefined()
  })
})

describe('nearest: ties', () => {
  test('go to the earlier candidate', () => {
    expect(nearest('bat', ['cat', 'hat'])).toBe('cat')
    expect(nearest('bat', ['hat', 'cat'])).toBe('hat')
  })
  test('a closer later candidate wins', () => {
    expect(nearest('abcdef', ['abcxyz', 'abcdeg'])).toBe('abcdeg')
  })
})
