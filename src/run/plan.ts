/**
 * Stage 3: jobs to rclone invocations. One invocation per job and destination, as an argument vector: flags first,
 * then `--`, then SRC and DST, so that no job value can ever be read as a flag. Pure.
 */
import { typedFilterRules } from '../jobs/file-types.js'
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
  /** The line where the job starts in its file, for annotations of its failures. */
  readonly line: number
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
  /** `versions`: the folder of dated folders, its place, how long they are kept, and this run's folder. */
  readonly versions?: {
    readonly path: string
    readonly place: Place
    readonly keepMs: number
    readonly runFolder: string
  }
}

/** How the plan runs: `dryRun` adds `--dry-run` (the `plan` command). */
export interface PlanSettings {
  readonly dryRun: boolean
  /** The installed rclone's version: flags only some versions have are passed when it has them. */
  readonly rcloneVersion?: string
  /** Seconds between progress lines in the log. */
  readonly statsInterval?: string
  /** When the run started: `versions` moves replaced files into a folder named after it. */
  readonly runStartedAt?: number
}

/** The name of a run's versions folder: its start time in UTC, `YYYY-MM-DDTHHMMSSZ`. */
export function versionsFolderName(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace(/:/g, '')}Z`
}

/**
 * Flags that carry the action's own needs: rclone's JSON log, with the final stats and one line per file (debug
 * notes too in a plan, "Sizes differ", which tell updated files from new ones), readable progress. Every command
 * reads the JSON log: the text log escapes nothing, so a name could forge its lines (log-reader.ts).
 */
export function baseFlags(settings: PlanSettings): string[] {
  return [
    '--use-json-log',
    '--stats-log-level=NOTICE',
    `--stats=${settings.statsInterval ?? '30s'}`,
    settings.dryRun ? '--verbose=2' : '--verbose',
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

/**
 * The rclone flags for a job's filters. With `types`, the pattern rules become one ordered list of `--filter` rules
 * (see `typedFilterRules`), so that their order does not depend on how rclone orders its kinds of flags.
 */
export function filterFlags(filters: Filters): string[] {
  const out: string[] = []
  const typed = typedFilterRules(filters)
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined || key === 'types') continue
    if (typed.length > 0 && (key === 'exclude' || key === 'filter')) continue
    if (Array.isArray(value)) for (const v of value) out.push(`--${key}=${v}`)
    else out.push(...flag(key, value))
  }
  for (const rule of typed) out.push(`--filter=${rule}`)
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

/** The places one job and destination writes (destination, backup folders; for bisync, both sides) and reads. */
export function invocationPlaces(
  j: ValidJob,
  d: ValidJob['destinations'][number],
): { writes: Place[]; reads: Place[] } {
  const writes = j.job.mode === 'bisync' ? [d.place, j.sourcePlace] : [d.place]
  if (d.backupPlace) writes.push(d.backupPlace)
  if (d.versions) writes.push(d.versions.place)
  return { writes, reads: [j.sourcePlace] }
}

/** Expands jobs into invocations, in job then destination order. */
export function planInvocations(jobs: readonly ValidJob[], settings: PlanSettings): Invocation[] {
  const out: Invocation[] = []
  for (const j of jobs) {
    for (const d of j.destinations) {
      const versions = d.versions
        ? {
            ...d.versions,
            runFolder: `${d.versions.path.replace(/\/+$/, '')}/${versionsFolderName(settings.runStartedAt ?? Date.now())}`,
          }
        : undefined
      const args = [
        j.job.mode,
        ...baseFlags(settings),
        ...(settings.dryRun ? ['--dry-run'] : []),
        ...(j.job['create-empty-src-dirs'] ? ['--create-empty-src-dirs'] : []),
        ...optionFlags(d.options),
        ...(j.job.mode === 'bisync'
          ? optionFlags(bisyncSettings(j.job.bisync ?? {}, settings.rcloneVersion))
          : []),
        ...(versions ? [`--backup-dir=${versions.runFolder}`] : []),
        ...filterFlags(d.filters),
        '--',
        j.job.source,
        d.path,
      ]
      const { writes, reads } = invocationPlaces(j, d)
      out.push({
        id: `${j.name} -> ${d.path}`,
        job: j.name,
        file: j.file,
        line: j.line,
        description: j.job.description,
        destination: d.path,
        destinationIndex: d.index,
        source: j.job.source,
        mode: j.job.mode,
        args,
        sourcePlace: j.sourcePlace,
        destinationPlace: d.place,
        writes,
        reads,
        allowEmptySource: j.job['allow-empty-source'],
        options: d.options,
        filters: d.filters,
        resync: j.job.resync,
        ...(versions ? { versions } : {}),
      })
    }
  }
  return out
}

/**
 * The options that change how `rclone check` compares or reaches the remotes; the others (transfers, deletes,
 * backups) have no meaning for a comparison.
 */
const CHECK_OPTIONS = [
  'checkers',
  'size-only',
  'fast-list',
  'contimeout',
  'timeout',
  'low-level-retries',
  'retries',
  'retries-sleep',
  'bwlimit',
] as const

/**
 * `command: check`: one `rclone check SOURCE DESTINATION` per job and destination, with the job's filters, both
 * ways (what differs is judged by mode afterwards: extra files on a `copy` destination are listed, not a failure).
 * A job's `check: { download: true }` reads both sides and compares contents (`--download`), for backends with no
 * hash in common.
 */
export function planChecks(jobs: readonly ValidJob[], settings: PlanSettings): Invocation[] {
  const download = new Set(jobs.filter((j) => j.job.check?.download === true).map((j) => j.name))
  return planInvocations(jobs, { ...settings, dryRun: false }).map((inv) => {
    const options: Record<string, unknown> = {}
    for (const k of CHECK_OPTIONS) if (inv.options[k] !== undefined) options[k] = inv.options[k]
    const args = [
      'check',
      '--use-json-log',
      '--stats-log-level=NOTICE',
      `--stats=${settings.statsInterval ?? '30s'}`,
      ...(download.has(inv.job) ? ['--download'] : []),
      ...optionFlags(options as Options),
      ...filterFlags(inv.filters),
      '--',
      inv.source,
      inv.destination,
    ]
    // A check writes nothing: it only reads both sides.
    return { ...inv, args, writes: [], reads: [inv.sourcePlace, inv.destinationPlace] }
  })
}
