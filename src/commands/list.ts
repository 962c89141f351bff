/**
 * `rclone-jobs list [path]`: the job manager's table, one row per job (name, mode, source, destinations, schedule,
 * next run in UTC, enabled, file), from the same rows `validate`'s summary is to show (report/job-list). Steps: read
 * and validate the folder as `validate` does -> rows of the valid jobs -> a plain-text table, or JSON. Problems in
 * job files go to stderr as `validate` prints them; the jobs that are valid are still listed.
 */
import { UsageError } from '../errors.js'
import { type Diagnostic, formatDiagnostic } from '../jobs/diagnostics.js'
import { type JobRow, jobListRows, nextRunText } from '../report/job-list.js'
import { redactPath } from '../report/summary.js'
import type { CommandIo, OutputFormat } from './io.js'
import { readJobFolder } from './job-folder.js'

/** The parsed arguments of `list`. */
export interface ListArgs {
  /** The folder of job files, a file, or newline-separated globs (as `validate` takes it). */
  readonly path: string
  readonly format: OutputFormat
}

/** A row as `list --format json` prints it: paths redacted, the next run as an ISO time or null. */
export type ListedJob = Omit<JobRow, 'nextRun'> & { readonly nextRun: string | null }

/** The JSON document `list --format json` prints. */
export interface ListReport {
  readonly command: 'list'
  readonly success: boolean
  readonly message: string
  readonly jobs: readonly ListedJob[]
  readonly diagnostics: readonly Diagnostic[]
}

/** Runs `list`; returns the exit code: 0, 1 when a job file has problems (the others are listed), 2 on usage. */
export async function listCommand(args: ListArgs, io: CommandIo, now: number = Date.now()): Promise<number> {
  const folder = await readJobFolder(args.path, io.cwd)
  if (folder.files.length === 0 && folder.problems.length > 0) {
    throw new UsageError(`list: no job files found for path "${args.path}": ${folder.problems.join('; ')}`)
  }
  // Paths are redacted for display (a password in a URL), in the table and in JSON alike.
  const rows = jobListRows(folder.validated.jobs, now).map((r) => ({
    ...r,
    source: redactPath(r.source),
    destinations: r.destinations.map(redactPath),
  }))
  const errors = folder.diagnostics.filter((d) => d.severity === 'error')
  const message =
    errors.length === 0
      ? ''
      : `${errors.length} problem${errors.length === 1 ? '' : 's'} in job files; the jobs with problems are not listed`
  if (args.format === 'json') {
    const report: ListReport = {
      command: 'list',
      success: errors.length === 0,
      message,
      jobs: rows.map(({ nextRun, ...r }) => ({
        name: r.name,
        ...(r.description !== undefined ? { description: r.description } : {}),
        mode: r.mode,
        source: r.source,
        destinations: r.destinations,
        schedule: r.schedule,
        nextRun: nextRun === undefined ? null : new Date(nextRun).toISOString(),
        enabled: r.enabled,
        file: r.file,
        line: r.line,
      })),
      diagnostics: folder.diagnostics,
    }
    io.out(JSON.stringify(report, null, 2))
  } else {
    io.out(rows.length === 0 ? `No jobs under "${args.path}".` : table(rows))
  }
  for (const d of folder.diagnostics) io.err(formatDiagnostic(d))
  if (errors.length > 0) io.err(`\nrclone-jobs list: ${message}`)
  return errors.length === 0 ? 0 : 1
}

const COLUMNS: ReadonlyArray<{ readonly title: string; readonly cell: (r: JobRow) => string }> = [
  { title: 'NAME', cell: (r) => r.name },
  { title: 'MODE', cell: (r) => r.mode },
  { title: 'SOURCE', cell: (r) => r.source },
  { title: 'DESTINATIONS', cell: (r) => r.destinations.join(', ') },
  { title: 'SCHEDULE', cell: (r) => r.schedule.join(', ') },
  { title: 'NEXT RUN', cell: nextRunText },
  { title: 'ENABLED', cell: (r) => (r.enabled ? 'yes' : 'no') },
  { title: 'FILE', cell: (r) => `${r.file}:${r.line}` },
]

/** A plain-text table: a header, then one line per job, columns padded to their widest cell. */
export function table(rows: readonly JobRow[]): string {
  const cells = [
    COLUMNS.map((c) => c.title),
    ...rows.map((r) => COLUMNS.map((c) => c.cell(r).replace(/\s*[\r\n]+\s*/g, ' '))),
  ]
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => (line[i] as string).length)))
  return cells
    .map((line) =>
      line
        .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] as number)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}
