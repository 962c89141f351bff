/**
 * What a plan (`--dry-run`) would change, read from rclone's own per-file reports as its log streamed (every file it
 * skipped because of --dry-run carries `"skipped": "copy" | "delete" | "move into backup dir" | ...`), and the hook
 * that puts it on each result, so the plan's counts travel with the result they belong to.
 */
import type { ChangeList } from '../rclone/log-reader.js'
import type { RcloneOutcome } from '../rclone/runner.js'
import type { InvocationHook } from './execute.js'

/** The changes one invocation would make: counts (null when rclone's log could not be read) and first paths. */
export interface PlannedChanges {
  readonly copy: number | null
  readonly update: number | null
  readonly delete: number | null
  readonly bytes: number | null
  readonly first: {
    readonly copy: readonly string[]
    readonly update: readonly string[]
    readonly delete: readonly string[]
  }
}

/**
 * The planned changes of a dry run. Without a stats block the log was not read as expected, and the counts are
 * unknown rather than zero.
 */
export function plannedChanges(outcome: RcloneOutcome): PlannedChanges {
  const c = outcome.changes
  const known = outcome.stats !== undefined
  const n = (l: ChangeList) => (known ? l.count : null)
  return {
    copy: n(c.copy),
    update: n(c.update),
    // rclone's own count of deletions (a move into a backup folder included) is the one the run reports.
    delete: known ? (outcome.stats?.deletes ?? c.delete.count) : null,
    bytes: known ? c.bytes : null,
    first: { copy: c.copy.first, update: c.update.first, delete: c.delete.first },
  }
}

/** The plan step: each dry run's changes, as counts (`wouldCopy`, ...) and the first paths of each kind. */
export function plannedChangesHook(): InvocationHook {
  return {
    async after(_inv, _result, outcome) {
      const planned = plannedChanges(outcome)
      return {
        planned,
        wouldCopy: planned.copy,
        wouldUpdate: planned.update,
        wouldDelete: planned.delete,
      }
    },
  }
}
