/**
 * Time limits. The `time-budget` input bounds the whole step (GitHub stops a job at 6 hours, and a large first sync
 * can take longer): once it is spent no invocation starts, and each one that starts gets `--max-duration` for what
 * is left (the job's own `max-duration` when shorter), with the job's `cutoff-mode`. An invocation that rclone stops
 * at its max-duration, the budget's or the job's own, is `incomplete`: a warning, not a failure, since the next run
 * goes on from where it stopped.
 *
 * What rclone does at the cut (measured with 1.60.1, and read in fs/sync/sync.go and cmd/cmd.go): in-flight
 * transfers stop (`hard`, the default) or finish (`soft`, `cautious`); with `hard`, a sync deletes nothing ("not
 * deleting files as there were IO errors"); it exits 7 (a fatal error) before 1.64 and 10 from 1.64 on, saying
 * "max transfer duration reached as set by --max-duration". Bisync is never cut: an interrupted bisync needs a
 * resync, so a bisync starts only when the budget is not spent and then runs to its end.
 */
import { durationMs, goDuration } from '../jobs/durations.js'
import { maxDurationExitCode } from '../rclone/exit-codes.js'
import { type RcloneOutcome, withFlags } from '../rclone/runner.js'
import { atLeast, SINCE } from '../rclone/versions.js'
import type { InvocationHook } from './execute.js'

/**
 * What rclone logs when it stops at --max-duration, and nothing else: the cut itself, transfers cancelled by it, and
 * the deletions it skips because of them (fs/sync/sync.go, cmd/cmd.go, fs/operations).
 */
const CUT_WORDS =
  /max transfer duration reached|context deadline exceeded|context canceled|not deleting (?:files|directories) as there were IO errors|Fatal error received|Failed to (?:sync|copy) with \d+ errors?: last error was: max transfer duration reached/i

/**
 * Whether rclone stopped because its --max-duration was reached, and nothing else went wrong: by this version's
 * exit code (10 from 1.64; 7 before, which every fatal error shares, so rclone's own message decides) and no error
 * other than the cut's own. A server that failed during the same run makes the invocation failed, not incomplete.
 */
export function reachedMaxDuration(outcome: RcloneOutcome, version: string): boolean {
  if (outcome.exitCode !== maxDurationExitCode(version)) return false
  if (
    !atLeast(version, SINCE.maxDurationExit10) &&
    !outcome.errorMessages.some((m) => /max transfer duration reached/.test(m))
  )
    return false
  return outcome.errorMessages.every((m) => CUT_WORDS.test(m))
}

/** The budget and limits as a hook. `startedAt` is when the step started; `budgetMs` undefined means no budget. */
export function timeLimitHook(settings: {
  budgetMs: number | undefined
  startedAt: number
  now: () => number
  version: string
}): InvocationHook {
  const spent = () => settings.now() - settings.startedAt
  // The invocations whose --max-duration the budget set (not the job's own).
  const byBudget = new WeakSet<object>()
  const budgetText = settings.budgetMs === undefined ? '' : goDuration(settings.budgetMs)
  return {
    async before(inv, args) {
      if (settings.budgetMs === undefined) return undefined
      const left = settings.budgetMs - spent()
      if (left < 1000) {
        return {
          status: 'incomplete',
          reason: `not started: the time budget (${budgetText}) was spent; the next run goes on`,
        }
      }
      if (inv.mode === 'bisync') return undefined
      const own =
        inv.options['max-duration'] === undefined ? undefined : durationMs(inv.options['max-duration'])
      if (own !== undefined && own <= left) return undefined
      byBudget.add(inv)
      return { args: withFlags(args, [`--max-duration=${goDuration(left)}`], ['max-duration']) }
    },
    async after(inv, result, outcome) {
      // A run that also met errors the cut does not explain (a server gone, a refused write) failed: going on next
      // time would not fix those (reachedMaxDuration says no then).
      if (result.status !== 'failed' || !reachedMaxDuration(outcome, settings.version)) return undefined
      const done = result.transfers === null ? 'some files' : `${result.transfers} files`
      return {
        status: 'incomplete',
        reason: `cut by ${byBudget.has(inv) ? `the time budget (${budgetText})` : `max-duration (${inv.options['max-duration']})`} after ${done}; the next run goes on from where this one stopped`,
      }
    },
  }
}

/** How long rclone may run past the time budget before the action stops it (see budgetedRunner). */
export const BUDGET_GRACE_MS = 10_000
