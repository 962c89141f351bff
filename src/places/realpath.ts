/**
 * Symbolic links resolved for place identity, at run time only (validation compares spellings as written): a
 * workspace reached through a link and its real path are one place.
 */
import { realpathSync } from 'node:fs'
import path from 'node:path'

/**
 * The real path of the longest existing prefix of an absolute path: a symbolic link is the place it points at.
 * Folders already resolved are remembered, so a thousand jobs under one folder cost about one look-up each.
 */
export function cachedRealpath(): (abs: string) => string {
  const known = new Map<string, { real: string; exists: boolean }>()
  const resolve = (p: string): { real: string; exists: boolean } => {
    const hit = known.get(p)
    if (hit !== undefined) return hit
    const parent = path.dirname(p)
    let found: { real: string; exists: boolean }
    if (parent === p) found = { real: p, exists: true }
    else {
      const up = resolve(parent)
      // Below a folder that does not exist nothing exists: no need to ask the file system.
      if (!up.exists) found = { real: path.join(up.real, path.basename(p)), exists: false }
      else {
        try {
          found = { real: realpathSync.native(p), exists: true }
        } catch {
          found = { real: path.join(up.real, path.basename(p)), exists: false }
        }
      }
    }
    known.set(p, found)
    return found
  }
  return (abs) => resolve(abs).real
}
