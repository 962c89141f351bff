/**
 * Bucket backends: object stores whose remote holds buckets (containers) at its top, and no real folders below them
 * (a folder is only a prefix of object names; an empty one does not exist). What validation needs to know of them,
 * read from a place (its root is `type{options}` once a config resolved the remote) without contacting anything.
 * Pure.
 */
import type { Place, PlaceContext } from './place.js'
import { parseOptionValue, splitOptions, splitRemote } from './rclone-path.js'

/** rclone's backends that keep objects in buckets or containers (their `type` in rclone.conf). */
const BUCKET_BACKENDS = new Set([
  's3',
  'b2',
  'google cloud storage',
  'gcs',
  'azureblob',
  'swift',
  'oracleobjectstorage',
  'qingstor',
  'storj',
])

/** The backend type of a place: `local`, `s3`, `sftp`, ...; undefined for a remote the context could not resolve. */
export function backendType(place: Place): string | undefined {
  if (place.root === 'local') return 'local'
  const brace = place.root.indexOf('{')
  return brace > 0 ? place.root.slice(0, brace) : undefined
}

/** Whether a place is on a bucket backend (known only once its remote is resolved). */
export function isBucketPlace(place: Place): boolean {
  const type = backendType(place)
  return type !== undefined && BUCKET_BACKENDS.has(type)
}

/**
 * Where a place on a bucket backend sits: `remote` for the top of the remote (the list of buckets), `bucket` for the
 * root of one bucket, `inside` below it; undefined when it is not on a bucket backend.
 */
export function bucketLevel(place: Place): 'remote' | 'bucket' | 'inside' | undefined {
  if (!isBucketPlace(place)) return undefined
  return place.segments.length === 0 ? 'remote' : place.segments.length === 1 ? 'bucket' : 'inside'
}

/**
 * A backend option of the remote a spelling uses (`directory_markers`), from its connection string or its config
 * section, `-` read as `_`; undefined when neither sets it (or the remote is not known).
 */
export function remoteOption(spelling: string, key: string, context: PlaceContext): string | undefined {
  const split = splitRemote(spelling, context.platform)
  if (split === undefined) return undefined
  const [name = '', ...overrides] = splitOptions(split.remote)
  const norm = (k: string) => k.trim().toLowerCase().replace(/-/g, '_')
  for (const o of overrides) {
    const eq = o.indexOf('=')
    if (norm(eq < 0 ? o : o.slice(0, eq)) === key) return eq < 0 ? 'true' : parseOptionValue(o.slice(eq + 1))
  }
  if (name.startsWith(':')) return undefined
  const defined = context.remote?.(name)
  for (const [k, v] of Object.entries(defined?.options ?? {})) if (norm(k) === key) return v
  return undefined
}
