#!/usr/bin/env node
// Rebuilds the bytecode of floodgate's scenario contracts with solc from npm (the exact
// compiler version pinned in package.json's devDependencies):
//
//   scenarios/contracts/NAME.sol  →  scenarios/contracts/NAME.bin
//                                  →  the `bytecode = "0x…"` line after each
//                                     `# bytecode: contracts/NAME.bin` marker in scenarios/*.toml
//
//   npm run build:contracts            rewrite the .bin files and the scenario lines
//   node scenarios/contracts/build.mjs --out DIR   only write DIR/NAME.bin (the test compares)
//
// Settings are fixed so the output is reproducible: optimizer on (200 runs), EVM "paris" (no
// PUSH0, so the bytecode deploys on chains that lag behind mainnet), no metadata hash or CBOR
// trailer (the bytecode depends on the source and settings only).
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const contractsDir = join(root, 'scenarios', 'contracts')
const scenariosDir = join(root, 'scenarios')
const solc = createRequire(import.meta.url)('solc')

export const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'paris',
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: { '*': { '*': ['evm.bytecode.object'] } },
}

/** name → 0x-prefixed creation bytecode, for every scenarios/contracts/*.sol. */
export function compileAll() {
  const files = readdirSync(contractsDir).filter((f) => f.endsWith('.sol')).sort()
  const sources = Object.fromEntries(files.map((f) => [f, { content: readFileSync(join(contractsDir, f), 'utf8') }]))
  const output = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings: SETTINGS })))
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const out = {}
  for (const f of files) {
    const name = f.replace(/\.sol$/, '')
    const object = output.contracts?.[f]?.[name]?.evm?.bytecode?.object
    if (!object) throw new Error(`${f}: no contract named ${name}`)
    out[name] = `0x${object}`
  }
  return out
}

const MARKER = /^#\s*bytecode:\s*contracts\/([A-Za-z0-9_]+)\.bin\b/

/** Rewrites the bytecode line after each marker; returns the files changed. */
function updateScenarios(bytecode) {
  const changed = []
  for (const f of readdirSync(scenariosDir).filter((x) => x.endsWith('.toml'))) {
    const path = join(scenariosDir, f)
    const lines = readFileSync(path, 'utf8').split('\n')
    let touched = false
    for (let i = 0; i < lines.length - 1; i++) {
      const m = MARKER.exec(lines[i].trim())
      if (!m) continue
      const code = bytecode[m[1]]
      if (!code) throw new Error(`${f}:${i + 1}: no contract ${m[1]} in scenarios/contracts`)
      if (!/^bytecode\s*=/.test(lines[i + 1].trim())) throw new Error(`${f}:${i + 2}: expected a bytecode = "…" line after the marker`)
      const line = `bytecode = "${code}"`
      if (lines[i + 1] !== line) {
        lines[i + 1] = line
        touched = true
      }
    }
    if (touched) {
      writeFileSync(path, lines.join('\n'))
      changed.push(f)
    }
  }
  return changed
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outAt = process.argv.indexOf('--out')
  const bytecode = compileAll()
  const dir = outAt > 0 ? process.argv[outAt + 1] : contractsDir
  mkdirSync(dir, { recursive: true })
  for (const [name, code] of Object.entries(bytecode)) writeFileSync(join(dir, `${name}.bin`), `${code}\n`)
  if (outAt < 0) {
    const changed = updateScenarios(bytecode)
    process.stderr.write(`solc ${solc.version()}: ${Object.keys(bytecode).join(', ')}; scenarios updated: ${changed.join(', ') || 'none'}\n`)
  } else {
    process.stderr.write(`solc ${solc.version()}: wrote ${Object.keys(bytecode).map((n) => `${n}.bin`).join(', ')} to ${dir}\n`)
  }
}
