import { PassThrough, Readable } from 'node:stream'
import { createHttpRpc } from '../../src/rpc/rpc.js'
import { DEFAULT_IN_FLIGHT, DEFAULT_RECEIPT_TIMEOUT_MS } from '../../src/defaults.js'
import { DEVNET_FUNDER_KEY } from '../../src/devnet/embedded.js'
import { createLogger } from '../../src/log.js'
import { send, type SendOptions } from '../../src/send.js'
import { jsonl, parseEvents, tempStateDir, type Event } from './cli.js'
import { assertNoSecrets, sendSecrets } from './secrets.js'

/**
 * Runs `send()` in-process against `rpcUrl`, with the seams (`rpc`, `signerFactory`) open
 * to the test; collects stdout events (schema-checked) and stderr text.
 */
/** `send()`'s options, plus the one-pool shorthand and the old single timeout the tests were written with. */
export type RunSendOptions = Partial<SendOptions> & { poolSize?: number; poolName?: string; rpcTimeoutMs?: number }

export async function runSend(rpcUrl: string, specs: unknown[], over: RunSendOptions = {}): Promise<{ events: Event[]; stderr: string }> {
  const { poolSize = 4, poolName = 'executors', rpcTimeoutMs = 5_000, ...rest } = over
  const out = new PassThrough()
  let stdout = ''
  out.on('data', (c: Buffer) => (stdout += c.toString()))
  const errStream = new PassThrough()
  let stderr = ''
  errStream.on('data', (c: Buffer) => (stderr += c.toString()))
  const opts: SendOptions = {
    rpcUrl,
    input: Readable.from([jsonl(specs)]),
    output: out,
    log: createLogger({ level: 'info', pretty: false, destination: errStream }),
    pools: [{ name: poolName, size: poolSize }],
    seed: `in-process-${Math.random()}`,
    funderKey: DEVNET_FUNDER_KEY,
    skipFunding: false,
    tps: 0,
    retries: 3,
    inFlight: DEFAULT_IN_FLIGHT,
    receipts: true,
    receiptTimeoutMs: DEFAULT_RECEIPT_TIMEOUT_MS,
    receiptSource: 'auto',
    requestTimeoutMs: rpcTimeoutMs,
    maxOutageMs: rpcTimeoutMs,
    dryRun: false,
    allowMainnet: false,
    readerCapacity: 256,
    workerCapacity: 64,
    stateDir: tempStateDir(),
    ...rest,
  }
  await send(opts)
  await new Promise((r) => setImmediate(r))
  // every run: no key, seed or mnemonic in what it printed
  assertNoSecrets(stdout + stderr, sendSecrets({ ...opts, poolName, poolSize, ...(opts.funderKey ? { funderKey: opts.funderKey } : {}) }), 'send()')
  return { events: parseEvents(stdout), stderr }
}

async function nonce(rpcUrl: string, address: string, tag: string): Promise<number> {
  return Number(BigInt(await createHttpRpc(rpcUrl).request<string>('eth_getTransactionCount', [address, tag])))
}

/** Waits until these accounts have nothing pending; returns their mined nonces. */
export async function settledNonces(rpcUrl: string, addresses: string[], timeoutMs = 30_000): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const latest = await Promise.all(addresses.map((a) => nonce(rpcUrl, a, 'latest')))
    const pending = await Promise.all(addresses.map((a) => nonce(rpcUrl, a, 'pending')))
    if (latest.every((n, i) => n === pending[i]) || Date.now() > deadline) return new Map(addresses.map((a, i) => [a, latest[i]!]))
    await new Promise((r) => setTimeout(r, 300))
  }
}

/** Accepted `tx_result`s per sender. */
export function acceptedBySender(events: Event[]): Map<string, number> {
  const m = new Map<string, number>()
  for (const r of events) if (r.type === 'tx_result' && !r.error_code && !r.status) m.set(r.from, (m.get(r.from) ?? 0) + 1)
  return m
}
