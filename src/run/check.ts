/**
 * `command: check`: compare each destination with its source and change nothing. rclone check writes every path
 * to a `--combined` file as it goes (`= ` the same, `+ ` only in the source: missing on the destination, `- ` only in
 * the destination: extra, `* ` different, `! ` an error; cmd/check, the same in every version from 1.60.1); the file is
 * read after rclone ends, in blocks, so a million paths cost no memory. A destination fails when something is
 * missing or different, or could not be compared; extra files fail a `sync` or `bisync` destination and are only
 * listed for a `copy`, which never deletes.
 *
 * Where the two sides have no hash in common (FTP, SFTP without a shell, crypt) rclone compares sizes only, says "No
 * common hash found" (an ERROR line, in every version from 1.60.1) and counts the files as matching: a change that
 * keeps a file's size goes unnoticed. Those matching files are counted as `sizeOnly`, with the reason, so the summary
 * can say so; a job's `check: { download: true }` compares contents instead.
 */
import { rmSync } from 'node:fs'
import { SmallestN } from '../bounded.js'
import { readLines } from '../line-files.js'
import { type RcloneOutcome, withFlags } from '../rclone/runner.js'
import type { CheckCounts, InvocationHook } from './execute.js'
import type { Invocation } from './plan.js'

/** How many paths of each kind a result keeps for the summary. */
export const CHECK_PATHS = 25

/** A kind of path that differs: the keys of CheckCounts' first paths. */
type Kind = keyof CheckCounts['first']

const SYMBOL: Readonly<Record<string, Kind | 'matching'>> = {
  '+': 'missingOnDestination',
  '-': 'extraOnDestination',
  '*': 'differ',
  '!': 'errors',
  '=': 'matching',
}

/** Reads a `--combined` file into counts and first paths; `onPath` sees every path that differs. */
export function readCombined(file: string, onPath?: (kind: Kind, path: string) => void): CheckCounts {
  const counts = { missingOnDestination: 0, extraOnDestination: 0, differ: 0, errors: 0, matching: 0 }
  const first: Record<Kind, SmallestN> = {
    missingOnDestination: new SmallestN(CHECK_PATHS),
    extraOnDestination: new SmallestN(CHECK_PATHS),
    differ: new SmallestN(CHECK_PATHS),
    errors: new SmallestN(CHECK_PATHS),
  }
  readLines(file, (line) => {
    if (line.length < 2 || line[1] !== ' ') return
    const kind = SYMBOL[line[0] as string]
    if (kind === undefined) return
    counts[kind]++
    if (kind === 'matching') return
    const path = line.slice(2)
    first[kind].add(path)
    onPath?.(kind, path)
  })
  return {
    ...counts,
    first: {
      missingOnDestination: first.missingOnDestination.first,
      extraOnDestination: first.extraOnDestination.first,
      differ: first.differ.first,
      errors: first.errors.first,
    },
  }
}

/** Whether a check result is a failure for the job's mode, and why. */
export function checkVerdict(mode: Invocation['mode'], c: CheckCounts): string | undefined {
  const parts: string[] = []
  if (c.missingOnDestination > 0) parts.push(`${c.missingOnDestination} missing on the destination`)
  if (c.differ > 0) parts.push(`${c.differ} different`)
  if (c.errors > 0) parts.push(`${c.errors} could not be compared`)
  if (mode !== 'copy' && c.extraOnDestination > 0)
    parts.push(`${c.extraOnDestination} extra on the destination`)
  return parts.length > 0 ? `the destination does not match its source: ${parts.join(', ')}` : undefined
}

/** The check step: a `--combined` file per invocation, read into the result. */
export function checkHook(settings: {
  combinedFile: () => string
  onPath?: (inv: Invocation, kind: Kind, path: string) => void
}): InvocationHook {
  const files = new Map<Invocation, string>()
  return {
    async before(inv, args) {
      const file = settings.combinedFile()
      files.set(inv, file)
      return { args: withFlags(args, [`--combined=${file}`]) }
    },
    async after(inv, _result, outcome) {
      const file = files.get(inv)
      files.delete(inv)
      if (file === undefined) return undefined
      let counts: CheckCounts
      try {
        counts = readCombined(file, (kind, path) => settings.onPath?.(inv, kind, path))
      } catch {
        // No report: rclone stopped before comparing (a remote it could not reach); its own words are the reason.
        return undefined
      } finally {
        rmSync(file, { force: true })
      }
      const sizeOnly = sizeOnlyOf(inv, outcome, counts.matching)
      if (sizeOnly !== undefined) counts = { ...counts, sizeOnly }
      // A check stopped part way (the time budget) compared only some files: no verdict of "matches" from it.
      if (outcome.exitCode === null) return { check: counts }
      const problem = checkVerdict(inv.mode, counts)
      // rclone check exits 1 on any difference; only a failure by the job's mode counts, or an error of rclone's own
      // that left no paths behind (it could not list a side).
      const rcloneFailedAlone =
        outcome.exitCode !== 0 &&
        counts.errors === 0 &&
        counts.missingOnDestination + counts.differ + counts.extraOnDestination + counts.matching === 0
      if (rcloneFailedAlone) return { check: counts }
      return problem === undefined
        ? { status: 'success', check: counts, reason: undefined, errorLines: undefined }
        : { status: 'failed', check: counts, reason: problem }
    },
  }
}

/** rclone's words when the two sides share no hash (cmd/check/check.go, an fs.Errorf from 1.60.1 to today). */
const NO_COMMON_HASH = /No common hash found/

/**
 * How many of the matching files were compared by size only, and why; undefined when all were compared by hash or
 * content. `matching` is rclone's own count of them ("N hashes could not be checked" is the same number).
 */
export function sizeOnlyOf(
  inv: Pick<Invocation, 'args' | 'options' | 'sourcePlace' | 'destinationPlace'>,
  outcome: Pick<RcloneOutcome, 'errorMessages'>,
  matching: number,
): { count: number; reason: string } | undefined {
  if (inv.args.includes('--download')) return undefined
  if (inv.options['size-only'] === true)
    return { count: matching, reason: 'the job sets size-only, so rclone compares sizes only' }
  if (!outcome.errorMessages.some((m) => NO_COMMON_HASH.test(m))) return undefined
  return { count: matching, reason: noHashReason(inv.sourcePlace.root, inv.destinationPlace.root) }
}

/** Why two storages share no hash, by their backends (a place's root is `type{options}`, or `local`). */
function noHashReason(sourceRoot: string, destinationRoot: string): string {
  const why = (root: string): string | undefined => {
    const type = root.slice(0, Math.max(0, root.indexOf('{')))
    if (type === 'ftp') return 'FTP offers no hashes'
    if (type === 'sftp')
      return 'the SFTP server runs no md5sum or sha1sum for rclone (an SFTP-only account, or shell_type = none)'
    return undefined
  }
  const reason = why(destinationRoot) ?? why(sourceRoot)
  return `${reason ?? 'the source and the destination have no hash in common'}: rclone compared sizes only`
}
