#!/usr/bin/env node
// Writes N ETH transfer specs as JSON lines to stdout: a stand-in for an upstream
// program (a relayer, a fuzzer) piping specs into `floodgate send`.
//   node scenarios/transfers.mjs 2000 | npx floodgate send
const count = Number(process.argv[2] ?? 1000)
if (!Number.isSafeInteger(count) || count < 0) {
  process.stderr.write('usage: node scenarios/transfers.mjs [COUNT]\n')
  process.exit(2)
}
const sinks = ['0x000000000000000000000000000000000000dEaD', '0x000000000000000000000000000000000000bEEF']
let buf = ''
for (let i = 0; i < count; i++) {
  buf += `${JSON.stringify({ to: sinks[i % 2], value: `${1 + (i % 100)} wei`, kind: 'transfer', id: `t-${i}` })}\n`
  if (buf.length > 1 << 16) {
    if (!process.stdout.write(buf)) await new Promise((r) => process.stdout.once('drain', r))
    buf = ''
  }
}
process.stdout.write(buf)
