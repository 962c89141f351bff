/**
 * Stage 2: turn parsed documents into jobs, reporting every problem with its file, line, column and key path:
 * schema errors (with "did you mean"), and the checks that span files (names, overlapping paths, credentials).
 * Pure: no file system, no rclone.
 */
import path from 'node:path'
import type { z } from 'zod'
import { backendType, bucketLevel, remoteOption } from '../places/buckets.js'
import { type Edge, type FlowNode, findCycles, orderEdges } from '../places/order.js'
import { type Place, type PlaceContext, placeOf, relate, relationWords } from '../places/place.js'
import { PlaceIndex } from '../places/place-index.js'
import { credentialKeys, splitRemote, windowsPathWarning } from '../places/rclone-path.js'
import { applyDefaults, defaultsKeyProblems, isMapping, withoutNulls } from './defaults.js'
import { type Diagnostic, formatDiagnostic, formatKeyPath, sortDiagnostics } from './diagnostics.js'
import { durationMs } from './durations.js'
import type { JobDocument } from './load.js'
import { defaultsSchema, type Filters, type Job, jobSchema, NOT_IN_DEFAULTS, type Options } from './schema.js'

/** A destination with the options and filters that apply to it (the job's, overridden by its own). */
export interface ResolvedDestination {
  readonly path: string
  readonly index: number
  readonly options: Options
  readonly filters: Filters
  /** Where it points. */
  readonly place: Place
  /** Where it is written in the job: `destinations[i]` or `destinations[i].path`. */
  readonly keyPath: readonly PropertyKey[]
  /** Where its `backup-dir` points, when it has one. */
  readonly backupPlace?: Place
  /** The job's `versions`, for this destination: where the dated folders go, and for how long they are kept. */
  readonly versions?: { readonly path: string; readonly place: Place; readonly keepMs: number }
}

/** The default `versions.path`: the destination's own path with `.versions` appended (`b2:bk/photos.versions`). */
export function defaultVersionsPath(destination: string): string {
  if (destination.endsWith(':')) return `${destination}.versions`
  return `${destination.replace(/[\\/]+$/, '')}.versions`
}

/** A valid job, with where it was written. */
export interface ValidJob {
  readonly name: string
  readonly file: string
  readonly line: number
  readonly job: Job
  readonly destinations: readonly ResolvedDestination[]
  /** Where the source points. */
  readonly sourcePlace: Place
  /** Where each key path was written, for later diagnostics (schedules, version gates). */
  readonly locate: JobDocument['locate']
}

/** Why a job runs after another one. */
export interface Dependency {
  /** The job that runs first. */
  readonly job: string
  /** `needs`, or `reads`: the dependent job reads a place the first one writes. */
  readonly kind: 'needs' | 'reads'
}

/** What validation found. */
export interface ValidationResult {
  readonly jobs: ValidJob[]
  readonly diagnostics: Diagnostic[]
  /** For each job with any, the jobs that run before it (from `needs` and from where data flows). */
  readonly dependencies: ReadonlyMap<string, readonly Dependency[]>
}

/** What validation knows beyond the job files. */
export interface ValidationOptions {
  /** The remotes the rclone config defines; undefined without any config (remotes then go unchecked). */
  readonly remotes?: readonly string[]
}

/**
 * Validates all documents together. `context` says where relative local paths start and, with a config, what
 * remotes are, for the checks that compare places.
 */
export function validateDocuments(
  documents: readonly JobDocument[],
  context: PlaceContext,
  options: ValidationOptions = {},
): ValidationResult {
  const defaults = checkDefaultsFiles(documents)
  const diagnostics: Diagnostic[] = [...defaults.diagnostics]
  const candidates: ValidJob[] = []
  // Job files not to run, beyond those with an error of their own: an error may be written in a defaults file.
  const heldBack = new Set<string>()
  for (const written of documents) {
    if (written.kind === 'defaults') continue
    if (written.defaults !== undefined && defaults.bad.has(written.defaults)) heldBack.add(written.file)
    const checked = checkJob(written, context, options, defaults.told)
    diagnostics.push(...checked.diagnostics)
    if (checked.job) candidates.push(checked.job)
  }
  const hold = (j: ValidJob) => heldBack.add(j.file)
  diagnostics.push(...crossChecks(candidates, hold))
  const order = orderChecks(candidates, hold)
  diagnostics.push(...order.diagnostics)
  const bad = new Set(diagnostics.filter((d) => d.severity === 'error').map((d) => d.file))
  // Every job of a file with an error is held back: a half-valid file is not run.
  const jobs = candidates.filter((j) => !bad.has(j.file) && !heldBack.has(j.file))
  return { jobs, diagnostics: sortDiagnostics(diagnostics), dependencies: order.dependencies }
}

