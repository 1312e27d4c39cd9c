import { describe, expect, test } from 'vitest'
import { AmountError, parseAmount, quoteInput } from '../../../src/stream/parseValue.js'

const ETH = 10n ** 18n
const GWEI = 10n ** 9n

function amountError(input: unknown, field = 'value'): AmountError {
  try {
    parseAmount(input, field)
  } catch (err) {
    expect(err).toBeInstanceOf(AmountError)
    return err as AmountError
  }
  throw new Error(`expected ${String(input)} to be rejected`)
}

describe('amount: JSON numbers', () => {
  test('a non-negative safe integer is wei', () => {
    expect(parseAmount(1000, 'value')).toBe(1000n)
    expect(parseAmount(0, 'value')).toBe(0n)
    expect(parseAmount(Number.MAX_SAFE_INTEGER, 'value')).toBe(9007199254740991n)
  })
  test('error: negative number', () => {
    expect(amountError(-1).message).toMatch(/must not be negative/)
  })
  test('error: fractional number', () => {
    expect(amountError(1.5).message).toMatch(/not a whole number of wei.*string with a unit/)
  })
  test('error: number above 2^53 asks for a string', () => {
    const err = amountError(1e18)
    expect(err.message).toMatch(/above 2\^53/)
    expect(err.message).toMatch(/use a string/)
  })
  test('error: NaN and Infinity', () => {
    expect(amountError(Number.NaN).message).toMatch(/not a valid amount/)
    expect(amountError(Number.POSITIVE_INFINITY).message).toMatch(/not a valid amount/)
  })
})

describe('amount: plain strings', () => {
  test('a decimal string is wei', () => {
    expect(parseAmount('1', 'value')).toBe(1n)
    expect(parseAmount('  42  ', 'value')).toBe(42n)
    expect(parseAmount('000123', 'value')).toBe(123n)
  })
  test('a decimal string beyond 2^53 keeps full precision', () => {
    expect(parseAmount('123456789012345678901234567890', 'value')).toBe(123456789012345678901234567890n)
  })
  test('a hex string is wei', () => {
    expect(parseAmount('0x10', 'value')).toBe(16n)
    expect(parseAmount('0XfF', 'value')).toBe(255n)
  })
  test('2^256-1 is the largest accepted amount', () => {
    const max = (1n << 256n) - 1n
    expect(parseAmount(max.toString(), 'value')).toBe(max)
    expect(parseAmount(`0x${'f'.repeat(64)}`, 'value')).toBe(max)
  })
  test('error: 2^256 and above', () => {
    expect(amountError((1n << 256n).toString()).message).toMatch(/below 2\^256/)
    expect(amountError(`0x1${'0'.repeat(64)}`).message).toMatch(/below 2\^256/)
    expect(amountError('1e78').message).toMatch(/below 2\^256/)
  })
  test('error: empty, garbage and bad hex', () => {
    expect(amountError('').message).toMatch(/empty amount/)
    expect(amountError('   ').message).toMatch(/empty amount/)
    expect(amountError('abc').message).toMatch(/"abc" is not a valid amount/)
    expect(amountError('0x').message).toMatch(/not valid hex/)
    expect(amountError('0xzz').message).toMatch(/not valid hex/)
    expect(amountError('1,000').message).toMatch(/not a valid amount/)
    expect(amountError('.').message).toMatch(/not a valid amount/)
  })
  test('error: negative string', () => {
    expect(amountError('-5').message).toMatch(/must not be negative/)
    expect(amountError('-0.5 eth').message).toMatch(/must not be negative/)
  })
})

