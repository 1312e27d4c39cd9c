#!/usr/bin/env node
// `node bench/rpc-fuzz.mjs [minutes]` (default 10): the RPC client fuzz test
// (test/unit/rpc/rpcFuzz.test.ts: a fake node answering in every wrong way) run for that long
// instead of the suite's 3 s. It prints the calls made and the RSS; any counterexample fails it.
import { spawn } from 'node:child_process'
import { ROOT } from './lib.mjs'

const minutes = Number(process.argv[2] ?? 10)
const ms = Math.round(minutes * 60_000)
const child = spawn('npx', ['vitest', 'run', 'test/unit/rpc/rpcFuzz.test.ts', '--testTimeout', String(ms + 120_000)], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, FLOODGATE_FUZZ_MS: String(ms) },
})
child.on('close', (code) => process.exit(code ?? 1))