/**
 * Each defaults file, checked once on its own: what it is told, the files with a problem, and each problem's text
 * (an error in an inherited value, found again in a job below it, is the same diagnostic and is not repeated).
 */
function checkDefaultsFiles(documents: readonly JobDocument[]): {
  diagnostics: Diagnostic[]
  bad: Set<JobDocument>
  told: Set<string>
} {
  const defaultsDocs = new Set<JobDocument>()
  for (const doc of documents) {
    if (doc.kind === 'defaults') defaultsDocs.add(doc)
    else if (doc.defaults !== undefined) defaultsDocs.add(doc.defaults)
  }
  const diagnostics: Diagnostic[] = []
  const bad = new Set<JobDocument>()
  const told = new Set<string>()
  for (const d of defaultsDocs) {
    const found = validateDefaults(d)
    if (found.length > 0) bad.add(d)
    for (const f of found) told.add(formatDiagnostic(f))
    diagnostics.push(...found)
  }
  return { diagnostics, bad, told }
}

/** One job document, with its defaults merged in: what is wrong with it, and the job when it can go on to the cross-job checks. */
function checkJob(
  written: JobDocument,
  context: PlaceContext,
  options: ValidationOptions,
  toldInDefaults: ReadonlySet<string>,
): { diagnostics: Diagnostic[]; job?: ValidJob } {
  const doc =
    written.defaults !== undefined
      ? applyDefaults(written, written.defaults)
      : isMapping(written.value)
        ? { ...written, value: withoutNulls(written.value) }
        : written
  const diagnostics: Diagnostic[] = []
  const at = (message: string): { diagnostics: Diagnostic[] } => {
    diagnostics.push({ severity: 'error', ...doc.locate([]), key: '', message })
    return { diagnostics }
  }
  if (!isMapping(doc.value))
    return at(
      `a job must be a mapping of keys (source, destinations, ...), but this document is ${notMapping(doc.value)}`,
    )
  const parsed = jobSchema.safeParse(doc.value)
  const local: Diagnostic[] = []
  if (!parsed.success) for (const issue of parsed.error.issues) reportIssue(issue, doc, local)
  const raw = doc.value as Record<string, unknown>
  local.push(...credentialProblems(doc, raw))
  if (raw.name === undefined && doc.count > 1) {
    local.push({
      severity: 'error',
      ...doc.locate([]),
      key: 'name',
      message: 'a file with several jobs needs a "name" on each of them',
    })
  }
  const atJob = (list: readonly Diagnostic[]) => inheritedAtJob(list, written, toldInDefaults)
  diagnostics.push(...atJob(local))
  diagnostics.push(...atJob(remoteProblems(doc, raw, context, options.remotes)))
  if (!parsed.success || local.length > 0) return { diagnostics }
  const job = parsed.data
  const jobName = job.name ?? stem(doc.file)
  if (job.name === undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(jobName))
    return at(
      `the job has no "name" and its file stem "${jobName}" is not a valid name (letters, digits, "_", "-"; at most 64); add a name`,
    )
  const destinations = resolveDestinations(job, context)
  diagnostics.push(...atJob(keepWarnings(job, doc)))
  diagnostics.push(...atJob(bucketDiagnostics(job, destinations, doc, context)))
  const line = doc.locate([]).line
  const sourcePlace = placeOf(job.source, context)
  return {
    diagnostics,
    job: { name: jobName, file: doc.file, line, job, destinations, sourcePlace, locate: doc.locate },
  }
}

/** Each destination with its merged options and filters, and the places it writes (itself, backups, versions). */
function resolveDestinations(job: Job, context: PlaceContext): ResolvedDestination[] {
  return job.destinations.map((d, index): ResolvedDestination => {
    const own = typeof d === 'string' ? { path: d } : d
    const options = { ...job.options, ...(own.options ?? {}) }
    const backup = options['backup-dir']
    const versionsPath = job.versions ? (job.versions.path ?? defaultVersionsPath(own.path)) : undefined
    return {
      path: own.path,
      index,
      options,
      filters: mergeFilters(job.filters, own.filters),
      place: placeOf(own.path, context),
      keyPath: typeof d === 'string' ? ['destinations', index] : ['destinations', index, 'path'],
      ...(backup !== undefined ? { backupPlace: placeOf(backup, context) } : {}),
      ...(versionsPath !== undefined && job.versions
        ? {
            versions: {
              path: versionsPath,
              place: placeOf(versionsPath, context),
              keepMs: durationMs(job.versions.keep, true) ?? 0,
            },
          }
        : {}),
    }
  })
}

