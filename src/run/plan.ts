/**
 * Stage 3: jobs to rclone invocations. One invocation per job and destination, as an argument vector: flags first,
 * then `--`, then SRC and DST, so that no job value can ever be read as a flag. Pure.
 */
import type { BisyncSettings, Filters, Options } from '../jobs/schema.js'
import type { ValidJob } from '../jobs/validate.js'
import type { Place } from '../places/place.js'
import { atLeast, SINCE } from '../rclone/versions.js'

/** One rclone run. */
export interface Invocation {
  /** `job -> destination`, unique within a run. */
  readonly id: string
  readonly job: string
  readonly file: string
  readonly description: string | undefined
  readonly destination: string
  readonly destinationIndex: number
  readonly source: string
  readonly mode: 'sync' | 'copy' | 'bisync'
  /** Arguments after `rclone`. */
  readonly args: readonly string[]
  /** Where the source and the destination point. */
  readonly sourcePlace: Place
  readonly destinationPlace: Place
  /** Places this invocation writes (destination, backup-dir; for bisync, both sides) and reads, for scheduling. */
  readonly writes: readonly Place[]
  readonly reads: readonly Place[]
  readonly allowEmptySource: boolean
  readonly options: Options
  readonly filters: Filters
  /** bisync: the job consents to one resync when no state exists. */
  readonly resync: boolean
}

/** How the plan runs: `dryRun` adds `--dry-run` (the `plan` command). */
export interface PlanSettings {
  readonly dryRun: boolean
  /** The installed rclone's version: flags only some versions have are passed when it has them. */
  readonly rcloneVersion?: string
  /** Seconds between progress lines in the log. */
  readonly statsInterval?: string
}

/** Flags that carry the action's own needs: JSON log lines with final stats, readable progress. */
export function baseFlags(settings: PlanSettings): string[] {
  // A plan reads rclone's debug notes ("Sizes differ") to tell updated files from new ones.
  const verbosity = settings.dryRun ? '--verbose=2' : '--verbose'
  return [
    '--use-json-log',
    '--stats-log-level=NOTICE',
    `--stats=${settings.statsInterval ?? '30s'}`,
    verbosity,
  ]
}

/** The rclone flags for a job's options. Key order follows the schema so argv is stable. */
export function optionFlags(options: Options | BisyncSettings): string[] {
  const out: string[] = []
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue
    out.push(...flag(key, value))
  }
  return out
}

/** The rclone flags for a job's filters. */
export function filterFlags(filters: Filters): string[] {
  const out: string[] = []
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const v of value) out.push(`--${key}=${v}`)
    else out.push(...flag(key, value))
  }
  return out
}

/**
 * The bisync settings with the defaults rclone's documentation recommends for unattended runs, where the version
 * has them: `--resilient` (1.64) retries after less serious errors without a resync; `--recover` (1.66) recovers
 * from an interrupted run; `--max-lock=2m` (1.66) lets a lock left by a killed run expire. A job's own value wins.
 */
export function bisyncSettings(own: BisyncSettings, version: string | undefined): BisyncSettings {
  if (version === undefined) return own
  return {
    ...(atLeast(version, SINCE.bisyncResilient) ? { resilient: true } : {}),
    ...(atLeast(version, SINCE.bisyncRecover) ? { recover: true } : {}),
    ...(atLeast(version, SINCE.bisyncMaxLock) ? { 'max-lock': '2m' } : {}),
    ...own,
  }
}

function flag(key: string, value: unknown): string[] {
  if (typeof value === 'boolean') return [value ? `--${key}` : `--${key}=false`]
  return [`--${key}=${String(value)}`]
}

/** Expands jobs into invocations, in job then destination order. */
export function planInvocations(jobs: readonly ValidJob[], settings: PlanSettings): Invocation[] {
  const out: Invocation[] = []
  for (const j of jobs) {
    for (const d of j.destinations) {
      const args = [
        j.job.mode,
        ...baseFlags(settings),
        ...(settings.dryRun ? ['--dry-run'] : []),
        ...(j.job['create-empty-src-dirs'] ? ['--create-empty-src-dirs'] : []),
        ...optionFlags(d.options),
        ...(j.job.mode === 'bisync'
          ? optionFlags(bisyncSettings(j.job.bisync ?? {}, settings.rcloneVersion))
          : []),
        ...filterFlags(d.filters),
        '--',
        j.job.source,
        d.path,
      ]
      const writes = j.job.mode === 'bisync' ? [d.place, j.sourcePlace] : [d.place]
      if (d.backupPlace) writes.push(d.backupPlace)
      out.push({
        id: `${j.name} -> ${d.path}`,
        job: j.name,
        file: j.file,
        description: j.job.description,
        destination: d.path,
        destinationIndex: d.index,
        source: j.job.source,
        mode: j.job.mode,
        args,
        sourcePlace: j.sourcePlace,
        destinationPlace: d.place,
        writes,
        reads: [j.sourcePlace],
        allowEmptySource: j.job['allow-empty-source'],
        options: d.options,
        filters: d.filters,
        resync: j.job.resync,
      })
    }
  }
  return out
}
