/**
 * Reading rclone's JSON log (`--use-json-log`) as it streams, for every release from 1.60.1 on. Two shapes exist:
 * - v1.60.1-v1.69.x (logrus, fs/log.go and fs/config/configflags): keys sorted, `"level":"warning"` for NOTICE and
 *   WARNING, `"fatal"` for CRITICAL, time as `2006-01-02T15:04:05.999999-07:00`;
 * - v1.70.0 on (log/slog, fs/log/slog.go): keys in insertion order (`time`, `level`, `msg`, ...), levels `notice`,
 *   `warning`, `critical`, time RFC3339Nano.
 * Both carry `msg`, `object`, `skipped`, `size` and the final `stats`. Some lines are never JSON: before v1.68.0
 * "Failed to sync: ..." and flag errors ("Fatal error: ...") went through Go's own log as plain text; from v1.68.0
 * "Failed to sync" is a NOTICE entry, and from v1.69.0 a flag error is a plain `NOTICE: Fatal error: ...` line
 * (cmd/cmd.go). Bisync may colour its messages with ANSI codes. Plain lines are kept as text and may be read as
 * errors, never as file changes or stats.
 *
 * One log format for every command. rclone's text log escapes nothing: it shows a control character of a name as
 * its visible symbol (lib/encoder Standard), but an error message quotes the system's path as it is, so a line break
 * there starts a log line of the name's choosing; and a name that holds ": Copied (new) to: " cannot be told from the
 * message after it. The JSON log keeps object and message apart and escapes both, and gives bytes exactly. It costs
 * rclone CPU on tiny files (its JSON logger looks up the calling function for every line:
 * v1.60.1:fs/config/configflags/configflags.go:202-206, v1.75.0:fs/log/slog.go:336-341); bench/RESULTS.md has the
 * figure.
 *
 * Memory stays flat however many files a run touches: the reader keeps counts, the first paths of each kind, the
 * last distinct errors and the last plain-text lines; every line goes to the callbacks and is then dropped.
 */

import { SmallestN } from '../bounded.js'
import { BackupMoves } from './backup-moves.js'

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

/** A log level, the same words for every version. */
export type Level = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical'

/** One parsed rclone JSON log line. */
export interface RcloneLogEntry {
  readonly level: Level
  readonly msg: string
  readonly object?: string
  readonly skipped?: string
  readonly size?: number
  readonly stats?: Partial<RcloneStats>
  readonly time?: string
}

/** What happens to a file: copied (new), updated (replaced), or deleted (removed, or moved into a backup folder). */
export type ChangeKind = 'copy' | 'update' | 'delete'

/** A count with the first few paths. */
export interface ChangeList {
  readonly count: number
  readonly first: readonly string[]
}

