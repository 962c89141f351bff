/**
 * The rclone runner: the one place that starts rclone. Arguments go to the process as a vector (never a shell);
 * its log is read line by line as it streams (log-reader.ts) into readable lines, per-file changes and the final
 * stats, in memory that does not grow with the number of files.
 *
 * Why node's spawn and not `@actions/exec` (which runs git, src/github/git.ts): a run must be stopped from outside
 * (the time budget sends SIGTERM through an AbortSignal, and @actions/exec's options take no signal), and its log is
 * read from a file rclone writes, not from stdout. The short rclone commands (`rclone version`, the guards' and
 * versions' listings) come through here too: they need the same environment (the action's own logging variables,
 * a clean config), rclone's JSON log for their errors, and the one runner that tests inject and the rclone 1.75
 * translator wraps.
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync, readSync, rmSync } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'
import { withoutCopyDeleteMoves } from './backup-moves.js'
import {
  type ChangeKind,
  type Changes,
  LineSplitter,
  type LogLine,
  LogReader,
  type RcloneLogEntry,
  type RcloneStats,
} from './log-reader.js'

export type { Changes, LogLine, RcloneLogEntry, RcloneStats }

/** What one rclone process did. */
export interface RcloneOutcome {
  /** The exit code, or `null` when killed by a signal. */
  readonly exitCode: number | null
  readonly signal: string | null
  /**
   * The last stats block rclone printed (its final summary), without the moves into a backup folder that rclone made
   * by a copy and a delete (backup-moves.ts); undefined when none could be read.
   */
  readonly stats: RcloneStats | undefined
  /** The files it copied, updated and deleted (or would, in a dry run): counts and the first paths. */
  readonly changes: Changes
  /** Distinct error messages, the last ones, for the failure details; rclone's own words. */
  readonly errorMessages: readonly string[]
  /** The last lines that were not JSON (rclone's words when it stops before its log starts). */
  readonly textLines: readonly string[]
  /** Set when the process could not be started at all. */
  readonly spawnError?: string
}

/** Options for one run. */
export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv
  /** The working folder: relative local paths in jobs are relative to the workspace. */
  readonly cwd?: string
  readonly signal?: AbortSignal
  /** Called with each readable line as it arrives (for live progress). */
  readonly onLine?: (line: LogLine) => void
  /** Called with each file change as it is read. */
  readonly onChange?: (kind: ChangeKind, path: string) => void
  /** Called with each raw line rclone writes to stdout (listings), apart from its log. */
  readonly onStdout?: (line: string) => void
  /**
   * Have rclone write its log to this file (`--log-file`), read in blocks as it grows, instead of through a pipe.
   * rclone writes each log line with its own system call: through a pipe, each wakes the action to read one line
   * (100,000 files cost the action about 1.7 s of system time); from a file it reads a block of thousands of lines
   * every LOG_POLL_MS. The file is removed when rclone ends.
   */
  readonly logFile?: string
}

/** How often a log file is read while rclone runs. */
export const LOG_POLL_MS = 100
const LOG_BLOCK = 1024 * 1024

/** Reads a file that another process appends to, from where the last read stopped. */
class FileTail {
  private fd: number | undefined
  private position = 0
  private readonly decoder = new StringDecoder('utf8')
  private readonly buffer = Buffer.allocUnsafe(LOG_BLOCK)

  constructor(
    private readonly file: string,
    private readonly onText: (text: string) => void,
  ) {}

  /** Reads everything appended since the last call. */
  drain(): void {
    if (this.fd === undefined) {
      try {
        this.fd = openSync(this.file, 'r')
      } catch {
        return
      }
    }
    for (;;) {
      const n = readSync(this.fd, this.buffer, 0, LOG_BLOCK, this.position)
      if (n <= 0) return
      this.position += n
      this.onText(this.decoder.write(this.buffer.subarray(0, n)))
    }
  }

  /** Reads the rest, closes and removes the file. */
  finish(): void {
    this.drain()
    const rest = this.decoder.end()
    if (rest !== '') this.onText(rest)
    if (this.fd !== undefined) closeSync(this.fd)
    rmSync(this.file, { force: true })
  }
}

/** The seam the orchestration takes: run rclone with these arguments. */
export type RcloneRunner = (args: readonly string[], options?: RunOptions) => Promise<RcloneOutcome>

/**
 * Makes a runner for an rclone binary. The child gets the given environment; its stdin is closed so a prompt can
 * never hang a run.
 */
