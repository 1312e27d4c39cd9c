#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function and by package/file,
// and inclusive time of chosen frames. Used by docs/benchmarks.md to say what bounds a figure.
//
//   node bench/cpuprofile-summary.mjs PROFILE.cpuprofile [--top 25] [--divide N]
//
// --divide N prints µs per unit (e.g. per tx) next to the milliseconds.
import { readFileSync } from 'node:fs'

const args = process.argv.slice(2)
const file = args.find((a) => !a.startsWith('--'))
if (!file) {
  process.stderr.write('usage: node bench/cpuprofile-summary.mjs PROFILE.cpuprofile [--top N] [--divide N]\n')
  process.exit(2)
}
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : dflt
}
const TOP = opt('top', 25)
const DIV = opt('divide', 0)

const prof = JSON.parse(readFileSync(file, 'utf8'))
const nodes = new Map(prof.nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const self = new Map()
const dt = prof.timeDeltas
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0))
const totalUs = [...self.values()].reduce((a, b) => a + b, 0)

function where(cf) {
  const url = cf.url || ''
  if (!url) return cf.functionName ? `(native) ${cf.functionName}` : '(vm)'
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (m) return m[1]
  if (url.startsWith('node:')) return url
  const s = /\/(dist\/.*|src\/.*|bench\/.*)$/.exec(url)
  return s ? s[1].replace(/\.js$/, '') : url
}
const byFn = new Map()
const byPkg = new Map()
for (const [id, us] of self) {
  const cf = nodes.get(id).callFrame
  const fn = `${cf.functionName || '(anonymous)'}  ${where(cf)}:${cf.lineNumber + 1}`
  byFn.set(fn, (byFn.get(fn) ?? 0) + us)
  const pkg = where(cf)
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us)
}
const fmt = (us) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)} %${DIV ? ` ${(us / DIV).toFixed(1).padStart(7)} µs/unit` : ''}`
console.log(`profile: ${file}\nsampled: ${(totalUs / 1000).toFixed(0)} ms${DIV ? ` (${(totalUs / DIV).toFixed(1)} µs per unit over ${DIV})` : ''}\n`)
console.log('self time by package / file')
for (const [k, v] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${fmt(v)}  ${k}`)
console.log('\nself time by function')
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${fmt(v)}  ${k}`)

// inclusive time of frames whose name matches, counted once per sample
const PICKS = ['signTransaction', 'serializeTransaction', 'keccak256Bytes', 'ecdsaSign', 'txHash', 'parseSpec', 'readLines', 'emit', 'stringify', 'request', 'batch', 'flush', 'buildTx', 'observe', 'recordMs', 'garbage collector', 'send', 'process', 'run']
const incl = new Map(PICKS.map((p) => [p, 0]))
for (const [id, us] of self) {
  const seen = new Set()
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const name = nodes.get(cur).callFrame.functionName
    if (incl.has(name) && !seen.has(name)) {
      seen.add(name)
      incl.set(name, incl.get(name) + us)
    }
  }
}
console.log('\ninclusive time of selected frames (by name)')
for (const [k, v] of [...incl].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1])) console.log(`${fmt(v)}  ${k}`)