describe('amount: units', () => {
  test('wei, gwei, eth and ether, case-insensitive, optional space', () => {
    expect(parseAmount('1 wei', 'value')).toBe(1n)
    expect(parseAmount('100 gwei', 'value')).toBe(100n * GWEI)
    expect(parseAmount('100GWEI', 'value')).toBe(100n * GWEI)
    expect(parseAmount('0.5 eth', 'value')).toBe(ETH / 2n)
    expect(parseAmount('0.5 ether', 'value')).toBe(ETH / 2n)
    expect(parseAmount('1eth', 'value')).toBe(ETH)
    expect(parseAmount('1 Ether', 'value')).toBe(ETH)
  })
  test('kwei, mwei, szabo and finney', () => {
    expect(parseAmount('2 kwei', 'value')).toBe(2000n)
    expect(parseAmount('2 mwei', 'value')).toBe(2_000_000n)
    expect(parseAmount('1 szabo', 'value')).toBe(10n ** 12n)
    expect(parseAmount('1 finney', 'value')).toBe(10n ** 15n)
  })
  test('fractions that resolve to whole wei', () => {
    expect(parseAmount('1.5 gwei', 'value')).toBe(1_500_000_000n)
    expect(parseAmount('0.000000001 gwei', 'value')).toBe(1n)
    expect(parseAmount('.25 eth', 'value')).toBe(ETH / 4n)
    expect(parseAmount('5.', 'value')).toBe(5n)
    expect(parseAmount('1.000 wei', 'value')).toBe(1n)
    expect(parseAmount('0.000000000000000001 eth', 'value')).toBe(1n)
  })
  test('error: fractions below one wei', () => {
    expect(amountError('0.1 wei').message).toMatch(/"0.1 wei" is not a whole number of wei/)
    expect(amountError('1.5').message).toMatch(/not a whole number of wei/)
    expect(amountError('0.0000000001 gwei').message).toMatch(/not a whole number of wei/)
    expect(amountError('0.0000000000000000001 eth').message).toMatch(/not a whole number of wei/)
  })
  test('error: unknown unit lists the known ones', () => {
    const err = amountError('5 btc')
    expect(err.message).toMatch(/unknown unit "btc"/)
    expect(err.message).toMatch(/wei, kwei, mwei, gwei, szabo, finney, eth, ether/)
  })
})

describe('amount: scientific notation (strings only)', () => {
  test('1e18 is 10^18 wei', () => {
    expect(parseAmount('1e18', 'value')).toBe(ETH)
    expect(parseAmount('1E18', 'value')).toBe(ETH)
    expect(parseAmount('2.5e3', 'value')).toBe(2500n)
    expect(parseAmount('1e+3', 'value')).toBe(1000n)
  })
  test('with a unit', () => {
    expect(parseAmount('1.5e9 gwei', 'value')).toBe(1_500_000_000n * GWEI)
    expect(parseAmount('5e-1 eth', 'value')).toBe(ETH / 2n)
  })
  test('zero with any exponent is zero', () => {
    expect(parseAmount('0e100', 'value')).toBe(0n)
  })
  test('error: exponent that leaves a fraction of a wei', () => {
    expect(amountError('1e-1').message).toMatch(/not a whole number of wei/)
  })
  test('error: huge exponent', () => {
    expect(amountError('1e1000000').message).toMatch(/exponent .* out of range/)
  })
})

describe('amount: other input types', () => {
  test('a bigint passes through when in range', () => {
    expect(parseAmount(7n, 'value')).toBe(7n)
    expect(amountError(-7n).message).toMatch(/must not be negative/)
    expect(amountError(1n << 256n).message).toMatch(/below 2\^256/)
  })
  test('error: booleans, null, objects', () => {
    expect(amountError(true).message).toBe('expected a string or a number, got a boolean')
    expect(amountError(null).message).toBe('expected a string or a number, got null')
    expect(amountError({}).message).toBe('expected a string or a number, got an object')
    expect(amountError([1]).message).toBe('expected a string or a number, got an array')
  })
})

describe('amount: errors', () => {
  test('carry the field name and a stable code', () => {
    const err = amountError('nope', '--min-balance')
    expect(err.field).toBe('--min-balance')
    expect(err.code).toBe('INVALID_AMOUNT')
    expect(err.name).toBe('AmountError')
  })
  test('quote at most 80 characters of input', () => {
    const long = 'x'.repeat(5000)
    const err = amountError(long)
    expect(err.message.length).toBeLessThan(200)
    expect(err.message).toContain('…')
  })
})

describe('quoteInput', () => {
  test('quotes strings and cuts them at 80 characters', () => {
    expect(quoteInput('abc')).toBe('"abc"')
    expect(quoteInput('a'.repeat(100))).toBe(JSON.stringify(`${'a'.repeat(80)}…`))
  })
  test('renders other JSON values compactly', () => {
    expect(quoteInput(12)).toBe('12')
    expect(quoteInput({ a: 1 })).toBe('{"a":1}')
    expect(quoteInput(5n)).toBe('"5"')
  })
})