/**
 * What bucket backends (S3, B2, GCS, Azure Blob, Swift, ...) change for a job, known when a config (or a connection
 * string) names the backend:
 * - `versions` beside a bucket root defaults to another bucket (`s3:photos` -> `s3:photos.versions`), which rclone
 *   creates without asking: it needs the right to create buckets, the name may belong to someone else, and some
 *   providers refuse a dot in a name. Such a job must say where its versions go;
 * - `create-empty-src-dirs` creates nothing there, and rclone reports success: a folder in a bucket is only a prefix
 *   of object names, so an empty one does not exist, unless the remote writes directory markers (rclone 1.65 on).
 */
function bucketDiagnostics(
  job: Job,
  destinations: readonly ResolvedDestination[],
  doc: JobDocument,
  context: PlaceContext,
): Diagnostic[] {
  const out: Diagnostic[] = []
  for (const d of destinations) {
    const level = bucketLevel(d.place)
    if (level === undefined) continue
    const what = `destinations[${d.index}] ("${d.path}")`
    const versionsLevel = d.versions === undefined ? undefined : bucketLevel(d.versions.place)
    if (job.versions?.path === undefined && (versionsLevel === 'bucket' || versionsLevel === 'remote')) {
      out.push({
        severity: 'error',
        ...doc.locate(['versions']),
        key: 'versions',
        message: `${what} is the root of a ${level === 'remote' ? 'bucket remote' : 'bucket'}, so the default versions path "${defaultVersionsPath(d.path)}" would be another bucket, which rclone would create without asking (it needs the right to create buckets, the name may belong to someone else, and some providers refuse a dot in a bucket name); set versions.path to a folder in a bucket you own (such as "${splitRemote(d.path, context.platform)?.remote ?? ''}:my-versions/${d.place.segments[0] ?? 'all'}"), or sync into a folder of the bucket, whose versions then stay beside it`,
      })
    }
    const markers = remoteOption(d.path, 'directory_markers', context)
    if (job['create-empty-src-dirs'] && !/^(?:true|1)$/i.test(markers ?? '')) {
      out.push({
        severity: 'warning',
        ...doc.locate(d.keyPath),
        key: formatKeyPath(d.keyPath),
        message: `create-empty-src-dirs: ${what} is on a bucket backend (${backendType(d.place)}), which has no folders: the empty folders of the source are not created there, though rclone reports success. Directory markers can stand for them from rclone 1.65 on (set directory_markers = true on the remote, where the backend has it: S3, Google Cloud Storage, Azure Blob)`,
      })
    }
  }
  return out
}

const DAY_MS = 24 * 60 * 60 * 1000
const KEEP_UNITS: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  M: 'month',
  y: 'year',
}

/**
 * A `versions.keep` under one day is almost always a slip: in rclone's units `m` is minutes and `M` months, so
 * `6m` meant as half a year prunes every version six minutes after it was made. Said as a warning, with the meaning.
 */
function keepWarnings(job: Job, doc: JobDocument): Diagnostic[] {
  const keep = job.versions?.keep
  if (keep === undefined || (durationMs(keep, true) ?? 0) >= DAY_MS) return []
  const m = /^([\d.]+)(\w)$/.exec(keep)
  const amount = Number(m?.[1])
  const unit = KEEP_UNITS[m?.[2] ?? ''] ?? ''
  const meaning = `${amount} ${unit}${amount === 1 ? '' : 's'}`
  return [
    {
      severity: 'warning',
      ...doc.locate(['versions', 'keep']),
      key: 'versions.keep',
      message: `keep: ${keep} is ${meaning}: each versions folder is pruned by the first run that ends more than ${meaning} after it was made (m is minutes, M is months: six months is 6M)`,
    },
  ]
}

/**
 * Paths that name a remote the config does not define (rclone would stop with "didn't find section in config
 * file"), checked only when a config is known; and spellings of a Windows folder, which on this runner name a
 * remote (`C:\\data` is the remote `C`).
 */
