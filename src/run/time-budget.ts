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
 *
 * `--max-duration` alone does not bound a run, measured against a dead S3 server with 1.60.1: its clock starts when
 * the transfer starts ("Transfer session deadline"), after rclone made its remotes, which for S3 below a bucket
 * means asking whether the path is a file, with 10 low-level retries: ~100 s; and it starts again with each of
 * `--retries` attempts that fails before it. So the action stops rclone itself (budgetedRunner) once the budget and
 * BUDGET_GRACE_MS are spent: the step ends within the budget and that grace, whatever rclone does.
 *
 * A cut is only a cut when rclone got somewhere: against a server that is down, rclone's requests fail until the
 * deadline cancels them ("context deadline exceeded") and the run looks cut after 0 files. A run that did nothing
 * and could not read a side's root is `failed`: the next run would meet the same.
 */

import { durationMs, goDuration, readableDuration } from '../jobs/durations.js'
import { maxDurationExitCode } from '../rclone/exit-codes.js'
import { type RcloneOutcome, type RcloneRunner, withFlags } from '../rclone/runner.js'
import { atLeast, SINCE } from '../rclone/versions.js'
import { firstLine } from '../text.js'
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
  const budgetText = settings.budgetMs === undefined ? '' : readableDuration(settings.budgetMs)
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
      if (stoppedByBudget(outcome)) return budgetStop(outcome, budgetText)
      // A run that also met errors the cut does not explain (a server gone, a refused write) failed: going on next
      // time would not fix those (reachedMaxDuration says no then).
      if (result.status !== 'failed' || !reachedMaxDuration(outcome, settings.version)) return undefined
      const limit = byBudget.has(inv)
        ? `the time budget (${budgetText})`
        : `max-duration (${inv.options['max-duration']})`
      const unreached = neverReached(result, outcome)
      if (unreached !== undefined) {
        return {
          status: 'failed',
          reason: `rclone could not reach or list the ${unreached.side} before ${limit} ran out, and did nothing (${unreached.words}); a server that is down or does not answer ends this way. Nothing was cut, so the next run would meet the same`,
        }
      }
      const done = result.transfers === null ? 'some files' : `${result.transfers} files`
      return {
        status: 'incomplete',
        reason: `cut by ${limit} after ${done}; the next run goes on from where this one stopped`,
      }
    },
  }
}

/**
 * Why a run that rclone ended at its --max-duration never got anywhere: it changed, compared and sent nothing, and
 * could not read the root of a side (or connect at all). Undefined when it did get somewhere.
 */
function neverReached(
  result: { transfers: number | null; deletes: number | null; checks: number | null; bytes: number | null },
  outcome: RcloneOutcome,
): { side: string; words: string } | undefined {
  const c = outcome.changes
  const progress =
    (result.transfers ?? 0) + (result.deletes ?? 0) + (result.checks ?? 0) + (result.bytes ?? 0) > 0 ||
    c.copy.count + c.update.count + c.delete.count > 0
  if (progress) return undefined
  const unread = outcome.errorMessages.find((m) => UNREACHED_WORDS.test(m))
  if (unread === undefined) return undefined
  const side = /error reading source root/.test(unread)
    ? 'source'
    : /error reading destination root/.test(unread)
      ? 'destination'
      : 'source or the destination'
  return { side, words: firstLine(unread) }
}

/** rclone's words for a side it could not list or connect to (fs/sync/sync.go, fs/march, the backends' dialers). */
const UNREACHED_WORDS =
  /error reading (?:source|destination) root directory|couldn't connect|failed to make FTP connection|connection refused|no such host|dial tcp|i\/o timeout/i

/** How long rclone may run past the time budget before the action stops it (see budgetedRunner). */
export const BUDGET_GRACE_MS = 10_000

/** Outcomes of runs the action stopped at the end of the time budget and its grace, or did not start after it. */
const stopped = new WeakSet<RcloneOutcome>()

/** Whether the action stopped this run (or did not start it) because the time budget and its grace were spent. */
export function stoppedByBudget(outcome: RcloneOutcome): boolean {
  return stopped.has(outcome)
}

/**
 * `runner`, stopping every rclone it starts once the time budget and BUDGET_GRACE_MS are spent (SIGTERM, through the
 * run's signal) and starting none after that. Spared: bisync, and every command on the bisync state store (`store`):
 * an interrupted bisync, or a state half written, needs a resync. Without a budget, `runner` itself.
 */
export function budgetedRunner(
  runner: RcloneRunner,
  settings: { budgetMs: number | undefined; startedAt: number; now: () => number; store: string },
): RcloneRunner {
  const { budgetMs } = settings
  if (budgetMs === undefined) return runner
  const end = settings.startedAt + budgetMs + BUDGET_GRACE_MS
  return async (args, options = {}) => {
    if (neverCut(args, settings.store)) return runner(args, options)
    const left = end - settings.now()
    if (left <= 0) {
      const out = notStarted()
      stopped.add(out)
      return out
    }
    const stop = new AbortController()
    const outer = options.signal
    const follow = () => stop.abort()
    if (outer?.aborted) stop.abort()
    outer?.addEventListener('abort', follow)
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      stop.abort()
    }, left)
    try {
      const out = await runner(args, { ...options, signal: stop.signal })
      if (timedOut) stopped.add(out)
      return out
    } finally {
      clearTimeout(timer)
      outer?.removeEventListener('abort', follow)
    }
  }
}

/** Whether a command must run to its end: a bisync, or anything on the bisync state store. */
function neverCut(args: readonly string[], store: string): boolean {
  const command = args.find((a) => !a.startsWith('-'))
  if (command === 'bisync') return true
  const root = store.replace(/\/+$/, '')
  return root !== '' && args.some((a) => a === root || a.startsWith(`${root}/`))
}

function notStarted(): RcloneOutcome {
  const none = { count: 0, first: [] }
  return {
    exitCode: null,
    signal: 'SIGTERM',
    stats: undefined,
    changes: { copy: none, update: none, delete: none, bytes: 0 },
    errorMessages: ['not started: the time budget and its grace were spent'],
    textLines: [],
  }
}

/**
 * The result of a run the action stopped at the end of the budget and its grace: `incomplete` when rclone had got
 * somewhere (files changed, or bytes sent by its last progress report), the next run going on from there; `failed`
 * when it had done nothing, still trying to reach or list a side, which the next run would meet again.
 */
function budgetStop(
  outcome: RcloneOutcome,
  budgetText: string,
): { status: 'incomplete' | 'failed'; reason: string } {
  const c = outcome.changes
  const files = c.copy.count + c.update.count + c.delete.count
  const bytes = outcome.stats?.bytes ?? 0
  const at = `stopped at the end of the time budget (${budgetText}) and its ${BUDGET_GRACE_MS / 1000}s grace`
  if (files > 0 || bytes > 0)
    return {
      status: 'incomplete',
      reason: `${at} after ${files} files; the next run goes on from where this one stopped`,
    }
  const last = outcome.errorMessages.at(-1)
  return {
    status: 'failed',
    reason: `${at}, with nothing done: rclone was still trying to reach or list the source or the destination${last === undefined ? '' : ` (${firstLine(last)})`}`,
  }
}
