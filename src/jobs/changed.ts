/**
 * Which jobs a pull request changes: a job is changed when its own file is, or a `_defaults.yml` (or `.yaml`) in its
 * folder or a folder above it, since defaults change the jobs below them. Pure.
 */
import path from 'node:path'

/** The job files (absolute) that a change of `changed` (absolute paths) touches. */
export function changedJobFiles(jobFiles: readonly string[], changed: readonly string[]): Set<string> {
  const changedSet = new Set(changed.map((f) => path.resolve(f)))
  const defaultsDirs = new Set(
    [...changedSet].filter((f) => /^_defaults\.ya?ml$/i.test(path.basename(f))).map((f) => path.dirname(f)),
  )
  const out = new Set<string>()
  for (const file of jobFiles) {
    const abs = path.resolve(file)
    if (changedSet.has(abs)) {
      out.add(abs)
      continue
    }
    for (let dir = path.dirname(abs); ; dir = path.dirname(dir)) {
      if (defaultsDirs.has(dir)) {
        out.add(abs)
        break
      }
      if (path.dirname(dir) === dir) break
    }
  }
  return out
}
