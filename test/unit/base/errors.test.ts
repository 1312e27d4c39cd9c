import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { CommanderError } from 'commander'
import { afterEach, describe, expect, expectTypeOf, test } from 'vitest'
import { AssertSyntaxError, parseAssert } from '../../../src/assert/expr.js'
import { describeError, errorLine, FatalError, FloodgateError, UsageError, type ErrorCode, type InvalidSpecCode as SpecCode } from '../../../src/base/errors.js'
import { handleError } from '../../../src/cli/main.js'
import { isMethodMissing } from '../../../src/chain/receipts.js'
import { createLogger } from '../../../src/log.js'
import { classifySendError, type SendOutcome } from '../../../src/rpc/classifySendError.js'
import { createHttpRpc, isPermanentRpcError, RpcError, TransportError } from '../../../src/rpc/rpc.js'
import { parseScenario } from '../../../src/scenario/load.js'
import { ScenarioError } from '../../../src/scenario/types.js'
import type { InvalidSpecCode } from '../../../src/stream/spec.js'
import { TxTypeError } from '../../../src/tx/txTypeFields.js'
import { BIN, tempStateDir } from '../../helpers/cli.js'

/** A port nothing listens on: bound, read, closed. */
async function closedPort(): Promise<number> {
  const s = createNetServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const { port } = s.address() as AddressInfo
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

/** What `fn` throws (or rejects with). */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a throw')
}

/** A logger writing JSON lines into `lines`. */
function capture(level: 'info' | 'debug') {
  const lines: Record<string, unknown>[] = []
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>)
      done()
    },
  })
  return { log: createLogger({ level, destination, pretty: false }), lines }
}

describe('one error base: codes and the instanceof chain', () => {
  test('behavior: every class is a FloodgateError (and an Error) with its code', async () => {
    const scenario = await thrown(() => parseScenario('[[spam]]\nnope = 1\n', 't'))
    const assertion = await thrown(() => parseAssert('failed = 0'))
    const cases: [unknown, new (...args: never[]) => Error, ErrorCode, string][] = [
      [new RpcError(-32000, 'nonce too low'), RpcError, 'RPC_ERROR', 'RpcError'],
      [new TransportError('timeout', 'eth_chainId: no answer'), TransportError, 'RPC_UNAVAILABLE', 'TransportError'],
      [scenario, ScenarioError, 'SCENARIO_INVALID', 'ScenarioError'],
      [assertion, AssertSyntaxError, 'ASSERT_SYNTAX', 'AssertSyntaxError'],
      [new TxTypeError('KZG_UNAVAILABLE', 'no kzg'), TxTypeError, 'KZG_UNAVAILABLE', 'TxTypeError'],
      [new UsageError('--tps: bad'), UsageError, 'USAGE', 'UsageError'],
      [new FatalError('FUNDING_TIMEOUT', 'not mined'), FatalError, 'FUNDING_TIMEOUT', 'FatalError'],
    ]
    for (const [err, cls, code, name] of cases) {
      expect(err, name).toBeInstanceOf(cls)
      expect(err, name).toBeInstanceOf(FloodgateError)
      expect(err, name).toBeInstanceOf(Error)
      expect((err as FloodgateError).code, name).toBe(code)
      expect((err as Error).name, name).toBe(name)
    }
    // the classes stay apart: the worker and the retry loops tell them by instanceof
    expect(new RpcError(-32000, 'x')).not.toBeInstanceOf(TransportError)
    expect(new TransportError('network', 'x')).not.toBeInstanceOf(RpcError)
    expect(new UsageError('x')).not.toBeInstanceOf(FatalError)
  })

  test('behavior: the JSON-RPC code of a node error is rpcCode, and every reader of it uses that', () => {
    const missing = new RpcError(-32601, 'the method does not exist', { extra: 1 })
    expect(missing.rpcCode).toBe(-32601)
    expect(missing.code).toBe('RPC_ERROR')
    expect(missing.data).toEqual({ extra: 1 })
    expect(missing.details).toBe('JSON-RPC error -32601')
    expect(isPermanentRpcError(missing)).toBe(true)
    expect(isPermanentRpcError(new RpcError(-32602, 'invalid params'))).toBe(true)
    expect(isPermanentRpcError(new RpcError(-32000, 'header not found'))).toBe(false)
    expect(isMethodMissing(new RpcError(-32601, 'whatever'))).toBe(true)
    expect(isMethodMissing(new RpcError(-32000, 'whatever'))).toBe(false)
    expect(classifySendError(new RpcError(-32603, 'odd'))).toMatchObject({ code: 'RPC_INTERNAL_ERROR' })
    expect(classifySendError(new RpcError(-32000, 'odd'))).toMatchObject({ code: 'REJECTED' })
  })

  test('behavior: every code the project hands out is in ErrorCode (checked by tsc)', () => {
    expectTypeOf<InvalidSpecCode>().toEqualTypeOf<SpecCode>()
    expectTypeOf<SpecCode>().toExtend<ErrorCode>()
    expectTypeOf<Exclude<SendOutcome, { kind: 'accepted' }>['code']>().toEqualTypeOf<ErrorCode>()
    expectTypeOf<TransportError['code']>().toEqualTypeOf<ErrorCode>()
  })
})

