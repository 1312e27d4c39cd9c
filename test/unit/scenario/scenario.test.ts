import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import type { Address } from 'viem'
import { UsageError } from '../../../src/base/errors.js'
import { compileSpam, specObjects } from '../../../src/scenario/generate.js'
import { builtinScenarios, loadScenario, parseScenario } from '../../../src/scenario/load.js'
import { planPools } from '../../../src/scenario/planPools.js'
import { validateScenario } from '../../../src/scenario/prepare.js'
import { substitute, type TemplateContext } from '../../../src/scenario/template.js'
import { ScenarioError } from '../../../src/scenario/types.js'
import { parseSpec } from '../../../src/stream/parseSpec.js'
import { parseContext } from '../../../src/stream/spec.js'
import { CONTENDER_TX_TYPES, CONTENDER_RUNNABLE, contenderScenarios } from '../../helpers/compat.js'

const COUNTER: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const ctxWith = (over: Partial<TemplateContext> = {}): TemplateContext => ({
  env: { key: '0x01', amount: '5' },
  contractNames: new Set(['Counter', 'Later']),
  contracts: new Map([['Counter', COUNTER]]),
  ...over,
})

function take(text: string, n: number, seed = 's', contracts = new Map<string, Address>()) {
  const s = parseScenario(text, 't')
  const steps = compileSpam(s, { env: s.env, contractNames: new Set(s.creates.map((c) => c.name)), contracts }, { fromPool: true })
  const it = specObjects(steps, seed)
  return Array.from({ length: n }, () => it.next().value!)
}

