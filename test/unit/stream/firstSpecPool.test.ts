import { describe, expect, test } from 'vitest'
import { firstSpecPool, type SpecInput } from '../../../src/stream/firstSpecPool.js'

async function* chunks(parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p, 'utf8')
}

async function text(input: SpecInput): Promise<string> {
  let s = ''
  for await (const c of input) s += c.toString()
  return s
}

describe('firstSpecPool', () => {
  test('error: a read that fails ahead (EIO) names no pool; the input gives back what came before, then fails with the same error where the reader reads it', async () => {
    const eio = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' })
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('# first\n', 'utf8')
      throw eio
    }
    const r = await firstSpecPool(failing())
    expect(r.pool).toBeUndefined()
    let got = ''
    await expect(
      (async () => {
        for await (const c of r.input) got += c.toString()
      })(),
    ).rejects.toBe(eio)
    expect(got).toBe('# first\n')
  })

  test('behavior: the first spec line\'s from_pool, after blank and comment lines, split across chunks; the input comes back byte for byte', async () => {
    const parts = ['\n# a comment\n  \n{"to":"0x00', '00000000000000000000000000000000000000dEaD","from_', 'pool":"spammers"}\n{"to":"0x1","from_pool":"other"}\n', 'tail']
    const r = await firstSpecPool(chunks(parts))
    expect(r).toMatchObject({ pool: 'spammers', line: 4 })
    expect(await text(r.input)).toBe(parts.join(''))
  })

  test('behavior: a first spec with no from_pool, or one that is not JSON, names no pool (a later line\'s is not read)', async () => {
    for (const first of ['{"to":"0x1"}', 'not json', '{"from_pool":7}', '[1]', '{"from_pool":"a\\u001b[2J"}', `{"from_pool":"${'p'.repeat(65)}"}`, '{"from_pool":""}']) {
      const parts = [`${first}\n{"to":"0x1","from_pool":"spammers"}\n`]
      const r = await firstSpecPool(chunks(parts))
      expect(r.pool, first).toBeUndefined()
      expect(await text(r.input)).toBe(parts.join(''))
    }
  })

  test('behavior: a last line without a newline, a BOM, CRLF, and an empty input', async () => {
    expect((await firstSpecPool(chunks(['\uFEFF{"from_pool":"a"}']))).pool).toBe('a')
    expect((await firstSpecPool(chunks(['{"from_pool":"b"}\r\n']))).pool).toBe('b')
    const empty = await firstSpecPool(chunks([]))
    expect(empty.pool).toBeUndefined()
    expect(await text(empty.input)).toBe('')
  })

  test('behavior: an oversize first line stops the read-ahead at the limit, with no pool, and nothing is lost', async () => {
    const big = `{"data":"${'a'.repeat(300)}","from_pool":"x"}\n`
    const r = await firstSpecPool(chunks([big.slice(0, 100), big.slice(100, 200), big.slice(200)]), undefined, 150)
    expect(r.pool).toBeUndefined()
    expect(await text(r.input)).toBe(big)
  })

  test('behavior: a stop while no line has come ends the read-ahead with no pool; the chunk still pending is read next', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    async function* slow(): AsyncGenerator<string> {
      await gate
      yield '{"from_pool":"late"}\n'
    }
    const stop = new AbortController()
    const pending = firstSpecPool(slow(), stop.signal)
    stop.abort()
    const r = await pending
    expect(r.pool).toBeUndefined()
    release()
    expect(await text(r.input)).toBe('{"from_pool":"late"}\n')
  })
})
