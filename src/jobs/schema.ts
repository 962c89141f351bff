/**
 * The job file format: one strict zod schema, the single source of the TypeScript types, the published JSON
 * Schema (`schema/job.schema.json`) and the README reference. Keys follow rclone's flag names without dashes.
 */
import { z } from 'zod'
import { SCHEMA_URLS } from '../constants.js'
import { cronProblem } from './cron.js'
import { FILE_TYPE_NAMES, isCatchAllRule } from './file-types.js'

/**
 * rclone's SizeSuffix syntax (`10M`, `1.5G`, `100` = KiB, `10Mi`, `10MiB`, `off`), as `rclone --max-size` parses it.
 */
export const SIZE_PATTERN =
  /^(?:off|(?:\d+(?:\.\d*)?|\.\d+)(?:e\d+)?(?:[bBkKmMgGtTpPeE]|[kKmMgGtTpPeE][iI][bB]?)?)$/

/**
 * A Go `time.Duration` (`1h30m`, `300ms`, `0`): what every rclone version accepts for `--timeout` and friends.
 * Day suffixes are left out on purpose: rclone 1.60 rejects `--timeout 1d`.
 */
export const DURATION_PATTERN = /^(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+)$/

/**
 * rclone's age syntax for `--min-age`/`--max-age`: a Go duration, one number with a `ms|s|m|h|d|w|M|y` suffix or
 * none (seconds), `off`, or an absolute date/time.
 */
export const AGE_PATTERN =
  /^(?:off|0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+|(?:\d+(?:\.\d*)?|\.\d+)(?:ms|s|m|h|d|w|M|y)?|\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})?)?)$/

/** One example of each form, for messages and the README. */
export const BWLIMIT_FORMS =
  '10M (a rate; a plain number is KiB/s), 10M:1M (upload:download), off, or a timetable such as "08:00,512k 19:00,off" or "Mon-08:00,1M Sat-00:00,off"'

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const WEEKDAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']

/**
 * Why rclone would refuse this `--bwlimit` value, or undefined when it reads it: one bandwidth, `up:down`, `off`, or
 * a timetable of space-separated `HH:MM,bandwidth` or `Day-HH:MM,bandwidth` entries, parsed as rclone's
 * fs/bwtimetable.go does (the same from 1.60 to today), so that a wrong value fails in review, not in a scheduled run.
 */
export function bwlimitProblem(value: string): string | undefined {
  if (value === '') return 'must not be empty'
  // rclone reads a value without spaces or commas as one bandwidth, and anything else as a timetable.
  if (!value.includes(' ') && !value.includes(',')) return pairProblem(value)
  for (const entry of value.split(' ')) {
    if (entry === '') return 'timetable entries are separated by single spaces'
    const parts = entry.split(',')
    if (parts.length !== 2)
      return `"${entry}" is not a timetable entry (HH:MM,bandwidth or Day-HH:MM,bandwidth)`
    const [when, rate] = parts as [string, string]
    const dash = when.split('-')
    if (dash.length > 2) return `"${when}" is not a time (HH:MM or Day-HH:MM)`
    if (dash.length === 2) {
      const day = (dash[0] as string).toLowerCase()
      if (!WEEKDAYS.includes(day) && !WEEKDAY_NAMES.includes(day))
        return `"${dash[0]}" is not a day of the week (Mon, Tue, ... or Monday, Tuesday, ...)`
    }
    const time = dash.at(-1) as string
    const m = /^(\d\d):(\d\d)$/.exec(time)
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59)
      return `"${time}" is not a time of day as HH:MM (two digits each, 00:00 to 23:59)`
    const problem = pairProblem(rate)
    if (problem) return problem
  }
  return undefined
}

function pairProblem(pair: string): string | undefined {
  const colon = pair.indexOf(':')
  const sides = colon < 0 ? [pair] : [pair.slice(0, colon), pair.slice(colon + 1)]
  for (const side of sides) {
    if (!SIZE_PATTERN.test(side)) return `"${side}" is not a bandwidth`
  }
  return undefined
}

