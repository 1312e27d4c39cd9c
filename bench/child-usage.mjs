// Preloaded into a measured child (node --import ./bench/child-usage.mjs ...): at exit it writes
// the child's own CPU time (process.cpuUsage: all threads, user + system) and peak RSS to the
// file named by BENCH_USAGE_FILE, as one JSON object.
import { writeFileSync } from 'node:fs'

const file = process.env.BENCH_USAGE_FILE
if (file) {
  process.on('exit', () => {
    const cpu = process.cpuUsage()
    const ru = process.resourceUsage()
    writeFileSync(file, JSON.stringify({ cpu_us: cpu.user + cpu.system, user_us: cpu.user, system_us: cpu.system, max_rss_kb: ru.maxRSS }))
  })
}
