import { toFunctionSelector } from 'viem'
import { describe, expect, test } from 'vitest'
import { SpecRejection } from '../../../src/stream/rejections.js'
import { lookupSignature } from '../../../src/stream/signatureCache.js'

function rejectionOf(signature: string): SpecRejection {
  try {
    lookupSignature(signature)
  } catch (err) {
    if (err instanceof SpecRejection) return err
    throw err
  }
  throw new Error(`expected ${signature} to be rejected`)
}

describe('lookupSignature', () => {
  test('compiles a signature with or without the function keyword, once', () => {
    const a = lookupSignature('transfer(address to, uint256 amount)')
    expect(a.selector).toBe(toFunctionSelector('transfer(address,uint256)'))
    expect(a.selector).toBe('0xa9059cbb')
    expect(a.display).toBe('transfer(address,uint256)')
    expect(a.coercers).toHaveLength(2)
    expect(lookupSignature('transfer(address to, uint256 amount)')).toBe(a)
    expect(lookupSignature('function transfer(address,uint256)').selector).toBe('0xa9059cbb')
  })

  test('rejects what is not a function signature, on every lookup', () => {
    for (let k = 0; k < 2; k++) {
      expect(rejectionOf('event Transfer(address)').problem).toEqual({
        code: 'INVALID_SIGNATURE',
        field: 'signature',
        error: 'signature: "event Transfer(address)" is an event, expected a function',
      })
    }
    const bad = rejectionOf('transfer(address')
    expect(bad.problem.code).toBe('INVALID_SIGNATURE')
    expect(bad.problem.error).toMatch(/^signature: "transfer\(address" is not a valid function signature: /)
  })
})