export function createRcloneRunner(binary = 'rclone'): RcloneRunner {
  return (args, options = {}) =>
    new Promise<RcloneOutcome>((resolve) => {
      const reader = new LogReader({ onLine: options.onLine, onChange: options.onChange })
      const argv = options.logFile ? withFlags(args, [`--log-file=${options.logFile}`]) : [...args]
      const child = spawn(binary, argv, {
        env: options.env ?? process.env,
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        signal: options.signal,
        killSignal: 'SIGTERM',
      })
      let spawnError: string | undefined
      child.stdout.setEncoding('utf8')
      child.stderr.setEncoding('utf8')
      // Each stream has its own splitter: a chunk of one must never complete a partial line of the other.
      const stdout = new LineSplitter((line) => {
        reader.addLine(line)
        options.onStdout?.(line)
      })
      const stderr = new LineSplitter((line) => reader.addLine(line))
      child.stdout.on('data', (c: string) => stdout.push(c))
      child.stderr.on('data', (c: string) => stderr.push(c))
      // rclone writes the log file from its start; what it prints before (flag errors) still comes on stderr.
      const logLines = options.logFile ? new LineSplitter((line) => reader.addLine(line)) : undefined
      const tail =
        options.logFile && logLines ? new FileTail(options.logFile, (t) => logLines.push(t)) : undefined
      const timer = tail ? setInterval(() => tail.drain(), LOG_POLL_MS) : undefined
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (e.name === 'AbortError') return
        spawnError =
          e.code === 'ENOENT'
            ? `rclone was not found (${binary}); install it or set rclone-version`
            : e.message
      })
      child.on('close', (code, signal) => {
        if (timer) clearInterval(timer)
        tail?.finish()
        logLines?.end()
        stdout.end()
        stderr.end()
        resolve(outcomeOf(reader, code, signal, spawnError))
      })
    })
}

/**
 * rclone arguments with `flags` added at the end of the flags, before the `--` that ends them (at the end when there
 * is none), after dropping each flag given as `--name=value` whose name is in `drop`. What follows `--` stays.
 */
export function withFlags(
  args: readonly string[],
  flags: readonly string[],
  drop: readonly string[] = [],
): string[] {
  const sep = args.indexOf('--')
  const head = sep < 0 ? args : args.slice(0, sep)
  const kept = head.filter((a) => !drop.some((name) => a.startsWith(`--${name}=`)))
  return [...kept, ...flags, ...(sep < 0 ? [] : args.slice(sep))]
}

/** The outcome of a finished process, from what its reader kept. */
export function outcomeOf(
  reader: LogReader,
  exitCode: number | null,
  signal: string | null,
  spawnError?: string,
): RcloneOutcome {
  reader.end()
  // When rclone failed without an error line the reader recognised, its last plain words are the reason.
  const errors =
    exitCode !== 0 && reader.errorMessages.length === 0 ? reader.textLines.slice(-5) : reader.errorMessages
  return {
    exitCode,
    signal,
    stats: reader.stats && withoutCopyDeleteMoves(reader.stats, reader.copyDeleteMoves),
    changes: reader.changes,
    errorMessages: spawnError ? [spawnError, ...errors] : [...errors],
    textLines: reader.textLines,
    ...(spawnError ? { spawnError } : {}),
  }
}

/** Runs `rclone version` and returns the version (`1.60.1`), or throws with rclone's own words. */
export async function rcloneVersion(run: RcloneRunner, env?: NodeJS.ProcessEnv): Promise<string> {
  const lines: string[] = []
  const out = await run(['version'], { env, onLine: (l) => lines.push(l.text) })
  if (out.spawnError) throw new Error(out.spawnError)
  const text = lines.join('\n')
  const m = /rclone v?(\d+\.\d+\.\d+)/.exec(text)
  if (out.exitCode !== 0 || !m)
    throw new Error(`"rclone version" failed (exit ${out.exitCode}): ${text.slice(0, 500)}`)
  return m[1] as string
}

/**
 * Runs an rclone listing (`lsf ...`) only until it prints its first entry: whether anything is there, which must
 * stay cheap on a remote of millions of files. `found` is true when an entry was printed (rclone was then stopped).
 */
export async function listsAnything(
  run: RcloneRunner,
  argv: readonly string[],
  options: Pick<RunOptions, 'env' | 'cwd'>,
): Promise<{ found: boolean; out: RcloneOutcome }> {
  const stop = new AbortController()
  let found = false
  const out = await run([...argv], {
    ...options,
    signal: stop.signal,
    onStdout: (line) => {
      if (found || line === '') return
      found = true
      stop.abort()
    },
  })
  return { found, out }
}
