#!/usr/bin/env node
// The figures of docs/reliability.md: runs the fault tests N times (each run appends one JSON
// line per case to a figures file, see test/helpers/figures.ts), then sums them per fault.
//
//   npm run build && node bench/reliability.mjs            # 3 rounds, table → stdout
//   node bench/reliability.mjs --rounds 1                  # one round
//   node bench/reliability.mjs --write                     # also replace the table in docs/reliability.md
//   node bench/reliability.mjs --from figures.jsonl        # no tests: tabulate a figures file
//
// Everything talks to anvils the tests start on 127.0.0.1; the tests bound their own time.

import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const FILES = ['test/e2e/chaos.test.ts', 'test/e2e/nodeFaults.test.ts', 'test/e2e/stopping.test.ts', 'test/e2e/badInput.test.ts']
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : dflt
}
const rounds = Number(arg('--rounds', '3'))
let figures = arg('--from')

if (!figures) {
  figures = path.join(mkdtempSync(path.join(os.tmpdir(), 'floodgate-figures-')), 'figures.jsonl')
  for (let r = 1; r <= rounds; r++) {
    process.stderr.write(`round ${r}/${rounds}\n`)
    const res = spawnSync('npx', ['vitest', 'run', ...FILES], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, FLOODGATE_FIGURES: figures } })
    if (res.status !== 0) process.stderr.write(`round ${r}: some test failed (exit ${res.status}); its figures are still counted\n`)
  }
}

const rows = new Map()
for (const line of readFileSync(figures, 'utf8').split('\n')) {
  if (!line) continue
  const f = JSON.parse(line)
  const r = rows.get(f.fault) ?? { runs: 0, specs: 0, faults: 0, lost: 0, failed: 0, gaps: 0, filled: 0, rss: 0, baseline: 0, ms: [] }
  r.runs += f.runs
  r.specs += f.specs
  r.faults += f.faults
  r.lost += f.lost
  r.failed += f.failed
  r.gaps += f.gaps
  r.filled += f.filled ?? 0
  r.rss = Math.max(r.rss, f.peak_rss_mib ?? 0)
  r.baseline = Math.max(r.baseline, f.baseline_rss_mib ?? 0)
  if (f.ms) r.ms.push(f.ms)
  rows.set(f.fault, r)
}
const fmt = (n) => n.toLocaleString('en-US')
let table = '| fault | runs | specs | faults injected | lost | failed (definite) | nonce gaps left | gaps filled | peak RSS (MiB) | run time (median) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
// the chaos proxy's rows first, then the node's faults, stopping, input, each in test order
const ordered = [...rows].sort(([a], [b]) => Number(b.startsWith('chaos')) - Number(a.startsWith('chaos')))
for (const [fault, r] of ordered) {
  const ms = r.ms.sort((a, b) => a - b)[Math.floor(r.ms.length / 2)]
  const rss = r.rss ? `${Math.round(r.rss)}${r.baseline ? ` (fast reader: ${Math.round(r.baseline)})` : ''}` : '—'
  table += `| ${fault} | ${r.runs} | ${fmt(r.specs)} | ${fmt(r.faults)} | ${r.lost} | ${fmt(r.failed)} | ${r.gaps} | ${r.filled} | ${rss} | ${ms ? `${(ms / 1000).toFixed(1)} s` : '—'} |\n`
}
process.stdout.write(table)
if (process.argv.includes('--write')) {
  const doc = path.join(ROOT, 'docs', 'reliability.md')
  const text = readFileSync(doc, 'utf8')
  const start = text.indexOf('<!-- figures -->')
  const end = text.indexOf('<!-- /figures -->')
  if (start < 0 || end < 0) throw new Error('docs/reliability.md has no <!-- figures --> … <!-- /figures --> block')
  writeFileSync(doc, `${text.slice(0, start)}<!-- figures -->\n${table}${text.slice(end)}`)
}