describe('scenario files', () => {
  test('error: a [[setup]] step of a blob or set-code type is refused, naming the entry; in [[spam]] they are fine', () => {
    const spam = '[[spam]]\n[spam.tx]\nto = "{_sender}"\nblob_data = "f00d"\n'
    expect(() => validateScenario(parseScenario(spam, 't'))).not.toThrow()
    const setup = `[[setup]]\nkind = "delegate"\nto = "{_sender}"\nauthorization_address = "0x000000000000000000000000000000000000c0de"\n${spam}`
    expect(() => validateScenario(parseScenario(setup, 't'))).toThrow(/setup\[0\] \(delegate\): \[\[setup\]\] steps are sent as the chain's default tx type/)
  })
  test('error: [[spam.bundle.tx]] is refused with a message naming the entry', () => {
    const text = `
[[spam]]
[spam.tx]
to = "{_sender}"

[[spam]]
[[spam.bundle.tx]]
kind = "arb_leg"
to = "{_sender}"
`
    expect(() => parseScenario(text, 't')).toThrow(ScenarioError)
    expect(() => parseScenario(text, 't')).toThrow(/^spam\[1\] \(arb_leg\): \[\[spam\.bundle\.tx\]\] \(a bundle\) is not supported/)
  })

  test('error: unknown fields name the entry and suggest the right one', () => {
    expect(() => parseScenario('[[spam]]\n[spam.tx]\nto = "{_sender}"\ngaslimit = 1\n', 't')).toThrow(/spam\[0\]\.tx: unknown field "gaslimit" \(did you mean "gas_limit"\?\)/)
    expect(() => parseScenario('[[create]]\nname = "A"\nbytecode = "0x00"\nbytcode = "0x"\n', 't')).toThrow(/create\[0\] \(A\): unknown field "bytcode"/)
    expect(() => parseScenario('[[spam]]\n[spam.tx]\nto = "{_sender}"\nfuzz = [{ param = "x", value = true }]\n', 't')).toThrow(/fuzz\[0\]: give exactly one of/)
    expect(() => parseScenario('[nope]\n', 't')).toThrow(/top level: unknown field "nope"/)
    expect(() => parseScenario('[[spam]\n', 't')).toThrow(/not valid TOML/)
  })

  test('behavior: {Contract} and 0x{Contract} give the same address; env values; {_sender} stays for the worker', () => {
    const c = ctxWith()
    expect(substitute('{Counter}', c, 'to')).toBe(COUNTER.toLowerCase())
    expect(substitute('0x{Counter}', c, 'to')).toBe(COUNTER.toLowerCase())
    expect(substitute('[(0x{Counter},0,0xd09de08a),({Counter},{amount},0x)]', c, 'args[0]')).toBe(
      `[(${COUNTER.toLowerCase()},0,0xd09de08a),(${COUNTER.toLowerCase()},5,0x)]`,
    )
    expect(substitute('{key}', c, 'x')).toBe('0x01')
    expect(substitute('{_sender}', c, 'x')).toBe('{_sender}')
    // bytecode linking: bare hex; the deployer padded to 32 bytes, as contender does
    const sender = '0x000000000000000000000000000000000000bEEF' as Address
    expect(substitute('60{Counter}{_sender}', ctxWith({ sender }), 'bytecode', 'bytecode')).toBe(`60${COUNTER.slice(2).toLowerCase()}${'0'.repeat(24)}000000000000000000000000000000000000beef`)
    expect(() => substitute('{nope}', c, 'spam[0].tx.to')).toThrow(/spam\[0\]\.tx\.to: unknown placeholder \{nope\}: not an \[env\] variable nor a \[\[create\]\] name/)
    expect(() => substitute('{Later}', c, 'setup[1].to')).toThrow(/needs the address of contract "Later", which is not deployed/)
    expect(() => substitute('{_setCodeSigner}', c, 'x')).toThrow(/not supported/)
  })

  test('behavior: a bare {Contract} as `to` and in address args parses as that address', () => {
    const [line] = take('[[create]]\nname = "Counter"\nbytecode = "0x00"\n[[spam]]\n[spam.tx]\nto = "{Counter}"\nsignature = "f(address)"\nargs = ["{Counter}"]\n', 1, 's', new Map([['Counter', COUNTER]]))
    const { from_pool: _p, ...fields } = line!
    const r = parseSpec(JSON.stringify(fields), 1, parseContext([['x', []]]))
    expect(r.ok && r.spec.to).toBe(COUNTER)
    expect(r.ok && r.spec.calldata).toContain(COUNTER.slice(2).toLowerCase())
  })

  test('behavior: fuzz is deterministic per seed, within [min, max), per parameter name; value and tip fuzz', () => {
    const text = `
[[spam]]
[spam.tx]
to = "{_sender}"
signature = "f(uint256 a, address who, uint256 b)"
args = ["7", "{_sender}", "9"]
fuzz = [{ param = "a", min = "10", max = "20" }, { param = "who", min = "1", max = "0x100" }, { value = true, min = "1 gwei", max = "2 gwei" }, { max_priority_fee_per_gas = true, min = "3", max = "4" }]
`
    const a = take(text, 200, 'one')
    expect(take(text, 200, 'one')).toEqual(a)
    expect(take(text, 200, 'two')).not.toEqual(a)
    const as = a.map((s) => BigInt((s.args as string[])[0]!))
    expect(as.every((v) => v >= 10n && v < 20n)).toBe(true)
    expect(new Set(as).size).toBe(10) // 200 draws cover all 10 values
    expect(a.every((s) => /^0x0{37}[0-9a-f]{3}$/.test((s.args as string[])[1]!))).toBe(true)
    expect(a.every((s) => (s.args as string[])[2] === '9')).toBe(true)
    expect(a.every((s) => BigInt(s.value as string) >= 10n ** 9n && BigInt(s.value as string) < 2n * 10n ** 9n)).toBe(true)
    expect(a.every((s) => s.max_priority_fee_per_gas === '3')).toBe(true)
    expect(() => take(text.replace('param = "a"', 'param = "zz"'), 1)).toThrow(/"zz" is not a named parameter of f\(uint256 a, address who, uint256 b\)/)
  })

  test('behavior: entries interleave; weights give exact shares in every cycle', () => {
    const two = '[[spam]]\n[spam.tx]\nkind = "a"\nto = "{_sender}"\n[[spam]]\n[spam.tx]\nkind = "b"\nto = "{_sender}"\n'
    expect(take(two, 6).map((s) => s.kind)).toEqual(['a', 'b', 'a', 'b', 'a', 'b'])
    const weighted = '[[spam]]\nweight = 19\n[spam.tx]\nkind = "ok"\nto = "{_sender}"\n[[spam]]\nweight = 1\n[spam.tx]\nkind = "bad"\nto = "{_sender}"\n'
    const kinds = take(weighted, 200).map((s) => s.kind)
    for (let cycle = 0; cycle < 10; cycle++) expect(kinds.slice(cycle * 20, cycle * 20 + 20).filter((k) => k === 'bad')).toHaveLength(1)
    expect(() => parseScenario(weighted.replace('weight = 19', 'weight = 0'), 't')).toThrow(/spam\[0\] \(ok\)\.weight: expected a whole number from 1/)
  })

  test('behavior: pools default as in contender (admin for create/setup, spammers for spam); for_all_accounts sizes a setup pool', () => {
    const s = parseScenario(
      '[[create]]\nname = "A"\nbytecode = "0x00"\n[[setup]]\nto = "{A}"\nfrom_pool = "holders"\nfor_all_accounts = true\n[[spam]]\n[spam.tx]\nto = "{A}"\n[[spam]]\n[spam.tx]\nto = "{A}"\nfrom_pool = "blue"\n',
      't',
    )
    expect(planPools(s, 4)).toEqual({
      all: [{ name: 'admin', size: 1 }, { name: 'holders', size: 4 }, { name: 'spammers', size: 4 }, { name: 'blue', size: 4 }],
      spam: [{ name: 'spammers', size: 4 }, { name: 'blue', size: 4 }],
    })
  })
})

describe('built-in scenarios', () => {
  test('behavior: every built-in scenario loads by name and its templates check out', () => {
    expect(builtinScenarios()).toEqual(expect.arrayContaining(['access-list', 'calldata', 'erc20', 'mixed', 'reverts', 'storage', 'transfers']))
    for (const name of builtinScenarios()) {
      const s = loadScenario(name)
      expect(s.spam.length, name).toBeGreaterThan(0)
      validateScenario(s)
    }
  })

  test('error: an unknown name lists the built-in ones; a missing file says so', () => {
    expect(() => loadScenario('nonesuch')).toThrow(UsageError)
    expect(() => loadScenario('nonesuch')).toThrow(/not a built-in scenario \(built-in: access-list, calldata, erc20/)
    expect(() => loadScenario('missing/file.toml')).toThrow(/no such file/)
  })
})

describe("contender's scenario files", () => {
  test.for(CONTENDER_RUNNABLE)('behavior: %s parses and every template checks out', (name, ctx) => {
    const dir = contenderScenarios(ctx)
    if (!dir) return
    const s = loadScenario(join(dir, `${name}.toml`))
    validateScenario(s)
    expect(s.spam.length).toBeGreaterThan(0)
  })

  test.for(Object.entries(CONTENDER_TX_TYPES))('behavior: %s: its spam lines parse as that tx type', ([name], ctx) => {
    const dir = contenderScenarios(ctx)
    if (!dir) return
    const s = loadScenario(join(dir, `${name}.toml`))
    validateScenario(s)
    const fields = s.spam[0]!.tx.fields
    expect(name === 'blobs' ? fields.blob_data : fields.authorization_address).toBeDefined()
  })
})
