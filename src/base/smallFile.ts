/** Reading a small secret file (a key, a seed): bounded in size, refusing what is not a regular file, noting who else may read it. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'

/** What a small file read found: its text, and whether users other than its owner may read it. */
export interface SmallFile {
  text: string
  /** The file's mode lets its group or others read it (ssh warns of a key file like that). */
  readableByOthers: boolean
}

/** Why a small file could not be read: a sentence without the file's content. */
export class SmallFileError extends Error {
  override name = 'SmallFileError'
  constructor(
    readonly path: string,
    readonly reason: 'missing' | 'directory' | 'too_large' | 'unreadable',
    message: string,
  ) {
    super(message)
  }
}

/**
 * The text of `path`, read through one descriptor and never more than `maxBytes + 1` bytes of
 * it (`/dev/zero` fails at once instead of filling memory); a directory or a file over
 * `maxBytes` is refused. The message never quotes the content.
 */
export function readSmallFile(path: string, maxBytes: number): SmallFile {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new SmallFileError(path, 'missing', `${path} does not exist`)
    if (code === 'EISDIR') throw new SmallFileError(path, 'directory', `${path} is a directory, not a file`)
    throw new SmallFileError(path, 'unreadable', `cannot open ${path} (${code ?? 'error'})`)
  }
  try {
    const st = fstatSync(fd)
    if (st.isDirectory()) throw new SmallFileError(path, 'directory', `${path} is a directory, not a file`)
    const buf = Buffer.alloc(maxBytes + 1)
    let got = 0
    for (;;) {
      let n: number
      try {
        n = readSync(fd, buf, got, buf.length - got, null)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'EISDIR') throw new SmallFileError(path, 'directory', `${path} is a directory, not a file`)
        throw new SmallFileError(path, 'unreadable', `cannot read ${path} (${code ?? 'error'})`)
      }
      if (n === 0) break
      got += n
      if (got > maxBytes) throw new SmallFileError(path, 'too_large', `${path} is larger than ${maxBytes} bytes`)
    }
    const text = buf.toString('utf8', 0, got)
    buf.fill(0)
    return { text, readableByOthers: st.isFile() && (st.mode & 0o044) !== 0 }
  } finally {
    closeSync(fd)
  }
}

const warned = new Set<string>()

/** Calls `warn` once per process for each secret file readable by others (as ssh warns of a key file). */
export function warnIfReadableByOthers(path: string, file: SmallFile, what: string, warn: (message: string) => void): void {
  if (!file.readableByOthers || warned.has(path)) return
  warned.add(path)
  warn(`${what} ${path} is readable by other users: chmod 600 ${path}`)
}
