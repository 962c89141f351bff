/**
 * The rclone runner: the one place that starts rclone. Arguments go to the process as a vector (never a shell);
 * the JSON log on stderr is parsed line by line into readable log lines, per-file events and the final stats.
 */
import { spawn } from 'node:child_process'

/** The numbers of rclone's final stats block (`--use-json-log` puts it under `stats`). */
export interface RcloneStats {
  readonly bytes: number
  readonly checks: number
  readonly deletes: number
  readonly deletedDirs: number
  readonly errors: number
  readonly transfers: number
  readonly renames: number
  readonly elapsedTime: number
}

/** One parsed rclone JSON log line. */
export interface RcloneLogEntry {
  readonly level: string
  readonly msg: string
  readonly object?: string
  readonly skipped?: string
  readonly size?: number
  readonly stats?: Partial<RcloneStats>
  readonly time?: string
}

/** What one rclone process did. */
export interface RcloneOutcome {
  /** The exit code, or `null` when killed by a signal. */
  readonly exitCode: number | null
  readonly signal: string | null
  /** The last stats block rclone printed (its final summary), if any. */
  readonly stats: RcloneStats | undefined
  readonly entries: readonly RcloneLogEntry[]
  /** Readable log lines, stdout and stderr, in order. */
  readonly log: readonly string[]
  /** Error-level messages, for the failure details. */
  readonly errorMessages: readonly string[]
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
  readonly onLine?: (line: string) => void
  /** Called with each raw line rclone writes to stdout (listings), apart from its log. */
  readonly onStdout?: (line: string) => void
}

/** The seam the orchestration takes: run rclone with these arguments. */
export type RcloneRunner = (args: readonly string[], options?: RunOptions) => Promise<RcloneOutcome>

/** Parses one JSON log line, or returns undefined for plain text. */
export function parseLogLine(line: string): RcloneLogEntry | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    const v = JSON.parse(line) as Record<string, unknown>
    if (typeof v !== 'object' || v === null || typeof v.msg !== 'string') return undefined
    return {
      level: typeof v.level === 'string' ? v.level : 'info',
      msg: v.msg,
      object: typeof v.object === 'string' ? v.object : undefined,
      skipped: typeof v.skipped === 'string' ? v.skipped : undefined,
      size: typeof v.size === 'number' ? v.size : undefined,
      stats: typeof v.stats === 'object' && v.stats !== null ? (v.stats as Partial<RcloneStats>) : undefined,
      time: typeof v.time === 'string' ? v.time : undefined,
    }
  } catch {
    return undefined
  }
}

/** A JSON log entry as one readable line, as rclone's text log would show it. */
export function formatLogEntry(e: RcloneLogEntry): string {
  const time = e.time ? `${e.time.slice(11, 19)} ` : ''
  // rclone's JSON log calls NOTICE "warning"; the stats block is progress, not a warning.
  const level = (e.stats ? 'STATS' : e.level.toUpperCase()).padEnd(7)
  const msg = e.stats ? e.msg.trim().replace(/\s*\n\s*/g, ' | ') : e.msg
  // A file name may hold a line break; printed raw, the rest of it would start a line of its own and could be
  // read by the runner as a workflow command (::error::...). Escape it instead.
  return oneLine(`${time}${level} ${e.object ? `${e.object}: ` : ''}${msg}`)
}

/** Control characters as visible escapes, so one log entry stays one log line. */
export function oneLine(text: string): string {
  let out = ''
  for (const ch of text) {
    const c = ch.codePointAt(0) as number
    const control = (c < 0x20 && c !== 0x09) || c === 0x7f || c === 0x2028 || c === 0x2029
    out += control ? `\\x${c.toString(16).padStart(2, '0')}` : ch
  }
  return out
}

/** Reads a stats block into numbers, treating missing fields as zero. */
export function toStats(s: Partial<RcloneStats>): RcloneStats {
  const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
  return {
    bytes: n(s.bytes),
    checks: n(s.checks),
    deletes: n(s.deletes),
    deletedDirs: n(s.deletedDirs),
    errors: n(s.errors),
    transfers: n(s.transfers),
    renames: n(s.renames),
    elapsedTime: n(s.elapsedTime),
  }
}

/** Cuts a stream of text into lines, holding a partial last line until the rest arrives. One per stream. */
export class LineSplitter {
  private partial = ''