function remoteProblems(
  doc: JobDocument,
  raw: Record<string, unknown>,
  context: PlaceContext,
  remotes: readonly string[] | undefined,
): Diagnostic[] {
  const out: Diagnostic[] = []
  for (const [keyPath, value] of pathsOf(raw)) {
    const windows = windowsPathWarning(value, context.platform, context.remote)
    const name = splitRemote(value, context.platform)?.remote
    const unknown =
      remotes !== undefined &&
      name !== undefined &&
      !name.startsWith(':') &&
      context.remote?.(name.split(',')[0] as string) === undefined
    if (unknown) {
      const known = remotes.length === 0 ? 'it defines none' : `its remotes are ${remotes.join(', ')}`
      out.push({
        severity: 'error',
        ...doc.locate(keyPath),
        key: formatKeyPath(keyPath),
        message: `the remote "${name}" is not in the rclone config (${known}); rclone would stop with "didn't find section in config file"${windows ? `. ${windows}` : ''}`,
      })
    } else if (windows) {
      out.push({ severity: 'warning', ...doc.locate(keyPath), key: formatKeyPath(keyPath), message: windows })
    }
  }
  return out
}

/**
 * A problem in a value a job inherits from its `_defaults.yml`, said at the job: its file and the line of the key
 * (or of the job), naming the job, with the defaults line as the related place. A problem the defaults file shows
 * on its own is said there once, not again for every job below it.
 */
function inheritedAtJob(
  list: readonly Diagnostic[],
  written: JobDocument,
  told: ReadonlySet<string>,
): Diagnostic[] {
  const out: Diagnostic[] = []
  for (const d of list) {
    if (d.file === written.file) {
      out.push(d)
      continue
    }
    if (told.has(formatDiagnostic(d))) continue
    const top = d.key.split(/[.[]/)[0] ?? ''
    const own = isMapping(written.value) && top !== '' && Object.hasOwn(written.value, top)
    const at = own ? written.locate([top], 'key') : written.locate([])
    const name =
      isMapping(written.value) && typeof written.value.name === 'string'
        ? written.value.name
        : stem(written.file)
    out.push({
      ...d,
      file: at.file,
      line: at.line,
      col: at.col,
      message: `job "${name}" inherits ${d.key || 'a value'} from ${d.file}:${d.line}: ${d.message}`,
      related: { file: d.file, line: d.line, col: d.col },
    })
  }
  return out
}

/** What a value that should be a mapping is instead: `a list`, `empty`, `a string`... */
function notMapping(value: unknown): string {
  return Array.isArray(value) ? 'a list' : value === null ? 'empty' : `a ${typeof value}`
}

/** `file:line` of a position, for messages that name the other place of a pair. */
function fileLine(p: { file: string; line: number }): string {
  return `${p.file}:${p.line}`
}

/** A connection string that carries a credential, at every rclone path of a raw job or defaults mapping. */
function credentialProblems(doc: JobDocument, raw: Record<string, unknown>): Diagnostic[] {
  const out: Diagnostic[] = []
  // Path-level checks run on the raw value so they are reported even when other keys are wrong.
  for (const [keyPath, value] of pathsOf(raw)) {
    const creds = credentialKeys(value)
    if (creds.length > 0) {
      out.push({
        severity: 'error',
        ...doc.locate(keyPath),
        key: formatKeyPath(keyPath),
        message: `this connection string carries a credential (${creds.join(', ')}); put credentials in the rclone-config secret or RCLONE_CONFIG_* variables, never in a reviewed file`,
      })
    }
  }
  return out
}

/** A `_defaults.yml` on its own: a mapping of the keys a job may inherit, each value as a job would have it. */
function validateDefaults(doc: JobDocument): Diagnostic[] {
  const value = doc.value
  if (!isMapping(value)) {
    return [
      {
        severity: 'error',
        ...doc.locate([]),
        key: '',
        message: `a _defaults.yml must be a mapping of job keys (mode, options, filters, schedule, ...), but it is ${notMapping(value)}`,
      },
    ]
  }
  const out = defaultsKeyProblems(doc)
  // The keys reported above are not reported again as unknown keys.
  const rest = Object.fromEntries(
    Object.entries(value).filter(([k]) => !(NOT_IN_DEFAULTS as readonly string[]).includes(k)),
  )
  const parsed = defaultsSchema.safeParse(rest)
  if (!parsed.success) for (const issue of parsed.error.issues) reportIssue(issue, doc, out, DEFAULTS_KEYS)
  out.push(...credentialProblems(doc, rest))
  return out
}

/** For a filter key whose error is about a pair, the other key of the pair. */
const PAIRED = new Map([
  ['exclude', 'include'],
  ['include', 'types'],
  ['filter', 'types'],
])

/** The filter keys that together make a destination's pattern rules. */
const PATTERN_KEYS = ['include', 'exclude', 'filter', 'types'] as const

function mergeFilters(job: Filters, own: Filters | undefined): Filters {
  if (own === undefined) return job
  const merged: Filters = { ...job, ...own }
  // A destination that sets its own include/exclude/filter/types replaces the job's pattern rules as a whole, so
  // that overriding include with filter does not leave an ambiguous include+filter (or include+types) mix behind.
  if (PATTERN_KEYS.some((k) => own[k] !== undefined))
    for (const k of PATTERN_KEYS) merged[k] = own[k] as never

  return merged
}

function stem(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/i, '')
}

