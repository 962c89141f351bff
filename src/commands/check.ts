/**
 * `command: check`: compare every selected destination with its source (`rclone check`, one way for copy, both
 * ways for sync and bisync) and change nothing. A job's schedule does not matter: a check compares every selected
 * job whatever fired it.
 */
import type { CommandOutcome } from '../report/publish.js'
import { checkHook } from '../run/check.js'
import { planChecks } from '../run/plan.js'
import { timeLimitHook } from '../run/time-budget.js'
import { plural } from '../text.js'
import type { Session } from './session.js'
import { executeAll, executedOutcome, prepareCommand, selectForEvent } from './steps.js'

/** Checks the selected jobs' destinations; the outcome fails when one does not match its source. */
export async function check(session: Session): Promise<CommandOutcome> {
  // Every selected job is compared, whatever fired the workflow (byTrigger false).
  const prepared = await prepareCommand(session, (loaded) => selectForEvent(session, loaded, false))
  if ('outcome' in prepared) return prepared.outcome
  const { loaded, selection, base, rclone } = prepared
  const invocations = planChecks(selection.selected, { dryRun: false, rcloneVersion: rclone.version })
  const executed = await executeAll(session, rclone, invocations, {
    verb: 'Checking',
    dependencies: loaded.validated.dependencies,
    hooks: ({ spool, groups }) => [
      timeLimitHook({
        budgetMs: session.inputs.timeBudgetMs,
        startedAt: session.startedAt,
        now: session.now,
        version: rclone.version,
      }),
      checkHook({
        combinedFile: () => spool.nextPath(),
        onPath: (inv, kind, p) => groups.onCheckPath(inv, kind, p),
      }),
    ],
  })
  return executedOutcome(
    base,
    executed,
    rclone.version,
    (failed, total) => `${failed} of ${plural(total, 'destination')} do not match their source`,
  )
}
