/**
 * The job manager's list: one row per job (name, mode, source, destinations, schedule, next run, enabled, file), as
 * data. `rclone-jobs list` prints it as a plain-text table or JSON; `validate`'s summary is meant to render the same
 * rows as Markdown, so both show one list computed one way. Pure: `now` is given.
 */
import { nextRun } from '../jobs/cron.js'
import type { ValidJob } from '../jobs/validate.js'

/** One job in the list. Paths are as written in the job file; renderers redact them for display. */
export interface JobRow {
  readonly name: string
  readonly description?: string
  readonly mode: 'sync' | 'copy' | 'bisync'
  readonly source: string
  readonly destinations: readonly string[]
  /** The job's crons; empty when it has none (it then runs on every trigger). */
  readonly schedule: readonly string[]
  /**
   * When the job is next due (ms since the epoch, UTC), the earliest of its crons; undefined when it has no schedule,
   * is disabled, or none of its crons fires in the next five years (`0 0 30 2 *`).
   */
  readonly nextRun?: number
  readonly enabled: boolean
  /** The job file, relative to the workspace, and the line where the job starts. */
  readonly file: string
  readonly line: number
}

/**
 * The rows for a list of valid jobs, in their order. A cron shared by many jobs is evaluated once (`nextRun` walks
 * minutes forward, so thousands of jobs on a few crons stay cheap).
 */
export function jobListRows(jobs: readonly ValidJob[], now: number): JobRow[] {
  const cache = new Map<string, number | undefined>()
  const next = (cron: string): number | undefined => {
    if (!cache.has(cron)) cache.set(cron, nextRun(cron, now))
    return cache.get(cron)
  }
  return jobs.map((j) => {
    const schedule = j.job.schedule === undefined ? [] : [j.job.schedule].flat()
    const times = j.job.enabled
      ? schedule.map(next).filter((t): t is number => t !== undefined)
      : ([] as number[])
    return {
      name: j.name,
      ...(j.job.description !== undefined ? { description: j.job.description } : {}),
      mode: j.job.mode,
      source: j.job.source,
      destinations: j.destinations.map((d) => d.path),
      schedule,
      ...(times.length > 0 ? { nextRun: Math.min(...times) } : {}),
      enabled: j.job.enabled,
      file: j.file,
      line: j.line,
    }
  })
}

/**
 * What the next-run column shows: `2026-01-02 02:30 UTC`; `never` for an enabled job whose crons never fire; empty
 * when the job has no schedule or is disabled (a disabled job never runs, which the enabled column says).
 */
export function nextRunText(row: JobRow): string {
  if (row.nextRun !== undefined)
    return `${new Date(row.nextRun).toISOString().slice(0, 16).replace('T', ' ')} UTC`
  return row.enabled && row.schedule.length > 0 ? 'never' : ''
}