/** The job name pattern from SPEC.md. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]+$/

const size = z.string().regex(SIZE_PATTERN, {
  message: 'must be a size as rclone reads it, such as 10M, 1.5G, 512k or off',
})
const sizeOrNumber = z.union([z.number().int().nonnegative().transform(String), size])
const duration = z.string().regex(DURATION_PATTERN, {
  message: 'must be a duration such as 30s, 5m or 1h30m (units ns, us, ms, s, m, h)',
})
const age = z.union([
  z.number().nonnegative().transform(String),
  z.string().regex(AGE_PATTERN, {
    message: 'must be an age such as 90s, 1h30m, 7d, 2w, 1M, 1y or a date like 2024-01-31',
  }),
])

/** An rclone path: `remote:path`, `:backend,opt=val:path`, or a local path. */
export const rclonePath = z
  .string()
  .min(1, { message: 'must not be empty' })
  // A blank path would reach rclone as a folder named by spaces, or, trimmed by a shell, as no path at all.
  .refine((p) => p === '' || p.trim() !== '', {
    message:
      'must not be blank (only whitespace); write the rclone path, such as remote:folder or ./local/folder',
  })
  .refine((p) => !p.startsWith('-'), {
    message: 'must not begin with "-": rclone would read it as a flag (write ./-name for a local path)',
  })
  .refine((p) => !/[\0\r\n]/.test(p), { message: 'must not contain NUL or line breaks' })

