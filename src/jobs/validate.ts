/**
 * Stage 2: turn parsed documents into jobs, reporting every problem with its file, line, column and key path:
 * schema errors (with "did you mean"), and the checks that span files (names, overlapping paths, credentials).
 * Pure: no file system, no rclone.
 */
import path from 'node:path'
import type { z } from 'zod'
import { credentialKeys, parseRclonePath, relation } from '../places/rclone-path.js'
import { type Diagnostic, formatKeyPath, sortDiagnostics } from './diagnostics.js'
import type { JobDocument } from './load.js'
import { type Filters, type Job, jobSchema, type Options } from './schema.js'

/** A destination with the options and filters that apply to it (the job's, overridden by its own). */
export interface ResolvedDestination {
  readonly path: string
  readonly index: number
  readonly options: Options
  readonly filters: Filters
}

/** A valid job, with where it was written. */
export interface ValidJob {
  readonly name: string
  readonly file: string
  readonly line: number
  readonly job: Job
  readonly destinations: readonly ResolvedDestination[]
  /** Where each key path was written, for later diagnostics (schedules, version gates). */
  readonly locate: JobDocument['locate']
}

/** What validation found. */
export interface ValidationResult {
  readonly jobs: ValidJob[]
  readonly diagnostics: Diagnostic[]
}

/** Validates all documents together. `cwd` resolves relative local paths for the overlap checks. */
export function validateDocuments(documents: readonly JobDocument[], cwd: string): ValidationResult {
  const diagnostics: Diagnostic[] = []
  const candidates: ValidJob[] = []
  for (const doc of documents) {
    const at = (keyPath: readonly PropertyKey[], message: string, want: 'key' | 'value' = 'value'): void => {
      const p = doc.locate(keyPath, want)
      diagnostics.push({ severity: 'error', file: doc.file, ...p, key: formatKeyPath(keyPath), message })
    }
    if (doc.value === null || typeof doc.value !== 'object' || Array.isArray(doc.value)) {
      const what = Array.isArray(doc.value)
        ? 'a list'
        : doc.value === null
          ? 'empty'
          : `a ${typeof doc.value}`
      at([], `a job must be a mapping of keys (source, destinations, ...), but this document is ${what}`)
      continue
    }
    const parsed = jobSchema.safeParse(doc.value)
    const local: Diagnostic[] = []
    if (!parsed.success) {
      for (const issue of parsed.error.issues) reportIssue(issue, doc, local)
    }
    const raw = doc.value as Record<string, unknown>
    // Path-level checks run on the raw value so they are reported even when other keys are wrong.
    for (const [keyPath, value] of pathsOf(raw)) {
      const creds = credentialKeys(value)
      if (creds.length > 0) {
        const p = doc.locate(keyPath)
        local.push({
          severity: 'error',
          file: doc.file,
          ...p,
          key: formatKeyPath(keyPath),
          message: `this connection string carries a credential (${creds.join(', ')}); put credentials in the rclone-config secret or RCLONE_CONFIG_* variables, never in a reviewed file`,
        })
      }
    }
    const name = typeof raw.name === 'string' ? raw.name : undefined
    if (name === undefined && raw.name === undefined && doc.count > 1) {
      local.push({
        severity: 'error',
        file: doc.file,
        ...doc.locate([]),
        key: 'name',
        message: 'a file with several jobs needs a "name" on each of them',
      })
    }
    diagnostics.push(...local)
    if (!parsed.success || local.length > 0) continue
    const job = parsed.data
    const jobName = job.name ?? stem(doc.file)
    if (job.name === undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(jobName)) {
      at(
        [],
        `the job has no "name" and its file stem "${jobName}" is not a valid name (letters, digits, "_", "-"; at most 64); add a name`,
      )
      continue
    }
    const destinations = job.destinations.map((d, index): ResolvedDestination => {
      if (typeof d === 'string') return { path: d, index, options: job.options, filters: job.filters }
      return {
        path: d.path,
        index,
        options: { ...job.options, ...(d.options ?? {}) },
        filters: mergeFilters(job.filters, d.filters),
      }
    })
    candidates.push({
      name: jobName,
      file: doc.file,
      line: doc.locate([]).line,
      job,
      destinations,
      locate: doc.locate,
    })
  }
  diagnostics.push(...crossChecks(candidates, cwd))
  const bad = new Set(diagnostics.filter((d) => d.severity === 'error').map((d) => d.file))
  // Every job of a file with an error is held back: a half-valid file is not run.
  const jobs = candidates.filter((j) => !bad.has(j.file))
  return { jobs, diagnostics: sortDiagnostics(diagnostics) }
}

