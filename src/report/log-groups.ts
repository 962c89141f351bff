/**
 * The step log while invocations run: one group per invocation, its exact command first. With max-parallel 1 lines
 * print live; in parallel they wait in a spool file (not in memory) and print as one group when the invocation
 * ends. Either way an invocation prints at most FILE_LINES_IN_LOG per-file lines and OTHER_LINES_IN_LOG others,
 * then counts the rest; every file change goes to its report-dir list as it is read.
 */
import { rmSync } from 'node:fs'
import { type LineFile, readLines } from '../line-files.js'
import { type LogLine, oneLine, type RcloneLogEntry } from '../rclone/log-reader.js'
import type { ExecuteEvents, InvocationResult } from '../run/execute.js'
import type { Invocation } from '../run/plan.js'
import type { ReportDir, SpoolDir } from './report-dir.js'
import type { Reporter } from './reporter.js'
import { redactPath } from './summary.js'

/** Per-file lines each invocation prints in the log before the rest are only counted (report-dir has them all). */
export const FILE_LINES_IN_LOG = 100
/** Other lines (errors, notices) each invocation prints before the rest are only counted. */
export const OTHER_LINES_IN_LOG = 400

/** Whether a log entry reports one file (copied, deleted, skipped in a dry run, checked). */
function isFileLine(entry: RcloneLogEntry | undefined): boolean {
  return entry?.object !== undefined && entry.level !== 'error' && entry.level !== 'critical'
}

/** The log events of one command's invocations, and what a check hook adds. */
export type LogGroups = ExecuteEvents & {
  close(): void
  onCheckPath(inv: Invocation, kind: string, path: string): void
}

/** The log events of one command's invocations, printed through `out`; `close` ends what is still open. */
export function logGroups(
  out: Reporter,
  maxParallel: number,
  files: { report: ReportDir; spool: SpoolDir },
): LogGroups {
  const groups = new GroupPrinter(out, maxParallel === 1, files)
  return {
    onStart: (inv) => groups.start(inv),
    onCommand: (inv, args) => groups.command(inv, args),
    onLine: (inv, line) => groups.line(inv, line),
    onChange: (inv, kind, path) => groups.record(inv, `{"change":"${kind}","path":${JSON.stringify(path)}}`),
    onCheckPath: (inv, kind, path) =>
      groups.record(inv, `{"check":"${kind}","path":${JSON.stringify(path)}}`),
    onFinish: (inv, result) => groups.finish(inv, result),
    close: () => groups.close(),
  }
}

/** What is kept of one running invocation: its command, its spool, what it printed, and its report-dir list. */
interface GroupState {
  command?: string
  spool?: LineFile
  fileLines: number
  otherLines: number
  changes: LineFile
  changesName: string
}

/** Prints each invocation's group, live (max-parallel 1) or from its spool when it ends. */
class GroupPrinter {
  private readonly states = new Map<Invocation, GroupState>()

  constructor(
    private readonly out: Reporter,
    private readonly live: boolean,
    private readonly files: { report: ReportDir; spool: SpoolDir },
  ) {}

  start(inv: Invocation): void {
    const { relative, file } = this.files.report.changesFile(inv.job, inv.destinationIndex, inv.destination)
    this.states.set(inv, {
      ...(this.live ? {} : { spool: this.files.spool.next() }),
      fileLines: 0,
      otherLines: 0,
      changes: this.files.report.lineFile(file),
      changesName: relative,
    })
    if (this.live) this.out.startGroup(label(inv))
    else this.out.info(`▶ started ${label(inv)}`)
  }

  command(inv: Invocation, args: readonly string[]): void {
    const s = this.states.get(inv)
    if (!s) return
    s.command = oneLine(`$ rclone ${args.map(shellQuote).join(' ')}`)
    if (this.live) this.out.info(s.command)
  }

  line(inv: Invocation, line: LogLine): void {
    const s = this.states.get(inv)
    if (!s) return
    const entry = line.entry
    if (isFileLine(entry)) {
      if (s.fileLines++ < FILE_LINES_IN_LOG) this.print(s, line.text)
      return
    }
    if (entry?.stats !== undefined) {
      // Progress shows in the log as it comes, in parallel too.
      if (!this.live) this.out.info(`  ${inv.job} → ${redactPath(inv.destination)}: ${line.text}`)
      this.print(s, line.text)
    } else if (s.otherLines++ < OTHER_LINES_IN_LOG) this.print(s, line.text)
  }

  record(inv: Invocation, json: string): void {
    this.states.get(inv)?.changes.write(json)
  }

  finish(inv: Invocation, result: InvocationResult): void {
    const s = this.states.get(inv)
    this.states.delete(inv)
    s?.changes.close()
    const icon = { success: '✓', failed: '✗', skipped: '–', incomplete: '⚠' }[result.status]
    const verdict = `${icon} ${label(inv)}: ${result.status}${result.reason ? ` (${result.reason})` : ''}, ${count(result.transfers)} transferred, ${count(result.deletes)} deleted, ${count(result.errors)} errors, ${result.durationSeconds}s`
    // Never started (skipped for a dependency, or by fail-fast): one line, no group.
    if (s === undefined) this.out.info(verdict)
    else if (this.live) {
      for (const h of this.hidden(s)) this.out.info(h)
      this.out.info(verdict)
      this.out.endGroup()
    } else this.printSpooled(s, verdict)
    const props = { title: `rclone-jobs: ${inv.job}` }
    if (result.status === 'failed') this.out.error(`${label(inv)}: ${result.reason ?? 'failed'}`, props)
    if (result.status === 'incomplete')
      this.out.warning(`${label(inv)}: ${result.reason ?? 'incomplete'}`, props)
  }

  close(): void {
    for (const s of this.states.values()) {
      s.changes.close()
      s.spool?.close()
    }
  }

  private print(s: GroupState, line: string): void {
    if (this.live) this.out.info(line)
    else s.spool?.write(line)
  }

  /** A parallel invocation's group, printed whole when it ends: its verdict, command and spooled lines. */
  private printSpooled(s: GroupState, verdict: string): void {
    this.out.startGroup(verdict)
    if (s.command) this.out.info(s.command)
    if (s.spool) {
      s.spool.close()
      readLines(s.spool.file, (line) => this.out.info(line))
      rmSync(s.spool.file, { force: true })
    }
    for (const h of this.hidden(s)) this.out.info(h)
    this.out.endGroup()
  }

  /** The lines that say how much was not printed, and where it all is. */
  private hidden(s: GroupState): string[] {
    const out: string[] = []
    if (s.fileLines > FILE_LINES_IN_LOG)
      out.push(
        `… ${s.fileLines - FILE_LINES_IN_LOG} more per-file lines not shown; every file is listed in ${this.files.report.root}/${s.changesName}`,
      )
    if (s.otherLines > OTHER_LINES_IN_LOG)
      out.push(`… ${s.otherLines - OTHER_LINES_IN_LOG} more log lines not shown`)
    return out
  }
}

function label(inv: Invocation): string {
  return `${inv.job} → ${redactPath(inv.destination)} (${inv.mode})`
}

function count(n: number | null): string {
  return n === null ? 'unknown' : String(n)
}

/** An argument as a POSIX shell would need it quoted, for showing the command (it never runs through a shell). */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`
}