/** Every rclone path in a raw job, with its key path. */
function pathsOf(raw: Record<string, unknown>): Array<[PropertyKey[], string]> {
  const out: Array<[PropertyKey[], string]> = []
  if (typeof raw.source === 'string') out.push([['source'], raw.source])
  const opts = raw.options as Record<string, unknown> | undefined
  if (opts && typeof opts === 'object' && typeof opts['backup-dir'] === 'string') {
    out.push([['options', 'backup-dir'], opts['backup-dir']])
  }
  const versions = raw.versions as Record<string, unknown> | undefined
  if (versions && typeof versions === 'object' && typeof versions.path === 'string') {
    out.push([['versions', 'path'], versions.path])
  }
  if (Array.isArray(raw.destinations)) {
    raw.destinations.forEach((d: unknown, i) => {
      if (typeof d === 'string') out.push([['destinations', i], d])
      else if (d && typeof d === 'object') {
        const dd = d as Record<string, unknown>
        if (typeof dd.path === 'string') out.push([['destinations', i, 'path'], dd.path])
        const o = dd.options as Record<string, unknown> | undefined
        if (o && typeof o === 'object' && typeof o['backup-dir'] === 'string') {
          out.push([['destinations', i, 'options', 'backup-dir'], o['backup-dir']])
        }
      }
    })
  }
  return out
}

function reportIssue(
  issue: z.core.$ZodIssue,
  doc: JobDocument,
  out: Diagnostic[],
  topKeys: readonly string[] = JOB_KEYS,
): void {
  const keyPath = issue.path as PropertyKey[]
  if (issue.code === 'unrecognized_keys') {
    const known = keyPath.length === 0 ? topKeys : knownKeys(keyPath)
    for (const key of issue.keys) {
      const full = [...keyPath, key]
      const elsewhere = otherSection(key, keyPath, known)
      const hint = elsewhere === undefined ? suggest(key, known) : undefined
      out.push({
        severity: 'error',
        ...doc.locate(full, 'key'),
        key: formatKeyPath(full),
        message: elsewhere
          ? `unknown key "${key}" here; did you mean "${elsewhere.path}"? ${elsewhere.why}`
          : hint
            ? `unknown key "${key}"; did you mean "${hint}"?`
            : `unknown key "${key}"${known.length > 0 ? ` (known keys: ${known.join(', ')})` : ''}`,
      })
    }
    return
  }
  if (issue.code === 'invalid_union') {
    // Report the branch that matches the value's shape, not zod's generic "invalid input".
    const value = getAt(doc.value, keyPath)
    const branches = issue.errors
    const pick =
      value !== null && typeof value === 'object'
        ? branches.find((b) => b.some((i) => i.code !== 'invalid_type' || i.path.length > 0))
        : branches.find((b) => b.every((i) => i.path.length === 0 && i.code !== 'invalid_type'))
    if (pick) {
      for (const sub of pick)
        reportIssue({ ...sub, path: [...keyPath, ...sub.path] } as z.core.$ZodIssue, doc, out, topKeys)
      return
    }
  }
  const value = getAt(doc.value, keyPath)
  const at = doc.locate(keyPath)
  let message = describeIssue(issue, value, keyPath)
  // The other half of a pair may come from a defaults file: say where, or the error reads as a mystery.
  const filtersAt = keyPath.lastIndexOf('filters')
  const other = PAIRED.get(String(keyPath[filtersAt + 1]))
  if (issue.code === 'custom' && filtersAt >= 0 && other !== undefined) {
    const from = doc.locate([...keyPath.slice(0, filtersAt + 1), other])
    if (from.file !== at.file) message += ` (${other} comes from ${from.file}:${from.line})`
  }
  out.push({ severity: 'error', ...at, key: formatKeyPath(keyPath), message })
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown, keyPath: readonly PropertyKey[]): string {
  const last = keyPath[keyPath.length - 1]
  if (issue.code === 'invalid_type') {
    if (value === undefined) return `"${String(last)}" is required`
    return `must be ${article(issue.expected)}, not ${describeValue(value)}`
  }
  if (issue.code === 'invalid_union') {
    if (keyPath[0] === 'destinations')
      return 'must be an rclone path, or a mapping with "path" and optional "options" and "filters"'
    if (keyPath[0] === 'schedule') return 'must be a cron string or a list of cron strings'
    return `has the wrong type (${describeValue(value)})`
  }
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, not ${describeValue(value)}`
  }
  if (issue.code === 'too_small' && issue.origin === 'number')
    return `must be at least ${issue.minimum}, not ${String(value)}`
  if (issue.code === 'too_big' && issue.origin === 'number')
    return `must be at most ${issue.maximum}, not ${String(value)}`
  return issue.message
}

function article(t: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a mapping',
  }
  return names[t] ?? t
}

function describeValue(v: unknown): string {
  if (v === null) return 'null (an empty value)'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`
  if (typeof v === 'number' && !Number.isInteger(v)) return `the fraction ${v}`
  return `${typeof v} ${String(v)}`
}

