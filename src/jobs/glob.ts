/**
 * The one glob dialect of the action: the `path` input's file globs and the `jobs` input's name patterns are both
 * picomatch's (`*`, `?`, `**`, `[abc]`, `[!a]`, `{a,b?}`, `{1..3}`, extglobs such as `@(a|b)`). Not `@actions/glob`
 * for the files: it matches only paths it finds on disk, so job names would still need a second matcher, and its
 * own (minimatch) would be a second dialect; the part it would take over, walking a folder for job files, is a few
 * lines in `findJobFiles`. Pure.
 */
import picomatch from 'picomatch'

/**
 * `posix` reads `[!a]` as "any character but a" (without it picomatch takes the `!` literally); `nonegate` keeps a
 * leading `!` for the caller (an exclusion in `path`, a literal character in `jobs`); `dot` lets `*` and `**` match
 * names that begin with a dot, as the folder walk does.
 */
const OPTIONS: picomatch.PicomatchOptions = { posix: true, nonegate: true, dot: true }

/** Whether a pattern holds glob syntax; without it, it is a plain name or path. */
export function isGlob(pattern: string): boolean {
  return picomatch.scan(pattern, OPTIONS).isGlob
}

/**
 * A path glob split into the folder that holds everything it can match (`jobs/team-*` -> `jobs`; empty for the
 * current folder) and the glob for paths below that folder (`team-*`).
 */
export function splitGlob(pattern: string): { base: string; glob: string } {
  const { base, glob } = picomatch.scan(pattern, OPTIONS)
  return { base, glob }
}

/** A test of whether a name, or a `/`-separated relative path, matches a glob. */
export function globMatcher(glob: string): (subject: string) => boolean {
  return picomatch(glob, OPTIONS)
}
