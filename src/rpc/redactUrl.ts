/** Strips credentials from an RPC URL before it reaches a log line, event or error. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.username || u.password) {
      u.username = u.username ? '***' : ''
      u.password = u.password ? '***' : ''
    }
    for (const key of [...u.searchParams.keys()]) {
      if (/key|token|secret|auth|pass/i.test(key)) u.searchParams.set(key, '***')
    }
    // a long opaque path segment is usually an API key (infura/alchemy style)
    u.pathname = u.pathname.replace(/\/[A-Za-z0-9_-]{24,}(?=\/|$)/g, '/***')
    return u.toString().replace(/%2A/g, '*')
  } catch {
    return '<invalid url>'
  }
}
