/**
 * Files read and written line by line in bounded memory (the report folder, log spools, rclone check's list):
 * writes are buffered and synchronous, so a line costs a string append and a 64 KiB block one system call; reads
 * hold a block and one line.
 */
import { closeSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs'
import path from 'node:path'
import { StringDecoder } from 'node:string_decoder'

const BLOCK = 64 * 1024

/** A file written line by line through a buffer. */
export class LineFile {
  private fd: number | undefined
  private buffer = ''

  /** `scrub` masks secrets in every line written (a report file leaves the runner as an artifact). */
  constructor(
    readonly file: string,
    private readonly scrub: (text: string) => string = (t) => t,
  ) {
    mkdirSync(path.dirname(file), { recursive: true })
    this.fd = openSync(file, 'w', 0o600)
  }

  /** Appends one line. */
  write(line: string): void {
    this.buffer += `${this.scrub(line)}\n`
    if (this.buffer.length >= BLOCK) this.flush()
  }

  /** Writes what is buffered. */
  flush(): void {
    if (this.fd === undefined || this.buffer === '') return
    writeSync(this.fd, this.buffer)
    this.buffer = ''
  }

  /** Flushes and closes; later writes are dropped. */
  close(): void {
    if (this.fd === undefined) return
    this.flush()
    closeSync(this.fd)
    this.fd = undefined
  }
}

/** Reads a file line by line in blocks, never holding more than a block and one line. */
export function readLines(file: string, onLine: (line: string) => void): void {
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.allocUnsafe(BLOCK)
    // One decoder for the whole file: a character split across two blocks is joined, not garbled.
    const decoder = new StringDecoder('utf8')
    let partial = ''
    for (;;) {
      const n = readSync(fd, buf, 0, BLOCK, null)
      if (n === 0) break
      const lines = (partial + decoder.write(buf.subarray(0, n))).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) onLine(line)
    }
    partial += decoder.end()
    if (partial !== '') onLine(partial)
  } finally {
    closeSync(fd)
  }
}
