#!/usr/bin/env node
// The line-parser fuzz (test/unit/stream/fuzzLines.test.ts) for longer than the suite runs it:
// hostile lines (nesting up to 60,000 deep, 120 KB strings, 20,000-element arrays, 5,000-key
// objects, keys given twice, numbers a double cannot hold, random JSON and text) through the
// real intake, asserting one outcome per line, nothing thrown out of it, the heap bounded.
// Not a test (it takes minutes).
//
//   node bench/fuzz-input.mjs --minutes 10            # a random seed, printed
//   node bench/fuzz-input.mjs --minutes 2 --seed 7    # replay a seed
//
// Runs vitest on that one file with FLOODGATE_FUZZ_MINUTES / _SEED / _OUT set; prints one JSON
// line: { minutes, seed, runs, lines, max_heap_over_start_mb, max_rss_mb, ok }. A failure prints
// fast-check's counterexample (with its seed and path) and exits 1.

import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : dflt
}
const minutes = Number(arg('minutes', 10))
const seed = Number(arg('seed', Math.floor(Math.random() * 2 ** 31)))
const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'floodgate-fuzz-')), 'figures.json')

const child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/unit/stream/fuzzLines.test.ts'], {
  cwd: ROOT,
  env: { ...process.env, FLOODGATE_FUZZ_MINUTES: String(minutes), FLOODGATE_FUZZ_SEED: String(seed), FLOODGATE_FUZZ_OUT: out },
  stdio: ['ignore', 'pipe', 'inherit'],
})
let text = ''
child.stdout.on('data', (c) => (text += c))
const code = await new Promise((resolve) => child.on('close', resolve))
if (code !== 0) {
  process.stdout.write(text)
  console.log(JSON.stringify({ minutes, seed, ok: false }))
  process.exit(1)
}
console.log(JSON.stringify({ ...JSON.parse(readFileSync(out, 'utf8')), ok: true }))