/** The per-file changes one invocation made, or would make in a dry run. */
export interface Changes {
  readonly copy: ChangeList
  readonly update: ChangeList
  readonly delete: ChangeList
  /** Bytes of the files that would be copied or updated (dry run). */
  readonly bytes: number
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what this removes.
const ANSI = /\u001b\[[0-9;]*m/g

/**
 * Level words of both loggers, mapped to one set. logrus wrote NOTICE as "warning" and CRITICAL as "fatal"; slog
 * writes "notice" and "warning" for the two. `logrus` says which logger wrote the line: a logrus "warning" is read
 * as NOTICE, as it is for nearly every such line (fs.Logf; v1.60.1:fs/log.go:156 and v1.68.0:fs/log.go:111-126 send
 * NOTICE and WARNING both to logrus Warn; WARNING itself is used by a few backends only), so that one message has
 * the same level in every version.
 */
function normalizeLevel(raw: unknown, logrus: boolean): Level {
  switch (typeof raw === 'string' ? raw.toLowerCase() : '') {
    case 'debug':
    case 'trace':
      return 'debug'
    case 'info':
      return 'info'
    case 'notice':
      return 'notice'
    case 'warning':
    case 'warn':
      return logrus ? 'notice' : 'warning'
    case 'error':
      return 'error'
    case 'fatal':
    case 'panic':
    case 'critical':
    case 'alert':
    case 'emergency':
      return 'critical'
    default:
      return 'info'
  }
}

/** Parses one JSON log line of any version, or returns undefined for plain text. */
export function parseLogLine(line: string): RcloneLogEntry | undefined {
  if (!line.startsWith('{')) return undefined
  let v: Record<string, unknown>
  try {
    v = JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (typeof v !== 'object' || v === null || typeof v.msg !== 'string') return undefined
  // logrus (<= v1.69) sorts the keys, so "time" comes last (logrus@v1.9.0:json_formatter.go:64,118-123); slog
  // (>= v1.70) writes it first (v1.75.0:fs/log/slog.go:189-193, stdlib JSONHandler).
  const logrus = Object.keys(v)[0] !== 'time'
  return {
    level: normalizeLevel(v.level, logrus),
    msg: v.msg.replace(ANSI, ''),
    ...(typeof v.object === 'string' ? { object: v.object } : {}),
    ...(typeof v.skipped === 'string' ? { skipped: v.skipped } : {}),
    ...(typeof v.size === 'number' ? { size: v.size } : {}),
    ...(typeof v.stats === 'object' && v.stats !== null ? { stats: v.stats as Partial<RcloneStats> } : {}),
    ...(typeof v.time === 'string' ? { time: v.time } : {}),
  }
}

/** Whether a message is rclone's final word on a failed command, at whatever level it was logged. */
function isFailureMessage(msg: string): boolean {
  return /^(?:Failed to \S+|Fatal error:|Bisync critical error:|Bisync aborted)/.test(msg)
}

/**
 * A plain-text line that reports an error: `[date time ][LEVEL  : ]message` where the level is ERROR or CRITICAL,
 * or the message is a failure ("Failed to sync: ...", "Fatal error: ...").
 */
export function textError(line: string): string | undefined {
  const m = /^(?:\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d(?:\.\d+)? )?(?:([A-Z]+)\s*: )?(.*)$/.exec(
    line.replace(ANSI, ''),
  )
  if (!m) return undefined
  const level = m[1]
  const msg = m[2] as string
  if (level === 'ERROR' || level === 'CRITICAL' || isFailureMessage(msg) || /^Error\b/.test(msg)) return msg
  return undefined
}

/** A JSON log entry as one readable line, as rclone's text log would show it. */
export function formatLogEntry(e: RcloneLogEntry): string {
  const time = e.time ? `${e.time.slice(11, 19)} ` : ''
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

/** Reads a stats block into numbers; undefined when it has none of the counts (not a block this reader knows). */
export function toStats(s: Partial<RcloneStats>): RcloneStats | undefined {
  const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
  if (typeof s.transfers !== 'number' && typeof s.bytes !== 'number') return undefined
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

/**
 * The change a log entry reports, if any. A dry run reports each file it skipped with `skipped`: `copy` (new, or an
 * update when rclone noted first that the files differ), `delete`, `move into backup dir` (a deletion: the file
 * leaves the destination). `move` is the old version of an updated file going to the backup folder, or a rename:
 * neither a copy nor a deletion. A real run says what it did in its INFO messages.
 */
function changeOf(e: RcloneLogEntry, differs: ReadonlySet<string>): ChangeKind | undefined {
  if (e.object === undefined) return undefined
  if (e.skipped !== undefined) {
    if (e.skipped === 'copy' || e.skipped === 'server-side copy' || e.skipped === 'server side copy')
      return differs.has(e.object) ? 'update' : 'copy'
    if (e.skipped === 'delete' || e.skipped === 'move into backup dir') return 'delete'
    return undefined
  }
  if (e.level !== 'info') return undefined
  // "Multi-thread Copied (...)": large files on backends with multi-thread uploads (v1.60.1:fs/operations/operations.go:566).
  const copied = /^(?:Multi-thread )?Copied \((?:Rcat, )?(new|replaced existing|server-side copy)\)/.exec(
    e.msg,
  )
  // A new copy of a file whose old version was just moved into a backup or versions folder replaces it: an update,
  // as the plan says.
  if (copied) return copied[1] === 'replaced existing' || differs.has(e.object) ? 'update' : 'copy'
  if (e.msg.startsWith('Updated ')) return 'update'
  if (e.msg === 'Deleted' || e.msg === 'Moved into backup dir') return 'delete'
  return undefined
}

/**
 * One line of rclone's output as the reader passes it on: its entry when it was JSON, and its readable text, made
 * only when asked for (a log that prints 100 of 100,000 per-file lines formats 100).
 */
export class LogLine {
  private formatted: string | undefined

  constructor(
    private readonly raw: string,
    readonly entry: RcloneLogEntry | undefined,
  ) {}

  /** The line as rclone's text log would show it, on one line. */
  get text(): string {
    if (this.formatted === undefined)
      this.formatted = this.entry ? formatLogEntry(this.entry) : oneLine(this.raw.replace(ANSI, ''))
    return this.formatted
  }
}

/** Callbacks of the reader. */
export interface ReaderEvents {
  /** Each readable line (debug entries are read, not shown). */
  readonly onLine?: (line: LogLine) => void
  /** Each file change, as it is read. */
  readonly onChange?: (kind: ChangeKind, path: string) => void
}

/** How many of each kind of path, error and plain line the reader keeps. */
export const READER_LIMITS = { paths: 25, errors: 20, text: 20 } as const

/** Folds rclone's log lines into what an invocation's result needs, in bounded memory. */
export class LogReader {
  stats: RcloneStats | undefined
  private readonly errors: string[] = []
  private readonly text: string[] = []
  private readonly lists = {
    copy: new SmallestN(READER_LIMITS.paths),
    update: new SmallestN(READER_LIMITS.paths),
    delete: new SmallestN(READER_LIMITS.paths),
  }
  private bytes = 0
  // Files rclone noted as differing and has not reported yet: at most the files in flight.
  private readonly differs = new Set<string>()
  // Steps of moves into a backup folder, which are neither copies nor deletions of the job's.
  private readonly moves = new BackupMoves()

  private lastWasTextError = false

  constructor(private readonly events: ReaderEvents = {}) {}

  /** The distinct error messages, oldest first (at most READER_LIMITS.errors). */
  get errorMessages(): readonly string[] {
    return this.errors
  }

  /** The last plain-text lines: rclone's words when it stops before its JSON log starts. */
  get textLines(): readonly string[] {
    return this.text
  }

  /** The per-file changes read so far. */
  get changes(): Changes {
    const list = (l: SmallestN): ChangeList => ({ count: l.count, first: [...l.first] })
    return {
      copy: list(this.lists.copy),
      update: list(this.lists.update),
      delete: list(this.lists.delete),
      bytes: this.bytes,
    }
  }

  /** Adds a line to the newest error message. */
  private extendLastError(line: string): void {
    const last = this.errors.pop()
    if (last !== undefined) this.addError(`${last}\n${line}`)
  }

  /** Keeps each distinct error once, at its latest position: retries repeat the same lines. */
  private addError(message: string): void {
    const at = this.errors.indexOf(message)
    if (at >= 0) this.errors.splice(at, 1)
    this.errors.push(message)
    if (this.errors.length > READER_LIMITS.errors) this.errors.shift()
  }

  /** Moves into a backup folder done by a copy and a delete (each one transfer and one deletion in rclone's stats). */
  get copyDeleteMoves(): number {
    return this.moves.copyDeleteMoves
  }

  /** The end of the log: changes held until a file's next line are what they were. Safe to call twice. */
  end(): void {
    for (const { kind, object } of this.moves.finish()) {
      this.lists[kind].add(object)
      this.events.onChange?.(kind, object)
    }
  }

  /** Takes one whole line of rclone's output. */
  addLine(raw: string): void {
    const line = raw.replace(/\r$/, '')
    if (line.trim() === '') return
    const e = parseLogLine(line)
    if (e === undefined) {
      this.text.push(line.replace(ANSI, ''))
      if (this.text.length > READER_LIMITS.text) this.text.shift()
      const err = textError(line)
      if (err !== undefined) this.addError(err)
      // Go's own log (rclone's last words before 1.68) puts an error's cause on a line of its own: it belongs to the
      // error before it ("Failed to sync: RequestError: send request failed" / "caused by: ... refused").
      else if (this.lastWasTextError && /^caused by: /.test(line))
        this.extendLastError(line.replace(ANSI, ''))
      this.lastWasTextError = err !== undefined || (this.lastWasTextError && /^caused by: /.test(line))
      this.events.onLine?.(new LogLine(line, undefined))
      return
    }
    this.lastWasTextError = false
    if (e.stats) {
      const s = toStats(e.stats)
      if (s) this.stats = s
    }
    if (e.level === 'error' || e.level === 'critical' || isFailureMessage(e.msg)) {
      this.addError(e.object ? `${e.object}: ${e.msg}` : e.msg)
    }
    if (e.object !== undefined) {
      // A dry run's debug notes say which files differ; a run with a backup folder moves the old version away first
      // ("Moved (server-side)" under the same name, before its copy or its "Moved into backup dir").
      if (
        (e.level === 'debug' && /differ/i.test(e.msg)) ||
        (e.level === 'info' && e.msg === 'Moved (server-side)')
      )
        this.differs.add(e.object)
      for (const kind of this.moves.read(e, changeOf(e, this.differs))) {
        this.differs.delete(e.object)
        this.lists[kind].add(e.object)
        if (e.skipped !== undefined && kind !== 'delete') this.bytes += e.size ?? 0
        this.events.onChange?.(kind, e.object)
      }
    }
    // Debug lines (plans ask for them) are read, not shown: they would drown the log.
    if (e.level === 'debug') return
    this.events.onLine?.(new LogLine(line, e))
  }
}

/** Cuts a stream of text into lines, holding a partial last line until the rest arrives. One per stream. */
export class LineSplitter {
  private partial = ''

  constructor(private readonly onLine: (line: string) => void) {}

  /** Feeds a chunk; each complete line goes to the callback. */
  push(chunk: string): void {
    let nl = chunk.indexOf('\n')
    if (nl < 0) {
      this.partial += chunk
      return
    }
    this.onLine(this.partial + chunk.slice(0, nl))
    let start = nl + 1
    nl = chunk.indexOf('\n', start)
    while (nl >= 0) {
      this.onLine(chunk.slice(start, nl))
      start = nl + 1
      nl = chunk.indexOf('\n', start)
    }
    this.partial = chunk.slice(start)
  }

  /** Flushes a last line without a newline. */
  end(): void {
    if (this.partial !== '') this.onLine(this.partial)
    this.partial = ''
  }
}