function getAt(value: unknown, keyPath: readonly PropertyKey[]): unknown {
  let cur = value
  for (const k of keyPath) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<PropertyKey, unknown>)[k]
  }
  return cur
}

const JOB_KEYS = Object.keys(jobSchema.shape)
const DEFAULTS_KEYS = Object.keys(defaultsSchema.shape)
const OPTION_KEYS = Object.keys(jobSchema.shape.options.unwrap().shape)
const FILTER_KEYS = Object.keys(jobSchema.shape.filters.unwrap().shape)

function knownKeys(keyPath: readonly PropertyKey[]): string[] {
  const last = keyPath[keyPath.length - 1]
  if (keyPath.length === 0) return JOB_KEYS
  if (last === 'options') return OPTION_KEYS
  if (last === 'filters') return FILTER_KEYS
  if (keyPath[0] === 'destinations' && keyPath.length === 2) return ['path', 'options', 'filters']
  return []
}

/**
 * A key written one level off: an rclone flag at the top of a job (`transfers:`, `checksum:`, `include:`) belongs
 * under `options` or `filters`, and a job key inside `options` belongs at the top. Matches exactly, or as a typo
 * when no key of the section it is written in is as close.
 */
function otherSection(
  key: string,
  keyPath: readonly PropertyKey[],
  known: readonly string[],
): { path: string; why: string } | undefined {
  const last = keyPath.at(-1)
  const atJob = keyPath.length === 0 || (keyPath[0] === 'destinations' && keyPath.length === 2)
  const prefix = keyPath.length === 0 ? '' : `${formatKeyPath(keyPath)}.`
  const sections: Array<{ keys: readonly string[]; path: (k: string) => string; why: string }> = []
  if (atJob) {
    sections.push(
      { keys: OPTION_KEYS, path: (k) => `${prefix}options.${k}`, why: 'rclone flags go under "options:"' },
      { keys: FILTER_KEYS, path: (k) => `${prefix}filters.${k}`, why: 'filter flags go under "filters:"' },
    )
  } else if (last === 'options' && keyPath.length <= 3) {
    const base = formatKeyPath(keyPath.slice(0, -1))
    sections.push({
      keys: FILTER_KEYS,
      path: (k) => (base === '' ? `filters.${k}` : `${base}.filters.${k}`),
      why: 'filter flags go under "filters:"',
    })
    if (keyPath.length === 1)
      sections.push({ keys: JOB_KEYS, path: (k) => k, why: 'it is a job key, written at the top of the job' })
  } else if (last === 'filters' && keyPath.length <= 3) {
    const base = formatKeyPath(keyPath.slice(0, -1))
    sections.push({
      keys: OPTION_KEYS,
      path: (k) => (base === '' ? `options.${k}` : `${base}.options.${k}`),
      why: 'rclone flags other than filters go under "options:"',
    })
  }
  const normal = key.toLowerCase().replace(/_/g, '-')
  for (const s of sections) if (s.keys.includes(normal)) return { path: s.path(normal), why: s.why }
  if (suggest(key, known) !== undefined) return undefined
  for (const s of sections) {
    const hint = suggest(key, s.keys)
    if (hint !== undefined) return { path: s.path(hint), why: s.why }
  }
  return undefined
}

