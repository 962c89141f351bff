/**
 * Where an rclone path points: the one model every check that compares paths uses (nesting, overlaps, order between
 * jobs, the bisync state key, versions and backup folders). Two spellings are one place when they reach the same
 * storage and the same folder on it: `out`, `./out/`, `/ws/out`, `/ws/x/../out` and `:local:/ws/out` are one place;
 * so are `:sftp,host=h,user=u:d` and `:sftp,user=u,host=h,port=22:d/`. With an rclone config (at run time), a config
 * remote is replaced by its backend and connection options, and `alias` (and the other wrappers that only add a
 * layer over another path: crypt, chunker, compress, hasher, cache) by the path it wraps. Pure: the caller passes the
 * working folder, the remotes it knows of and, at run time, a resolver for symbolic links.
 *
 * Paths are read by the rules of the platform rclone runs on, as rclone reads them there. On Windows `C:\\x`, `c:/x`
 * and `\\\\server\\share\\x` are local, `\\` and `/` both separate folders, and local names are compared without
 * case (NTFS's default), so a local place's segments are in lower case there. Elsewhere `C:` is a remote's name and
 * `\\` is a character of a name.
 */
import path from 'node:path'
import { type PathRules, parseOptionValue, splitOptions, splitRemote } from './rclone-path.js'

/** A place: a storage root and the folder segments below it. */
export interface Place {
  /**
   * The storage, as a canonical string: `local` for the local file system; `type{opts}` for a backend with the
   * options that change where data lands, sorted; `remote name:` for a config remote the context cannot resolve.
   */
  readonly root: string
  /** Folder names below the root, with `.`, `..`, empty and trailing segments resolved away. */
  readonly segments: readonly string[]
}

/** How two places relate: `a` is equal to, inside, or contains `b`; undefined when they do not overlap. */
export type Relation = 'equal' | 'inside' | 'contains'

/** A remote from an rclone config or `RCLONE_CONFIG_<NAME>_*` variables: its backend and options. */
export interface RemoteDefinition {
  readonly type: string
  readonly options: Readonly<Record<string, string>>
}

/** What resolving a spelling needs. */
export interface PlaceContext {
  /** Relative local paths are relative to this folder (the workspace, where rclone runs). */
  readonly cwd: string
  /** Looks up a config remote by name; without it (validation without a config) remotes stay unresolved. */
  readonly remote?: (name: string) => RemoteDefinition | undefined
  /** Resolves symbolic links in an absolute local path (run time only); the identity when absent. */
  readonly realpath?: (absolute: string) => string
  /** Whose rules read the spellings: `win32` reads drive letters and UNC paths as local. `process.platform` when absent. */
  readonly platform?: PathRules
}

/**
 * Connection options that change where data lands. Other options (timeouts, chunk sizes, credentials) do not, so
 * they are left out of the identity: two spellings that differ only there are the same place. Keys are compared
 * with `_` for `-` and in lower case, as rclone reads them.
 */
const IDENTITY_KEYS = new Set([
  'host',
  'user',
  'port',
  'url',
  'endpoint',
  'bucket',
  'account',
  'region',
  'root_folder_id',
  'team_drive',
  'drive_id',
  'share_name',
  'shared_with_me',
  'tenant',
  'vendor',
  'domain',
  'library',
  'site',
  'container',
  'namespace',
  'project',
  'subscription',
])

/** Backends whose only job is a layer over the path in their `remote` option: the place is that path's. */
const WRAPPERS = new Set(['alias', 'crypt', 'chunker', 'compress', 'hasher', 'cache'])

/** The ports a backend uses when none is given: `port=22` on sftp is the same server as no port. */
const DEFAULT_PORTS: Readonly<Record<string, string>> = { sftp: '22', ftp: '21', smb: '445' }

/** Backends whose `url` is the server and the folder: its path is folded into the segments. */
const URL_BACKENDS = new Set(['webdav', 'http'])

const MAX_DEPTH = 16

/** Resolves a spelling to its place. Never throws: anything rclone would read as local is local. */
export function placeOf(spelling: string, context: PlaceContext): Place {
  return resolve(spelling, context, 0)
}

function resolve(spelling: string, context: PlaceContext, depth: number): Place {
  const split = splitRemote(spelling, rulesOf(context))
  if (split === undefined) return localPlace(spelling, context)
  const [head, ...rest] = splitOptions(split.remote)
  const name = head ?? ''
  const overrides: Record<string, string> = {}
  for (const o of rest) {
    const eq = o.indexOf('=')
    const key = normKey(eq < 0 ? o : o.slice(0, eq))
    overrides[key] = eq < 0 ? 'true' : parseOptionValue(o.slice(eq + 1))
  }
  if (name.startsWith(':')) {
    return backendPlace(name.slice(1).toLowerCase(), overrides, split.path, context, depth)
  }
  const defined = context.remote?.(name)
  if (defined === undefined || depth >= MAX_DEPTH) {
    // Without the config the remote's name is all there is: overrides that change the storage still count.
    return {
      root: `${name}:${identity(overrides, '')}`,
      segments: remoteSegments(split.path, rulesOf(context)),
    }
  }
  const options: Record<string, string> = {}
  for (const [k, v] of Object.entries(defined.options)) options[normKey(k)] = v
  return backendPlace(defined.type.toLowerCase(), { ...options, ...overrides }, split.path, context, depth)
}