function mergeFilters(job: Filters, own: Filters | undefined): Filters {
  if (own === undefined) return job
  const merged: Filters = { ...job, ...own }
  // A destination that sets its own include/exclude/filter replaces the job's pattern rules as a whole, so that
  // overriding include with filter does not leave an ambiguous include+filter mix behind.
  if (own.include !== undefined || own.exclude !== undefined || own.filter !== undefined) {
    merged.include = own.include
    merged.exclude = own.exclude
    merged.filter = own.filter
  }
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

function reportIssue(issue: z.core.$ZodIssue, doc: JobDocument, out: Diagnostic[]): void {
  const keyPath = issue.path as PropertyKey[]
  if (issue.code === 'unrecognized_keys') {
    const parent = getAt(doc.value, keyPath)
    const known = knownKeys(keyPath, parent)
    for (const key of issue.keys) {
      const full = [...keyPath, key]
      const hint = suggest(key, known)
      out.push({
        severity: 'error',
        file: doc.file,
        ...doc.locate(full, 'key'),
        key: formatKeyPath(full),
        message: hint
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
        reportIssue({ ...sub, path: [...keyPath, ...sub.path] } as z.core.$ZodIssue, doc, out)
      return
    }
  }
  const value = getAt(doc.value, keyPath)
  out.push({
    severity: 'error',
    file: doc.file,
    ...doc.locate(keyPath),
    key: formatKeyPath(keyPath),
    message: describeIssue(issue, value, keyPath),
  })
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
const OPTION_KEYS = Object.keys(jobSchema.shape.options.unwrap().shape)
const FILTER_KEYS = Object.keys(jobSchema.shape.filters.unwrap().shape)

function knownKeys(keyPath: readonly PropertyKey[], _parent: unknown): string[] {
  const last = keyPath[keyPath.length - 1]
  if (keyPath.length === 0) return JOB_KEYS
  if (last === 'options') return OPTION_KEYS
  if (last === 'filters') return FILTER_KEYS
  if (keyPath[0] === 'destinations' && keyPath.length === 2) return ['path', 'options', 'filters']
  return []
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

/** Names unique; destinations not overlapping their source or each other. */
function crossChecks(jobs: readonly ValidJob[], cwd: string): Diagnostic[] {
  const out: Diagnostic[] = []
  const byName = new Map<string, ValidJob>()
  for (const j of jobs) {
    const first = byName.get(j.name)
    if (first) {
      const p = j.job.name === undefined ? j.locate([]) : j.locate(['name'])
      out.push({
        severity: 'error',
        file: j.file,
        ...p,
        key: 'name',
        message: `duplicate job name "${j.name}": also used in ${first.file}:${first.line}`,
      })
    } else byName.set(j.name, j)
  }
  interface Dest {
    job: ValidJob
    index: number
    keyPath: PropertyKey[]
    parsed: ReturnType<typeof parseRclonePath>
  }
  const all: Dest[] = []
  for (const j of jobs) {
    const src = parseRclonePath(j.job.source, cwd)
    for (const d of j.destinations) {
      const written = j.job.destinations[d.index]
      const keyPath: PropertyKey[] =
        typeof written === 'string' ? ['destinations', d.index] : ['destinations', d.index, 'path']
      const parsed = parseRclonePath(d.path, cwd)
      const rel = relation(parsed, src)
      if (rel !== undefined) {
        const what = { equal: 'is the same as', inside: 'is inside', contains: 'contains' }[rel]
        out.push({
          severity: 'error',
          file: j.file,
          ...j.locate(keyPath),
          key: formatKeyPath(keyPath),
          message: `destination "${d.path}" ${what} the job's source "${j.job.source}"; a ${j.job.mode} there would read its own output or delete its source`,
        })
      }
      all.push({ job: j, index: d.index, keyPath, parsed })
    }
  }
  for (let i = 0; i < all.length; i++) {
    for (let k = 0; k < i; k++) {
      const a = all[i] as Dest
      const b = all[k] as Dest
      const rel = relation(a.parsed, b.parsed)
      if (rel === undefined) continue
      const what = { equal: 'is the same as', inside: 'is inside', contains: 'contains' }[rel]
      const other =
        a.job === b.job
          ? `destinations[${b.index}]`
          : `destinations[${b.index}] of job "${b.job.name}" (${b.job.file}:${b.job.locate(b.keyPath).line})`
      out.push({
        severity: 'error',
        file: a.job.file,
        ...a.job.locate(a.keyPath),
        key: formatKeyPath(a.keyPath),
        message: `destination ${what} ${other}; one sync would delete the other's files`,
      })
    }
  }
  return out
}
