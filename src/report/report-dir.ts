/**
 * Files the action writes as a run goes, so that nothing it keeps in memory grows with the number of files a sync
 * touches:
 * - the report folder (`report-dir` output, under RUNNER_TEMP): per job and destination the complete per-file list
 *   of what the invocation did, or would do in a plan (`<job>/<nn>-<destination>.jsonl`, one
 *   `{"change":"copy|update|delete","path":"..."}` per line), and `results.json`; ready for actions/upload-artifact;
 * - log spools: in parallel mode an invocation's log lines wait in a file until it ends and its group is printed.
 */
import { mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { LineFile } from '../line-files.js'

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