describe('hints, details, causes', () => {
  test('behavior: a code with a known remedy gets it as hint; an own hint wins', () => {
    expect(new FatalError('FUNDER_INSUFFICIENT', 'funder has 0 ETH').hint).toBe('fund the funder or lower --min-balance')
    expect(new FatalError('FUNDER_INSUFFICIENT', 'x', { hint: 'top up 0xabc' }).hint).toBe('top up 0xabc')
    expect(new FatalError('POOL_DUPLICATE', 'x').hint).toBeUndefined()
    expect(new UsageError('--tps: bad').hint).toBeUndefined()
  })

  test('behavior: walk follows the cause chain: the deepest cause, or the first one fn accepts', () => {
    const root = new Error('ECONNRESET')
    const mid = new TransportError('network', 'eth_getBalance: cannot reach')
    Object.defineProperty(mid, 'cause', { value: root })
    const top = new FatalError('FUNDING_FAILED', 'funding failed', { cause: mid, details: 'account 3' })
    expect(top.cause).toBe(mid)
    expect(top.details).toBe('account 3')
    expect(top.walk()).toBe(root)
    expect(top.walk((e) => e instanceof TransportError)).toBe(mid)
    expect(top.walk((e) => e instanceof FatalError)).toBe(top)
    expect(top.walk((e) => e instanceof RpcError)).toBeUndefined()
    expect(new UsageError('alone').walk()).toBeInstanceOf(UsageError)
  })

  test('behavior: describeError is one short line of anything thrown', () => {
    expect(describeError(new Error('a\n  b\tc'))).toBe('a b c')
    expect(describeError('plain')).toBe('plain')
    expect(describeError({ code: 1 })).toBe('{"code":1}')
    expect(describeError(undefined)).toBe('undefined')
    expect(describeError(new Error('x'.repeat(50)), 10)).toBe(`${'x'.repeat(9)}…`)
  })

  test('behavior: errorLine is [CODE] message — hint, on one line', () => {
    expect(errorLine(new FatalError('FUNDER_INSUFFICIENT', 'funder has 0 ETH'))).toBe('[FUNDER_INSUFFICIENT] funder has 0 ETH — fund the funder or lower --min-balance')
    expect(errorLine(new UsageError('--tps: "x" is not a rate ≥ 0'))).toBe('[USAGE] --tps: "x" is not a rate ≥ 0')
    expect(errorLine(new FatalError('ANVIL_START', 'anvil exited\nlast output:\n  line 1'))).toBe('[ANVIL_START] anvil exited last output: line 1')
  })
})

describe('RPC errors from a real HTTP client carry a hint naming the redacted URL', () => {
  let server: Server | undefined
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

  test('behavior: a refused connection is a TransportError RPC_UNAVAILABLE; the hint has no password', async () => {
    const port = await closedPort()
    const rpc = createHttpRpc(`http://alice:Hunter2Hunter2@127.0.0.1:${port}`, { timeoutMs: 1_000 })
    const err = (await thrown(() => rpc.request('eth_getBalance', ['0x0000000000000000000000000000000000000000', 'latest']))) as TransportError
    await rpc.close?.()
    expect(err).toBeInstanceOf(TransportError)
    expect(err.failure).toBe('network')
    expect(err.code).toBe('RPC_UNAVAILABLE')
    expect(err.hint).toBe(`is the node at http://***:***@127.0.0.1:${port}/ up?`)
    expect(errorLine(err)).not.toContain('Hunter2Hunter2')
  })

  test('behavior: a JSON-RPC error answer is an RpcError RPC_ERROR with rpcCode; the hint names the method', async () => {
    server = createServer((req, res) => {
      req.resume().on('end', () => res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'header not found' } })))
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const rpc = createHttpRpc(`http://127.0.0.1:${port}`)
    const err = (await thrown(() => rpc.request('eth_getBalance', []))) as RpcError
    await rpc.close?.()
    expect(err).toBeInstanceOf(RpcError)
    expect([err.code, err.rpcCode, err.message]).toEqual(['RPC_ERROR', -32000, 'header not found'])
    expect(err.hint).toBe(`the node at http://127.0.0.1:${port}/ refused eth_getBalance: see its logs`)
  })
})

