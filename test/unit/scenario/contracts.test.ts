import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ROOT } from '../../helpers/cli.js'

const CONTRACTS = join(ROOT, 'scenarios', 'contracts')

describe('scenario contracts', () => {
  test('behavior: the committed bytecode is what scenarios/contracts/build.mjs (solc from npm) produces', () => {
    const out = mkdtempSync(join(tmpdir(), 'floodgate-contracts-'))
    execFileSync(process.execPath, [join(ROOT, 'scenarios', 'contracts', 'build.mjs'), '--out', out], { stdio: 'pipe', timeout: 120_000 })
    const sources = readdirSync(CONTRACTS).filter((f) => f.endsWith('.sol'))
    expect(sources.length).toBeGreaterThan(0)
    for (const sol of sources) {
      const bin = sol.replace(/\.sol$/, '.bin')
      const built = readFileSync(join(out, bin), 'utf8')
      expect(built, `${bin} is stale: run npm run build:contracts`).toBe(readFileSync(join(CONTRACTS, bin), 'utf8'))
      expect(built).toMatch(/^0x[0-9a-f]+\n$/)
    }
    // every scenario line after a `# bytecode: contracts/X.bin` marker holds that bytecode
    let markers = 0
    for (const f of readdirSync(join(ROOT, 'scenarios')).filter((x) => x.endsWith('.toml'))) {
      const lines = readFileSync(join(ROOT, 'scenarios', f), 'utf8').split('\n')
      lines.forEach((line, i) => {
        const m = /^#\s*bytecode:\s*contracts\/(\w+)\.bin/.exec(line.trim())
        if (!m) return
        markers++
        const built = readFileSync(join(out, `${m[1]}.bin`), 'utf8').trim()
        expect(lines[i + 1], `${f}:${i + 2} is stale: run npm run build:contracts`).toBe(`bytecode = "${built}"`)
      })
    }
    expect(markers).toBeGreaterThanOrEqual(6)
  })
})