/** The advanced settings: each maps to the rclone flag of the same name. Omitted keys pass no flag. */
export const optionsSchema = z
  .strictObject({
    transfers: z.number().int().min(1).describe('--transfers: number of file transfers to run in parallel'),
    'multi-thread-streams': z
      .number()
      .int()
      .min(0)
      .describe('--multi-thread-streams: streams for multi-thread downloads; 0 disables'),
    checkers: z.number().int().min(1).describe('--checkers: number of checkers to run in parallel'),
    checksum: z.boolean().describe('--checksum: compare by checksum and size, not modification time'),
    retries: z
      .number()
      .int()
      .min(1)
      .describe('--retries: retry failed operations this many times; 1 disables'),
    'retries-sleep': duration.describe('--retries-sleep: interval between retrying operations'),
    'low-level-retries': z.number().int().min(1).describe('--low-level-retries: number of low level retries'),
    contimeout: duration.describe('--contimeout: connect timeout'),
    timeout: duration.describe('--timeout: IO idle timeout'),
    bwlimit: z
      .union([
        z.number().nonnegative().transform(String),
        z.string().superRefine((v, ctx) => {
          const problem = bwlimitProblem(v)
          if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; write ${BWLIMIT_FORMS}` })
        }),
      ])
      .describe('--bwlimit: bandwidth limit in KiB/s, or with a suffix, or a timetable'),
    'fast-list': z.boolean().describe('--fast-list: use recursive list if available'),
    'max-delete': z
      .number()
      .int()
      .min(0)
      .describe('--max-delete: when synchronizing, limit the number of deletes'),
    'backup-dir': rclonePath.describe('--backup-dir: make backups into hierarchy based in this rclone path'),
    suffix: z.string().min(1).describe('--suffix: suffix to add to changed files'),
    'track-renames': z
      .boolean()
      .describe('--track-renames: when synchronizing, track file renames and do a server-side move'),
    update: z.boolean().describe('--update: skip files that are newer on the destination'),
    'size-only': z
      .boolean()
      .describe('--size-only: skip based on size only, not modification time or checksum'),
    'ignore-existing': z
      .boolean()
      .describe('--ignore-existing: skip all files that exist on the destination'),
    'max-transfer': sizeOrNumber.describe('--max-transfer: maximum size of data to transfer'),
    'max-duration': duration.describe('--max-duration: maximum duration rclone will transfer data for'),
    'cutoff-mode': z
      .enum(['hard', 'soft', 'cautious'])
      .describe(
        '--cutoff-mode: what happens at max-duration and at the time-budget input: hard, soft, cautious',
      ),
  })
  .partial()
  .describe('Advanced settings: each maps to the rclone flag of the same name')

const patternList = z.array(z.string().min(1, { message: 'pattern must not be empty' }))

/** The filtering settings: each maps to the rclone filter flag of the same name. */
export const filtersSchema = z
  .strictObject({
    include: patternList.describe('--include: include files matching these patterns'),
    exclude: patternList.describe('--exclude: exclude files matching these patterns'),
    filter: z
      .array(
        z.string().regex(/^[+-] \S/, {
          message: 'must be a filter rule such as "+ *.jpg" or "- *" ("+" or "-", a space, a pattern)',
        }),
      )
      .describe('--filter: filter rules such as "+ *.jpg" and "- *", applied in order'),
    types: z
      .array(z.enum(FILE_TYPE_NAMES))
      .describe(
        'predefined file types: include only files with their extensions, in any case (see "File types"); [] for none',
      ),
    'min-size': sizeOrNumber.describe('--min-size: only transfer files bigger than this'),
    'max-size': sizeOrNumber.describe('--max-size: only transfer files smaller than this'),
    'min-age': age.describe('--min-age: only transfer files older than this'),
    'max-age': age.describe('--max-age: only transfer files younger than this'),
    'exclude-if-present': z
      .string()
      .min(1)
      .refine((v) => !v.includes('/'), { message: 'must be a file name, not a path' })
      .describe('--exclude-if-present: exclude directories holding a file of this name'),
    'max-depth': z.number().int().min(0).describe('--max-depth: recursion depth limit'),
    'ignore-case': z.boolean().describe('--ignore-case: ignore case in filters'),
  })
  .partial()
  .superRefine((f, ctx) => {
    if (f.include !== undefined && f.exclude !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['exclude'],
        message:
          'include and exclude together are ambiguous in rclone; write the rules in order under "filter" instead, e.g. ["+ *.jpg", "- *"]',
      })
    }
    for (const p of typesProblems(f)) ctx.addIssue({ code: 'custom', ...p })
  })
  .describe('Filtering settings: each maps to the rclone filter flag of the same name')

/**
 * `types` with the job's own pattern rules: `include` is refused (do the types narrow it, or add to it?), and so is
 * a `filter` rule that matches every file, after which the type rules would never apply.
 */
export function typesProblems(f: {
  readonly types?: readonly string[]
  readonly include?: readonly string[]
  readonly filter?: readonly string[]
}): Array<{ path: PropertyKey[]; message: string }> {
  if (f.types === undefined || f.types.length === 0) return []
  const out: Array<{ path: PropertyKey[]; message: string }> = []
  if (f.include !== undefined)
    out.push({
      path: ['include'],
      message:
        'include and types together are ambiguous (files of these types, or these files as well?); to leave files out of the types, use exclude; to add files, write "+ pattern" rules under filter (they come before the types)',
    })
  f.filter?.forEach((rule, i) => {
    if (isCatchAllRule(rule))
      out.push({
        path: ['filter', i],
        message: `"${rule}" matches every file, so the types rules, which come after the filter rules, would never apply; leave it out (types end with their own "- **")`,
      })
  })
  return out
}

/** Settings of `rclone bisync` only; each maps to the bisync flag of the same name. */
export const bisyncSchema = z
  .strictObject({
    'check-access': z
      .boolean()
      .describe('--check-access: abort unless RCLONE_TEST files are found on both sides'),
    'check-filename': z.string().min(1).describe('--check-filename: the file name for check-access'),
    force: z.boolean().describe("--force: bypass bisync's max-delete safety check (a percentage for bisync)"),
    'remove-empty-dirs': z
      .boolean()
      .describe('--remove-empty-dirs: remove empty directories at the final cleanup step'),
    resilient: z.boolean().describe('--resilient: allow retrying after less serious errors without a resync'),
    recover: z.boolean().describe('--recover: recover automatically from an interrupted run'),
    'conflict-resolve': z
      .enum(['none', 'path1', 'path2', 'newer', 'older', 'larger', 'smaller'])
      .describe('--conflict-resolve: which version wins a conflict'),
    'conflict-loser': z
      .enum(['num', 'pathname', 'delete'])
      .describe('--conflict-loser: what happens to the losing version'),
    'conflict-suffix': z.string().min(1).describe('--conflict-suffix: suffix for conflicting files'),
    'max-lock': duration.describe('--max-lock: consider lock files older than this expired'),
    compare: z
      .string()
      .regex(/^(size|modtime|checksum)(,(size|modtime|checksum))*$/, {
        message: 'must be a list of size, modtime, checksum',
      })
      .describe('--compare: how files are compared: size, modtime, checksum'),
  })
  .partial()
  .describe('Settings of rclone bisync only')

/** A retention age for `versions.keep`: a number with a unit (`30d`, `12h`, `2w`, `6M`, `1y`). */
export const KEEP_PATTERN = /^(?:\d+(?:\.\d+)?)(?:s|m|h|d|w|M|y)$/

/** Keep what a run deletes or overwrites, in timestamped folders, pruned after `keep`. */
export const versionsSchema = z
  .strictObject({
    keep: z
      .string()
      .regex(KEEP_PATTERN, {
        message:
          'must be an age such as 30d, 12h, 2w, 6M or 1y (a number and one unit of s, m, h, d, w, M, y)',
      })
      .describe(
        'how long a version folder is kept: folders older than this are purged after a successful run',
      ),
    path: rclonePath
      .optional()
      .describe('where the version folders go; default: the destination path with ".versions" appended'),
  })
  .describe(
    'keep what a run deletes or overwrites in {path}/{run time, UTC, YYYY-MM-DDTHHMMSSZ}/ (rclone --backup-dir)',
  )

/** How `command: check` compares a job's destinations with its source. */
export const checkSchema = z
  .strictObject({
    download: z
      .boolean()
      .describe(
        'rclone check --download: compare contents by reading both sides, where the two sides share no hash (FTP, SFTP without a shell, crypt)',
      ),
  })
  .partial()
  .describe(
    'command: check settings: download: true compares contents by reading both sides (rclone check --download), for backends with no hash in common',
  )

/** A healthchecks.io-style ping URL, or `env:NAME` to read it from a variable. */
export const healthcheckSchema = z
  .string()
  .regex(/^(?:https?:\/\/\S+|env:[A-Za-z_][A-Za-z0-9_]*)$/, {
    message: 'must be an http(s) URL or env:NAME (the URL is in the variable NAME)',
  })
  .describe(
    'pings {url}/start, {url} on success, {url}/fail otherwise (healthchecks.io protocol); env:NAME reads the URL',
  )

/** A destination: an rclone path, or a path with options and filters that override the job's. */
export const destinationSchema = z.union([
  rclonePath,
  z.strictObject({
    path: rclonePath.describe('the destination rclone path'),
    options: optionsSchema.optional(),
    filters: filtersSchema.optional(),
  }),
])

/** A five-field cron string as GitHub's `on.schedule` takes it. */
export const cronSchema = z.string().superRefine((v, ctx) => {
  const problem = cronProblem(v)
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
})

/** The keys of a job, each with its type. */
const jobShape = {
  name: z
    .string()
    .max(64, { message: 'must be at most 64 characters' })
    .regex(NAME_PATTERN, { message: 'may contain only letters, digits, "_" and "-"' })
    .optional()
    .describe('unique name; defaults to the file stem for a one-job file'),
  description: z.string().optional().describe('shown in summaries'),
  source: rclonePath.describe('the source rclone path'),
  destinations: z
    .array(destinationSchema)
    .min(1, { message: 'must list at least one destination' })
    .describe('one rclone invocation per destination'),
  mode: z.enum(['sync', 'copy', 'bisync']).default('sync').describe('rclone sync, copy or bisync'),
  'create-empty-src-dirs': z.boolean().default(false).describe('--create-empty-src-dirs'),
  options: optionsSchema.default({}),
  filters: filtersSchema.default({}),
  schedule: z
    .union([cronSchema, z.array(cronSchema).min(1)])
    .optional()
    .describe('cron string(s): on a schedule event the job runs only when one of them triggered it'),
  enabled: z.boolean().default(true).describe('a disabled job is validated and listed, never run'),
  'allow-empty-source': z
    .boolean()
    .default(false)
    .describe('a sync or bisync whose source is empty may delete the destination only when true'),
  resync: z
    .boolean()
    .default(false)
    .describe('bisync only: consent to one --resync when no bisync state exists for a destination'),
  bisync: bisyncSchema.optional().describe('bisync only: settings of rclone bisync'),
  versions: versionsSchema.optional(),
  check: checkSchema.optional(),
  healthcheck: healthcheckSchema.optional(),
  needs: z
    .array(z.string().regex(NAME_PATTERN, { message: 'must be a job name (letters, digits, "_" and "-")' }))
    .min(1, { message: 'must list at least one job name (or leave needs out)' })
    .optional()
    .describe('job names that run, and succeed, before this job in the same run'),
}

/** One job. */
export const jobSchema = z
  .strictObject(jobShape)
  .superRefine((job, ctx) => {
    if (job.versions !== undefined) {
      const backupAt = job.options['backup-dir'] !== undefined ? ['options', 'backup-dir'] : undefined
      const destAt = job.destinations.findIndex(
        (d) => typeof d === 'object' && d.options?.['backup-dir'] !== undefined,
      )
      const at = backupAt ?? (destAt >= 0 ? ['destinations', destAt, 'options', 'backup-dir'] : undefined)
      if (at !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: at,
          message:
            'backup-dir and versions both say where replaced files go; keep one (versions adds dated folders and pruning)',
        })
      if (job.mode === 'bisync')
        ctx.addIssue({
          code: 'custom',
          path: ['versions'],
          message:
            'versions applies to sync and copy, not to bisync, which changes both sides; leave versions out of this job (write "versions: null" in it when it comes from a _defaults.yml)',
        })
      if (job.versions.path !== undefined && job.destinations.length > 1)
        ctx.addIssue({
          code: 'custom',
          path: ['versions', 'path'],
          message: `versions.path would be shared by ${job.destinations.length} destinations, whose versions of one file would overwrite each other; leave path out (each destination then keeps its versions beside it, in <destination>.versions)`,
        })
    }
    if (job.mode === 'bisync') {
      for (const [at, options] of [
        [['options'], job.options],
        ...job.destinations.map(
          (d, i) => [['destinations', i, 'options'], typeof d === 'object' ? d.options : undefined] as const,
        ),
      ] as const) {
        for (const key of ['max-duration', 'cutoff-mode'] as const) {
          if (options?.[key] === undefined) continue
          ctx.addIssue({
            code: 'custom',
            path: [...at, key],
            message: `${key} would cut rclone bisync part way: an interrupted bisync loses its state, the next run must resync, and a resync brings files deleted on one side back; bisync always runs to its end (the time-budget input never cuts it either), so leave ${key} out`,
          })
        }
      }
      return
    }
    if (job.resync)
      ctx.addIssue({
        code: 'custom',
        path: ['resync'],
        message:
          'resync applies to mode: bisync only (write "resync: null" in this job when it comes from a _defaults.yml)',
      })
    if (job.bisync !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['bisync'],
        message:
          'bisync settings apply to mode: bisync only; leave them out of this job (write "bisync: null" in it when they come from a _defaults.yml)',
      })
  })
  .describe('An rclone-jobs job')

/** Keys a `_defaults.yml` may not set: what makes a job this one job, and its place in the order of jobs. */
export const NOT_IN_DEFAULTS = ['name', 'source', 'destinations', 'needs'] as const

/**
 * The mapping of a `_defaults.yml`: every job key except those in NOT_IN_DEFAULTS, all optional. The rules that
 * relate keys (versions with backup-dir, resync with mode) are checked on each job once the defaults are merged in.
 */
export const defaultsSchema = z
  .strictObject(jobShape)
  .omit({ name: true, source: true, destinations: true, needs: true })
  .partial()
  .describe(
    "Defaults for every job file in this folder and below: a job's own keys win; options and filters merge key by key",
  )

/** A job as written in a file (before defaults). */
export type JobInput = z.input<typeof jobSchema>
/** A job after parsing, defaults applied. */
export type Job = z.output<typeof jobSchema>
/** The advanced settings after parsing. */
export type Options = z.output<typeof optionsSchema>
/** The filtering settings after parsing. */
export type Filters = z.output<typeof filtersSchema>
/** The bisync settings after parsing. */
export type BisyncSettings = z.output<typeof bisyncSchema>

/** The JSON Schema for editors of `_defaults.yml`, generated from the zod schema. */
export function defaultsJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: SCHEMA_URLS.defaults,
    title: 'rclone-jobs defaults (_defaults.yml)',
    ...z.toJSONSchema(defaultsSchema, { io: 'input', target: 'draft-2020-12' }),
  }
}

/**
 * A job as a file may write it, for editors: each key a defaults file may set may also be `null`, which drops the
 * value the job would inherit (validation reads a null as "not set" before the job schema sees it).
 */
const jobFileSchema = z
  .strictObject(
    Object.fromEntries(
      Object.entries(jobShape).map(([key, schema]) => [
        key,
        (NOT_IN_DEFAULTS as readonly string[]).includes(key) ? schema : schema.nullable(),
      ]),
    ) as { [K in keyof typeof jobShape]: (typeof jobShape)[K] | z.ZodNullable<(typeof jobShape)[K]> },
  )
  .describe('An rclone-jobs job')

/** The JSON Schema for editors, generated from the zod schema. */
export function jobJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: SCHEMA_URLS.job,
    title: 'rclone-jobs job',
    ...z.toJSONSchema(jobFileSchema, { io: 'input', target: 'draft-2020-12' }),
  }
}