function backendPlace(
  type: string,
  options: Record<string, string>,
  rest: string,
  context: PlaceContext,
  depth: number,
): Place {
  if (type === 'local') return localPlace(rest === '' ? '.' : rest, context)
  if (WRAPPERS.has(type) && options.remote !== undefined && depth < MAX_DEPTH) {
    return resolve(joinSpelling(options.remote, rest), context, depth + 1)
  }
  const segments = remoteSegments(rest, rulesOf(context))
  if (URL_BACKENDS.has(type) && options.url !== undefined) {
    const url = normalizeUrl(options.url)
    if (url !== undefined) {
      const { url: _, ...others } = options
      return {
        root: `${type}{${[`url=${url.origin}`, identity(others, type)].filter((s) => s !== '').join(',')}}`,
        segments: [...url.segments, ...segments],
      }
    }
  }
  return { root: `${type}{${identity(options, type)}}`, segments }
}

/** `remote` joined with a path, as rclone joins an alias target and the path after it. */
function joinSpelling(target: string, rest: string): string {
  if (rest === '') return target
  if (target.endsWith(':') || target.endsWith('/')) return `${target}${rest}`
  return `${target}/${rest}`
}

function identity(options: Record<string, string>, type: string): string {
  const parts: string[] = []
  for (const [key, value] of Object.entries(options)) {
    if (!IDENTITY_KEYS.has(key)) continue
    if (key === 'port' && DEFAULT_PORTS[type] === value) continue
    if (key === 'host') parts.push(`host=${value.toLowerCase()}`)
    else if (key === 'url') parts.push(`url=${normalizeUrl(value)?.full ?? value}`)
    else parts.push(`${key}=${value}`)
  }
  return parts.sort().join(',')
}

/** Scheme and host in lower case, default ports dropped, the path as segments. */
function normalizeUrl(raw: string): { origin: string; segments: string[]; full: string } | undefined {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return undefined
  }
  const segments = cleanSegments(decodeURIComponentSafe(u.pathname), '/')
  const origin = `${u.protocol}//${u.host}`
  return { origin, segments, full: [origin, ...segments].join('/') }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

function rulesOf(context: PlaceContext): PathRules {
  return context.platform ?? process.platform
}

function localPlace(spelling: string, context: PlaceContext): Place {
  if (rulesOf(context) === 'win32') return windowsLocalPlace(spelling, context)
  let abs = path.posix.resolve(context.cwd, spelling)
  if (context.realpath) abs = context.realpath(abs)
  return { root: 'local', segments: cleanSegments(abs, '/') }
}

/**
 * A local place by Windows rules: the first segment is the volume (`c:`, or `\\\\server\\share` for a UNC path),
 * every segment in lower case. `\\\\?\\C:\\x` and `\\\\?\\UNC\\server\\share` (the long-path forms rclone itself uses)
 * are the same places as `C:\\x` and `\\\\server\\share`.
 */
function windowsLocalPlace(spelling: string, context: PlaceContext): Place {
  const plain = spelling
    .replace(/^[\\/]{2}[?.][\\/]UNC[\\/]/i, '\\\\')
    .replace(/^[\\/]{2}[?.][\\/](?=[A-Za-z]:)/, '')
  let abs = path.win32.resolve(context.cwd, plain)
  if (context.realpath) abs = context.realpath(abs)
  const root = path.win32.parse(abs).root
  const volume = root.replace(/[\\/]+$/, '').replace(/\//g, '\\')
  const segments = cleanSegments(abs.slice(root.length), /[\\/]+/)
  return {
    root: 'local',
    segments: (volume === '' ? segments : [volume, ...segments]).map((s) => s.toLowerCase()),
  }
}

/** A remote's path: a leading `/` is not a different place on most backends, so it is dropped. */
function remoteSegments(p: string, rules: PathRules): string[] {
  // rclone turns `\\` into `/` in a remote's path only on Windows (filepath.ToSlash); elsewhere it is a name's.
  return cleanSegments(p, rules === 'win32' ? /[\\/]+/ : '/')
}

function cleanSegments(p: string, separator: string | RegExp): string[] {
  const out: string[] = []
  for (const seg of p.split(separator)) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') out.pop()
    else out.push(seg)
  }
  return out
}

function normKey(k: string): string {
  return k.trim().toLowerCase().replace(/-/g, '_')
}

/** How `a` relates to `b`. */
export function relate(a: Place, b: Place): Relation | undefined {
  if (a.root !== b.root) return undefined
  const n = Math.min(a.segments.length, b.segments.length)
  for (let i = 0; i < n; i++) if (a.segments[i] !== b.segments[i]) return undefined
  if (a.segments.length === b.segments.length) return 'equal'
  return a.segments.length > b.segments.length ? 'inside' : 'contains'
}

/** A string that is equal for two places exactly when they are the same place. */
export function placeKey(p: Place): string {
  return `${p.root}\u0000${p.segments.join('\u0000')}`
}

/** A place as a person reads it, for messages: `/ws/out` (`c:\\ws\\out` on Windows), `sftp{host=h}:data`. */
export function showPlace(p: Place): string {
  return p.root === 'local' ? localPath(p) : `${p.root}:${p.segments.join('/')}`
}

/**
 * The absolute file-system path of a local place, for the platform whose rules made it: `/ws/out`, `c:\\ws\\out`
 * (lower case: Windows finds it all the same), `\\\\server\\share\\x`.
 */
export function localPath(p: Place, platform: PathRules = process.platform): string {
  if (platform !== 'win32') return `/${p.segments.join('/')}`
  const [volume = '', ...rest] = p.segments
  if (/^[a-z]:$/.test(volume) || volume.startsWith('\\\\')) return `${volume}\\${rest.join('\\')}`
  return `\\${p.segments.join('\\')}`
}

/** How a relation reads in a message: "is the same as", "is inside", "contains". */
export function relationWords(r: Relation): string {
  return { equal: 'is the same place as', inside: 'is inside', contains: 'contains' }[r]
}