/** The closest known key by edit distance, when close enough to be a likely typo. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  const k = key.toLowerCase().replace(/_/g, '-')
  let best: string | undefined
  let bestD = Number.POSITIVE_INFINITY
  for (const cand of known) {
    const d = cand === k ? 0 : levenshtein(k, cand)
    if (d < bestD) {
      bestD = d
      best = cand
    }
  }
  if (best === undefined) return undefined
  return bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] as number
      prev[j] = Math.min(
        (prev[j] as number) + 1,
        (prev[j - 1] as number) + 1,
        diag + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
      diag = tmp
    }
  }
  return prev[b.length] as number
}

/**
 * Names unique; destinations not overlapping their own source, and no two written places (destinations, backup
 * folders) of different invocations overlapping: one sync would delete the other's files. Each pair is reported
 * once, at the one written later.
 */
function crossChecks(jobs: readonly ValidJob[], hold: (j: ValidJob) => void): Diagnostic[] {
  const checks = new WrittenPlaces(hold)
  duplicateNames(jobs, checks)
  for (const j of jobs) destinationPlaces(j, checks)
  versionsFolders(jobs, checks)
  return checks.out
}

/** A place some invocation writes, and where it is written. */
interface Written {
  readonly job: ValidJob
  readonly index: number
  readonly keyPath: readonly PropertyKey[]
  readonly what: string
}

/** The places written so far, and the errors found: each new place is compared with those it overlaps. */
class WrittenPlaces {
  readonly out: Diagnostic[] = []
  private readonly written = new PlaceIndex<Written>()

  constructor(private readonly hold: (j: ValidJob) => void) {}

  error(j: ValidJob, keyPath: readonly PropertyKey[], message: string, key = formatKeyPath(keyPath)): void {
    this.hold(j)
    this.out.push({ severity: 'error', ...j.locate(keyPath), key, message })
  }

  /** Reports every place already written that `place` overlaps, then adds it. */
  claim(w: Written, place: Place): void {
    for (const { value: other, relation } of this.written.overlapping(place)) {
      // A backup folder inside its own destination is rclone's to judge (it allows one that filters exclude).
      if (other.job === w.job && other.index === w.index) continue
      const where =
        other.job === w.job
          ? other.what
          : `${other.what} of job "${other.job.name}" (${fileLine(other.job.locate(other.keyPath))})`
      const why =
        w.what.startsWith('backup-dir') && other.what.startsWith('backup-dir')
          ? 'what each sync moves there would overwrite what the other moved; give each destination its own backup-dir'
          : "one sync would delete the other's files"
      this.error(w.job, w.keyPath, `${w.what} ${relationWords(relation)} ${where}; ${why}`)
    }
    this.written.add(place, w)
  }
}

/** The second job of a name, and each after it, is an error at its name (or its file, when the stem is the name). */
function duplicateNames(jobs: readonly ValidJob[], checks: WrittenPlaces): void {
  const byName = new Map<string, ValidJob>()
  for (const j of jobs) {
    const first = byName.get(j.name)
    if (first === undefined) {
      byName.set(j.name, j)
      continue
    }
    const message = `duplicate job name "${j.name}": also used in ${first.file}:${first.line}`
    checks.error(j, j.job.name === undefined ? [] : ['name'], message, 'name')
  }
}

/** A job's destinations and backup folders: apart from its own source, and from every other written place. */
function destinationPlaces(j: ValidJob, checks: WrittenPlaces): void {
  for (const d of j.destinations) {
    const rel = relate(d.place, j.sourcePlace)
    if (rel !== undefined) {
      checks.error(
        j,
        d.keyPath,
        `destination "${d.path}" ${relationWords(rel)} the job's source "${j.job.source}"; a ${j.job.mode} there would read its own output or delete its source`,
      )
    }
    checks.claim(
      { job: j, index: d.index, keyPath: d.keyPath, what: formatKeyPath(d.keyPath.slice(0, 2)) },
      d.place,
    )
    const backup = d.options['backup-dir']
    if (backup === undefined || d.backupPlace === undefined) continue
    const keyPath = backupKeyPath(j, d.index)
    const own = relate(d.backupPlace, j.sourcePlace)
    if (own !== undefined) {
      checks.error(
        j,
        keyPath,
        `backup-dir "${backup}" ${relationWords(own)} the job's source "${j.job.source}"; what the sync moves there would be read back as source`,
      )
    }
    checks.claim(
      { job: j, index: d.index, keyPath, what: `backup-dir of destinations[${d.index}]` },
      d.backupPlace,
    )
  }
}

/**
 * Version folders: on the destination's own storage (rclone moves files there server-side), and apart from every
 * place any job reads or writes (a sync there would delete the versions; a source there would copy them on).
 */
