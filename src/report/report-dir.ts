/**
 * Files the action writes as a run goes, so that nothing it keeps in memory grows with the number of files a sync
 * touches:
 * - the report folder (`report-dir` output, under RUNNER_TEMP): per job and destination the complete per-file list
 *   of what the invocation did, or would do in a plan (`<job>/<nn>-<destination>.jsonl`, one
 *   `{"change":"copy|update|delete","path":"..."}` per line), and `results.json`; ready for actions/upload-artifact;
 * - log spools: in parallel mode an invocation's log lines wait in a file until it ends and its group is printed.
 * Writes are buffered and synchronous: a line costs a string append, and a 64 KiB block one system call.
 */
import { closeSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import path from 'node:path'

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
    let partial = ''
    for (;;) {
      const n = readSync(fd, buf, 0, BLOCK, null)
      if (n === 0) break
      const lines = (partial + buf.toString('utf8', 0, n)).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) onLine(line)
    }
    if (partial !== '') onLine(partial)
  } finally {
    closeSync(fd)
  }
}

/** A file name part from a destination: safe characters only, bounded. */
export function slug(text: string): string {
  const s = text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[_.]+|_+$/g, '')
  return (s === '' ? 'destination' : s).slice(0, 80)
}

/** The report folder of one action run. Every file in it goes through `scrub`, the masking of the outputs. */
export class ReportDir {
  constructor(
    readonly root: string,
    private readonly scrub: (text: string) => string,
  ) {
    mkdirSync(root, { recursive: true, mode: 0o700 })
  }

  /** A new per-file list in the folder, masked as every file here is. */
  lineFile(file: string): LineFile {
    return new LineFile(file, this.scrub)
  }

  /** The per-file list of one invocation, relative to the folder and absolute. */
  changesFile(job: string, index: number, destination: string): { relative: string; file: string } {
    const relative = `${job}/${String(index).padStart(2, '0')}-${slug(destination)}.jsonl`
    return { relative, file: path.join(this.root, relative) }
  }

  /** Writes `results.json`. */
  writeResults(results: unknown): void {
    const f = this.lineFile(path.join(this.root, 'results.json'))
    f.write(JSON.stringify(results, null, 2))
    f.close()
  }
}

/** A scratch folder for log spools, removed at the end. */
export class SpoolDir {
  private count = 0

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true, mode: 0o700 })
  }

  /** A new spool file. */
  next(): LineFile {
    return new LineFile(this.nextPath())
  }

  /** A path for a new file in the folder, not created. */
  nextPath(): string {
    this.count++
    return path.join(this.root, `${this.count}.log`)
  }

  /** Removes the folder. */
  remove(): void {
    rmSync(this.root, { recursive: true, force: true })
  }
}