describe('the top-level handler', () => {
  test('behavior: a FloodgateError is one error line [CODE] message — hint, no stack; exit 1, usage 2', () => {
    const { log, lines } = capture('info')
    const err = new TransportError('network', 'eth_getBalance: cannot reach http://127.0.0.1:9/ (ECONNRESET)', undefined, undefined, 'http://127.0.0.1:9/')
    expect(handleError(err, { debug: false, log })).toBe(1)
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, code: 'RPC_UNAVAILABLE', msg: '[RPC_UNAVAILABLE] eth_getBalance: cannot reach http://127.0.0.1:9/ (ECONNRESET) — is the node at http://127.0.0.1:9/ up?' }),
    ])
    expect(JSON.stringify(lines)).not.toContain('    at ')
    expect(handleError(new UsageError('--tps: bad'), { debug: false, log })).toBe(2)
    expect(lines[1]).toMatchObject({ level: 50, msg: '[USAGE] --tps: bad' })
    expect(handleError(new RpcError(-32000, 'header not found'), { debug: false, log })).toBe(1)
    expect(lines[2]).toMatchObject({ level: 50, msg: '[RPC_ERROR] header not found' })
    expect(lines).toHaveLength(3)
  })

  test('behavior: at debug level the stack and the causes follow the line', () => {
    const { log, lines } = capture('debug')
    const err = new FatalError('FUNDING_FAILED', 'funding 0xabc failed', { cause: new Error('socket hang up') })
    expect(handleError(err, { debug: true, log })).toBe(1)
    expect(lines[0]).toMatchObject({ level: 50, msg: '[FUNDING_FAILED] funding 0xabc failed' })
    expect(lines[1]).toMatchObject({ level: 20, causes: ['socket hang up'] })
    expect(String(lines[1]!.stack)).toContain('    at ')
  })

  test('behavior: anything else is a bug: "unexpected error", its stack only at debug level', () => {
    const quiet = capture('info')
    expect(handleError(new TypeError('x is undefined'), { debug: false, log: quiet.log })).toBe(1)
    expect(quiet.lines).toEqual([expect.objectContaining({ level: 60, msg: 'unexpected error', error: 'x is undefined' })])
    expect(quiet.lines[0]).not.toHaveProperty('stack')
    const loud = capture('debug')
    handleError(new TypeError('x is undefined'), { debug: true, log: loud.log })
    expect(String(loud.lines[0]!.stack)).toContain('    at ')
  })

  test('behavior: commander\'s errors keep their exit codes and print nothing more', () => {
    const { log, lines } = capture('info')
    expect(handleError(new CommanderError(0, 'commander.helpDisplayed', ''), { debug: false, log })).toBe(0)
    expect(handleError(new CommanderError(1, 'commander.unknownOption', 'unknown option'), { debug: false, log })).toBe(2)
    expect(lines).toEqual([])
  })
})

describe('the built CLI (dist/bin/floodgate.js: build with npx tsc -p tsconfig.build.json)', () => {
  test('error: send to a closed port prints one [RPC_UNAVAILABLE] line, no stack, and exits 1', async () => {
    expect(existsSync(BIN), `${BIN} is missing: run npx tsc -p tsconfig.build.json`).toBe(true)
    const port = await closedPort()
    const child = spawn(process.execPath, [BIN, 'send', '--rpc-url', `http://127.0.0.1:${port}`, '--skip-funding', '--rpc-timeout', '1s'], {
      env: { ...process.env, FLOODGATE_STATE_DIR: tempStateDir() },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.stdin.end('{"to":"0x000000000000000000000000000000000000dEaD"}\n')
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code, stderr).toBe(1)
    const lines = stderr.split('\n').filter(Boolean)
    const errors = lines.filter((l) => l.includes('[RPC_UNAVAILABLE]'))
    expect(errors, stderr).toHaveLength(1)
    expect(errors[0]).toContain(`cannot reach the RPC at http://127.0.0.1:${port}/`)
    expect(stderr).not.toContain('    at ')
    expect(stderr).not.toContain('unexpected error')
    expect(stdout).not.toContain('    at ')
  })
})