function versionsFolders(jobs: readonly ValidJob[], checks: WrittenPlaces): void {
  const sources = new PlaceIndex<ValidJob>()
  for (const j of jobs) sources.add(j.sourcePlace, j)
  for (const j of jobs) {
    for (const d of j.destinations) {
      if (d.versions === undefined) continue
      const keyPath = j.job.versions?.path !== undefined ? ['versions', 'path'] : ['versions']
      const what = `the versions folder of destinations[${d.index}] ("${d.versions.path}")`
      if (d.versions.place.root !== d.place.root) {
        checks.error(
          j,
          keyPath,
          `${what} is not on the same storage as the destination "${d.path}"; rclone moves replaced files there server-side, so it must be on the destination's remote`,
        )
      }
      const own = relate(d.versions.place, d.place)
      if (own !== undefined) {
        checks.error(
          j,
          keyPath,
          `${what} ${relationWords(own)} the destination "${d.path}"; a sync there would delete the versions or copy them as files`,
        )
      }
      for (const { value: other, relation } of sources.overlapping(d.versions.place)) {
        checks.error(
          j,
          keyPath,
          `${what} ${relationWords(relation)} the source of job "${other.name}" (${other.file}:${other.line}); keep versions apart from every job's paths`,
        )
      }
      checks.claim({ job: j, index: d.index, keyPath, what }, d.versions.place)
    }
  }
}

function backupKeyPath(j: ValidJob, index: number): PropertyKey[] {
  const written = j.job.destinations[index]
  if (typeof written === 'object' && written.options?.['backup-dir'] !== undefined) {
    return ['destinations', index, 'options', 'backup-dir']
  }
  return ['options', 'backup-dir']
}

/**
 * Order between jobs: `needs` that name no job, and cycles (reported at the entry or source that closes them); the
 * dependencies of each job for the executor.
 */
function orderChecks(
  jobs: readonly ValidJob[],
  hold: (j: ValidJob) => void,
): {
  diagnostics: Diagnostic[]
  dependencies: Map<string, Dependency[]>
} {
  const diagnostics: Diagnostic[] = []
  const nodes: FlowNode[] = jobs.map((j) => {
    const bisync = j.job.mode === 'bisync'
    return {
      name: j.name,
      places: [
        { place: j.sourcePlace, access: bisync ? 'both' : 'read' },
        ...j.destinations.map((d) => ({
          place: d.place,
          access: bisync ? ('both' as const) : ('write' as const),
        })),
      ],
      needs: j.job.needs ?? [],
    }
  })
  const { edges, unknownNeeds } = orderEdges(nodes)
  const names = jobs.map((j) => j.name)
  for (const j of jobs) {
    j.job.needs?.forEach((name, at) => {
      if (name !== j.name) return
      hold(j)
      diagnostics.push({
        severity: 'error',
        ...j.locate(['needs', at]),
        key: formatKeyPath(['needs', at]),
        message: `a job cannot need itself ("${name}")`,
      })
    })
  }
  for (const u of unknownNeeds) {
    const j = jobs[u.node] as ValidJob
    const name = j.job.needs?.[u.at] ?? ''
    const hint = suggest(name, names)
    hold(j)
    diagnostics.push({
      severity: 'error',
      ...j.locate(['needs', u.at]),
      key: formatKeyPath(['needs', u.at]),
      message: `needs "${name}", but no job has that name${hint ? `; did you mean "${hint}"?` : ''}`,
    })
  }
  for (const { edge, path } of findCycles(jobs.length, edges)) {
    const j = jobs[edge.to] as ValidJob
    const keyPath = edgeKeyPath(j, edge)
    const chain = path.map((i) => `"${names[i]}"`).join(' → ')
    hold(j)
    diagnostics.push({
      severity: 'error',
      ...j.locate(keyPath),
      key: formatKeyPath(keyPath),
      message: `this closes a cycle of jobs that wait for each other (${chain}, each after the next); no order can run them. Remove a needs entry or change a path so data flows one way`,
    })
  }
  const dependencies = new Map<string, Dependency[]>()
  for (const e of edges) {
    const to = names[e.to] as string
    const list = dependencies.get(to) ?? []
    list.push({ job: names[e.from] as string, kind: e.kind })
    dependencies.set(to, list)
  }
  return { diagnostics, dependencies }
}

function edgeKeyPath(j: ValidJob, e: Edge): PropertyKey[] {
  if (e.kind === 'needs') return ['needs', e.at]
  if (e.at === 0) return ['source']
  return [...((j.destinations[e.at - 1]?.keyPath as PropertyKey[] | undefined) ?? ['destinations'])]
}
