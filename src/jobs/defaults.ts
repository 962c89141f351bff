/**
 * `_defaults.yml`: a mapping of job keys for every job file in its folder and below. The nearest one applies, whole:
 * defaults files do not chain, so what a job inherits is always in one file next to or above it. A job's own keys
 * win; `options` and `filters` merge key by key; a job's `key: null` drops what it would inherit. Merging keeps where
 * each value was written, so an error in an inherited value points into the defaults file. Pure.
 */
import type { Diagnostic } from './diagnostics.js'
import type { JobDocument } from './document.js'
import { defaultsSchema, NOT_IN_DEFAULTS } from './schema.js'

/** Whether a file name is a defaults file (`_defaults.yml` or `_defaults.yaml`), which holds no job. */
export function isDefaultsFileName(name: string): boolean {
  return name === '_defaults.yml' || name === '_defaults.yaml'
}

/** The job keys whose mappings merge key by key with the defaults'; every other key is taken whole. */
const MERGED_KEYS: readonly string[] = ['options', 'filters']
const DEFAULTS_KEYS = new Set(Object.keys(defaultsSchema.shape))

/** Whether a value is a YAML mapping (a plain object, not a list). */
export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/**
 * Keys a defaults file may not set (`name`, `source`, `destinations`, `needs`), each reported at the key with what
 * to do instead.
 */
export function defaultsKeyProblems(doc: JobDocument): Diagnostic[] {
  if (!isMapping(doc.value)) return []
  const out: Diagnostic[] = []
  for (const key of NOT_IN_DEFAULTS) {
    if (!Object.hasOwn(doc.value, key)) continue
    out.push({
      severity: 'error',
      ...doc.locate([key], 'key'),
      key,
      message: `"${key}" is not allowed in a defaults file: it belongs to one job, so write it in each job file`,
    })
  }
  return out
}

/**
 * The job with its defaults merged in: keys the job does not set come from the defaults, and `options` and
 * `filters` merge key by key (a destination's own `options` and `filters` still override the result). Keys a
 * defaults file may not hold, and keys it does not know, are left out here: they are reported once, in the
 * defaults file itself. `locate` answers with the defaults file for every value that came from it.
 */
export function applyDefaults(job: JobDocument, defaults: JobDocument): JobDocument {
  if (!isMapping(job.value)) return job
  const own = job.value
  const base = isMapping(defaults.value) ? defaults.value : {}
  const inherited: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(base)) {
    if (DEFAULTS_KEYS.has(k) && !Object.hasOwn(own, k)) inherited[k] = v
  }
  const value: Record<string, unknown> = { ...own, ...inherited }
  for (const k of MERGED_KEYS) {
    const d = base[k]
    const j = own[k]
    if (isMapping(d) && isMapping(j)) value[k] = { ...d, ...j }
  }
  const fromDefaults = (keyPath: readonly PropertyKey[]): boolean => {
    const [k0, k1] = keyPath
    if (typeof k0 !== 'string') return false
    if (Object.hasOwn(inherited, k0)) return true
    if (!MERGED_KEYS.includes(k0) || typeof k1 !== 'string') return false
    const d = base[k0]
    const j = own[k0]
    return isMapping(d) && isMapping(j) && !Object.hasOwn(j, k1) && Object.hasOwn(d, k1)
  }
  return {
    ...job,
    value: withoutNulls(value),
    locate: (keyPath, want) =>
      fromDefaults(keyPath) ? defaults.locate(keyPath, want) : job.locate(keyPath, want),
    defaults,
  }
}

/**
 * A job's value with `key: null` taken as "not set", for the keys a defaults file may set: a job drops a value it
 * would inherit (`versions: null`, `healthcheck: null`, `options: null`). `source: null` stays, and is reported as
 * the missing value it is; a null inside `options` or `filters` is a wrong value, as before.
 */
export function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k, v]) => v !== null || !DEFAULTS_KEYS.has(k)))
}
