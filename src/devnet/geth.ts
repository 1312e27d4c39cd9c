/**
 * Running geth in dev mode as a child process (`--node geth`): a throwaway datadir, HTTP on a free
 * port of 127.0.0.1, blocks every `blockTimeS` seconds of `gasLimit` gas, its random dev account
 * unlocked and funded. The process is a NodeProcess (nodeProcess.ts), as anvil's is.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Address } from 'viem'
import { FloodgateError } from '../base/errors.js'
import type { Logger } from '../log.js'
import { gethBinary } from './gethBinary.js'
import { jsonRpc, type NodeInstance, NodeProcess, NodeStartError, urlHost } from './nodeProcess.js'

export interface GethOptions {
  /** Seconds between blocks (`--dev.period`): whole seconds; 0 mines a block per tx. Default 1. */
  blockTimeS?: number
  /** The blocks' gas limit (`--dev.gaslimit`, and `--miner.gaslimit` so it stays there). */
  gasLimit?: bigint
  /** `--http.port` on 127.0.0.1. Default 0: a free port. */
  httpPort?: number
  /** Appended after the flags above (tests: small `--txpool.*` settings). */
  extraArgs?: string[]
  /** Until geth's HTTP server answers. Default 30000. */
  startTimeoutMs?: number
  /** stop(): SIGTERM, then SIGKILL after this long. Default 10000. */
  stopTimeoutMs?: number
  /** Lifecycle logging (debug: start/stop; warn: unexpected exit, SIGKILL). Default createLogger(); null: none. */
  logger?: Logger | null
}

/** `stop()` also removes the datadir. */
export interface GethInstance extends NodeInstance {
  /** geth's dev account: unlocked, with nearly 2^256 wei (eth_sendTransaction signs for it). */
  devAccount: Address
}

/** geth failed to start: bad flag, no binary, timeout... `output` is its last lines, secrets withheld. */
export class GethStartError extends NodeStartError {
  override name = 'GethStartError'

  constructor(reason: string, output: string[], opts: { exitCode?: number | null; cause?: unknown } = {}) {
    super('geth', 'GETH_START', reason, output, opts)
  }
}

/** geth's flags for `o`: dev mode on 127.0.0.1 only (HTTP on a free port, or `httpPort`; no peers, no IPC, no auth port taken). */
export function gethFlags(o: GethOptions, datadir: string): string[] {
  const blockTimeS = o.blockTimeS ?? 1
  if (!Number.isInteger(blockTimeS) || blockTimeS < 0) {
    throw new FloodgateError('GETH_START', `--node geth: --block-time must be whole seconds (geth's --dev.period), not ${blockTimeS} s`)
  }
  const gas = (o.gasLimit ?? 30_000_000n).toString()
  return [
    '--dev', '--dev.period', String(blockTimeS), '--dev.gaslimit', gas, '--miner.gaslimit', gas,
    '--datadir', datadir,
    '--http', '--http.addr', '127.0.0.1', '--http.port', String(o.httpPort ?? 0), '--http.api', 'eth,net,web3,txpool',
    '--authrpc.addr', '127.0.0.1', '--authrpc.port', '0', '--port', '0', '--nodiscover', '--maxpeers', '0', '--ipcdisable',
    // a node of its own: no fee cap on sends (floodgate keeps its own), no gas cap on calls
    '--rpc.txfeecap', '0', '--rpc.gascap', '0',
    '--verbosity', '3',
    ...(o.extraArgs ?? []),
  ]
}

/** Starts geth in dev mode and resolves once it answers JSON-RPC. Its output is captured until then and never printed. */
export async function startGeth(o: GethOptions = {}): Promise<GethInstance> {
  const datadir = mkdtempSync(path.join(tmpdir(), 'floodgate-geth-'))
  const removeDatadir = () => rmSync(datadir, { recursive: true, force: true })
  let geth: NodeProcess
  try {
    geth = new NodeProcess(gethBinary(), gethFlags(o, datadir), {
      name: 'geth',
      listening: /HTTP server started\s+endpoint=(\S+):(\d+)/,
      listeningText: 'HTTP server started',
      secrets: [],
      stopTimeoutMs: o.stopTimeoutMs ?? 10_000,
      onParentGone: 'SIGKILL',
      logger: o.logger,
      startError: (reason, output, e) => new GethStartError(reason, output, e),
    })
  } catch (err) {
    removeDatadir()
    throw err
  }
  const stopped = geth.exited.then(removeDatadir)
  const { host, port } = await geth.untilListening(o.startTimeoutMs ?? 30_000)
  const url = `http://${urlHost(host)}:${port}`
  let devAccount: Address
  try {
    const accounts = (await jsonRpc(url, 'eth_accounts', [], 10_000)) as Address[]
    if (!Array.isArray(accounts) || typeof accounts[0] !== 'string') throw new Error(`eth_accounts answered ${JSON.stringify(accounts)}`)
    devAccount = accounts[0]
  } catch (err) {
    throw await geth.failStart(`geth listened on ${url} but gave no dev account (${err instanceof Error ? err.message : String(err)})`, err)
  }
  geth.ready(url)
  return {
    url,
    pid: geth.child.pid!,
    devAccount,
    stop: async () => {
      await geth.stop()
      await stopped
    },
    exited: geth.exited,
  }
}
