/**
 * The names rclone bisync gives its listing files, so that stored listings can be put back under the name the
 * current run will look for, whatever folder the workspace is checked out to. rclone names them after the two
 * paths as it sees them (cmd/bisync/bilib/canonical.go, the same from v1.60.1 to v1.75.0):
 *
 *   FsPath(f)        = (f.Name() == "local" ? f.Root() : f.Name() + ":" + f.Root()) + "/"
 *   CanonicalPath(p) = p with leading and trailing / and \ trimmed, then each of [\s\\/:?*] replaced by "_"
 *   SessionName      = CanonicalPath(FsPath(fs1)) + ".." + CanonicalPath(FsPath(fs2))
 *   listings         = <workdir>/<SessionName>.path1.lst and .path2.lst (cmd/bisync/operations.go)
 *
 * From v1.66.0 each side goes through StripHexString, which removes the first `{...}` (the suffix rclone adds to a
 * remote's name when options override its config, fs/newfs.go: "{" + the first 5 characters of base64url(md5 of
 * the overridden options as `key='value'` sorted, comma-separated) + "}"). A local Fs (a plain path, `:local:`, or a
 * config remote of type local) has the absolute path as its root. Pure.
 */
import { createHash } from 'node:crypto'
import path from 'node:path'
import { parseOptionValue, splitOptions, splitRemote } from '../places/rclone-path.js'
import type { RemoteLookup } from '../places/remotes.js'
import { atLeast, SINCE } from './versions.js'

/** The suffixes of the listing files rclone reads (`.path1.lst`) and the ones it leaves after a critical error. */
export const LISTING_SUFFIXES = ['.path1.lst', '.path2.lst'] as const

/** The name one side of a bisync contributes to the session name. */
export function sessionSide(
  spelling: string,
  settings: { cwd: string; version: string; remote?: RemoteLookup },
  depth = 0,
): string {
  const split = splitRemote(spelling)
  let name = 'local'
  let root: string
  if (split === undefined) root = path.resolve(settings.cwd, spelling)
  else {
    const [head = '', ...opts] = splitOptions(split.remote)
    const type = head.startsWith(':') ? head.slice(1) : settings.remote?.(head)?.type
    const aliasTarget = head.startsWith(':') ? undefined : settings.remote?.(head)?.options.remote
    if (type === 'alias' && aliasTarget !== undefined && depth < 8) {
      const joined = split.path === '' ? aliasTarget : `${aliasTarget.replace(/\/+$/, '')}/${split.path}`
      return sessionSide(joined, settings, depth + 1)
    }
    name = head
    if (opts.length > 0) name += overrideSuffix(opts)
    // SFTP keeps an absolute path's leading slash in its root (`sftp:/srv/x` names its listings `sftp__srv_x`,
    // measured with 1.60.1 against OpenSSH); the other remotes drop it (`s3:/b/x` is `s3_b_x`).
    const cleaned = split.path.replace(/\/{2,}/g, '/')
    root =
      type === 'local'
        ? path.resolve(settings.cwd, split.path === '' ? '.' : split.path)
        : type === 'sftp'
          ? cleaned.replace(/(.)\/+$/, '$1')
          : cleaned.replace(/^\/+|\/+$/g, '')
  }
  let fsPath = name === 'local' ? root : `${name}:${root}`
  if (!fsPath.endsWith('/')) fsPath += '/'
  const canonical = fsPath.replace(/^[\\/]+|[\\/]+$/g, '').replace(/[\t\n\f\r \\/:?*]/g, '_')
  return atLeast(settings.version, SINCE.bisyncSessionStripsHex) ? stripHexString(canonical) : canonical
}

/** The session name of a pair: the base name of its listing files. */
export function sessionName(
  path1: string,
  path2: string,
  settings: { cwd: string; version: string; remote?: RemoteLookup },
): string {
  return `${sessionSide(path1, settings)}..${sessionSide(path2, settings)}`
}

function overrideSuffix(opts: readonly string[]): string {
  const pairs = opts.map((o) => {
    const eq = o.indexOf('=')
    const key = (eq < 0 ? o : o.slice(0, eq)).trim().replace(/-/g, '_')
    const value = eq < 0 ? 'true' : parseOptionValue(o.slice(eq + 1))
    return [key, value] as const
  })
  const text = pairs
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}='${v.replace(/'/g, "''")}'`)
    .join(',')
  return `{${createHash('md5').update(text).digest('base64url').slice(0, 5)}}`
}

function stripHexString(p: string): string {
  const open = p.indexOf('{')
  const close = p.indexOf('}')
  return open >= 0 && close > open ? p.slice(0, open) + p.slice(close + 1) : p
}