  constructor(private readonly onLine: (line: string) => void) {}

  /** Feeds a chunk; each complete line goes to the callback. */
  push(chunk: string): void {
    const lines = (this.partial + chunk).split('\n')
    this.partial = lines.pop() ?? ''
    for (const line of lines) this.onLine(line)
  }

  /** Flushes a last line without a newline. */
  end(): void {
    if (this.partial !== '') this.onLine(this.partial)
    this.partial = ''
  }
}

/** Folds rclone's log lines into an outcome; shared by the real runner and recorded-log tests. */
export class LogCollector {
  readonly entries: RcloneLogEntry[] = []
  readonly log: string[] = []
  readonly errorMessages: string[] = []
  stats: RcloneStats | undefined
  private readonly splitter = new LineSplitter((line) => this.addLine(line))

  constructor(private readonly onLine?: (line: string) => void) {}

  /** Feeds a chunk of one stream's text; complete lines are parsed. */
  push(chunk: string): void {
    this.splitter.push(chunk)
  }

  /** Flushes a last line without a newline. */
  end(): void {
    this.splitter.end()
  }

  /** Keeps each distinct error once, at its latest position: retries repeat the same lines. */
  private addError(message: string): void {
    const at = this.errorMessages.indexOf(message)
    if (at >= 0) this.errorMessages.splice(at, 1)
    this.errorMessages.push(message)
  }

  /** Takes one whole line of rclone's output. */
  addLine(raw: string): void {
    const line = raw.replace(/\r$/, '')
    if (line.trim() === '') return
    const e = parseLogLine(line)
    let shown = line
    if (e) {
      this.entries.push(e)
      if (e.stats) this.stats = toStats(e.stats)
      if (e.level === 'error' || e.level === 'critical' || e.level === 'fatal') {
        this.addError(e.object ? `${e.object}: ${e.msg}` : e.msg)
      }
      // Debug lines (plans ask for them) are read, not shown: they would drown the log.
      if (e.level === 'debug') return
      shown = formatLogEntry(e)
    } else if (
      /^(?:\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d )?(?:Error|Fatal error|Failed to|ERROR|CRITICAL)\b/.test(line)
    ) {
      this.addError(line)
    }
    this.log.push(shown)
    this.onLine?.(shown)
  }
}

/**
 * Makes a runner for an rclone binary. The child gets the given environment; its stdin is closed so a prompt can
 * never hang a run.
 */
export function createRcloneRunner(binary = 'rclone'): RcloneRunner {
  return (args, options = {}) =>
    new Promise<RcloneOutcome>((resolve) => {
      const collector = new LogCollector(options.onLine)
      const child = spawn(binary, [...args], {
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
        collector.addLine(line)
        options.onStdout?.(line)
      })
      const stderr = new LineSplitter((line) => collector.addLine(line))
      child.stdout.on('data', (c: string) => stdout.push(c))
      child.stderr.on('data', (c: string) => stderr.push(c))
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (e.name === 'AbortError') return
        spawnError =
          e.code === 'ENOENT'
            ? `rclone was not found (${binary}); install it or set rclone-version`
            : e.message
      })
      child.on('close', (code, signal) => {
        stdout.end()
        stderr.end()
        resolve({
          exitCode: code,
          signal,
          stats: collector.stats,
          entries: collector.entries,
          log: collector.log,
          errorMessages: spawnError ? [spawnError, ...collector.errorMessages] : collector.errorMessages,
          spawnError,
        })
      })
    })
}

/** Runs `rclone version` and returns the version (`1.60.1`), or throws with rclone's own words. */
export async function rcloneVersion(run: RcloneRunner): Promise<string> {
  const out = await run(['version'])
  if (out.spawnError) throw new Error(out.spawnError)
  const text = out.log.join('\n')
  const m = /rclone v?(\d+\.\d+\.\d+)/.exec(text)
  if (out.exitCode !== 0 || !m)
    throw new Error(`"rclone version" failed (exit ${out.exitCode}): ${text.slice(0, 500)}`)
  return m[1] as string
}

/** Compares dotted versions: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a
    .replace(/^v/, '')
    .split(/[.-]/)
    .map((x) => Number.parseInt(x, 10) || 0)
  const pb = b
    .replace(/^v/, '')
    .split(/[.-]/)
    .map((x) => Number.parseInt(x, 10) || 0)
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
