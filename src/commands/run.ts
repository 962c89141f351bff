/**
 * `command: run` (the default): validate, select the jobs this event runs, prepare rclone, run every invocation
 * with the guards, the time budget, versions, bisync state and health pings around it.
 */
import type { CommandOutcome } from '../report/publish.js'
import { redactPath } from '../report/summary.js'
import { bisyncHook } from '../run/bisync.js'
import type { InvocationHook } from '../run/execute.js'
import { deletionGuards } from '../run/guards.js'
import { type HealthPings, healthPings } from '../run/healthcheck.js'
import { planInvocations } from '../run/plan.js'
import { timeLimitHook } from '../run/time-budget.js'
import { versionsHook } from '../run/versions.js'
import { plural } from '../text.js'
import type { Session } from './session.js'
import { executeAll, executedOutcome, prepareCommand, type Rclone, selectForEvent } from './steps.js'

/** Runs the selected jobs; the outcome fails when any invocation failed or was refused. */
export async function run(session: Session): Promise<CommandOutcome> {
  const prepared = await prepareCommand(session, (loaded) => selectForEvent(session, loaded))
  if ('outcome' in prepared) return prepared.outcome
  const { loaded, selection, base, rclone } = prepared
  const invocations = planInvocations(selection.selected, {
    dryRun: false,
    rcloneVersion: rclone.version,
    runStartedAt: session.startedAt,
  })
  const pings = healthPings(selection.selected, invocations, session.env, {
    mask: (s) => session.out.mask(s),
    warn: (m) => session.out.warning(m),
    info: (m) => session.out.info(m),
    scrub: (t) => session.out.scrub(t),
    show: redactPath,
  })
  const executed = await executeAll(session, rclone, invocations, {
    verb: 'Running',
    dependencies: loaded.validated.dependencies,
    hooks: () => runHooks(session, rclone, pings),
    onFinish: (inv, result) => pings?.finish(inv, result),
  })
  await pings?.settle()
  return executedOutcome(
    base,
    executed,
    rclone.version,
    (failed, total) => `${failed} of ${plural(total, 'rclone invocation')} failed`,
  )
}

/**
 * The steps around each invocation of a run, in order: the start ping, the deletion guards, the time budget,
 * versions pruning, and last the bisync state (it takes a lock that only its own `after` releases).
 */
function runHooks(session: Session, rclone: Rclone, pings: HealthPings | undefined): InvocationHook[] {
  const { env, cwd } = session
  return [
    ...(pings
      ? [{ before: async (inv: Parameters<HealthPings['start']>[0]) => void (await pings.start(inv)) }]
      : []),
    deletionGuards(rclone.runner, { env, cwd, dryRun: false }),
    timeLimitHook({
      budgetMs: session.inputs.timeBudgetMs,
      startedAt: session.startedAt,
      now: session.now,
      version: rclone.version,
    }),
    versionsHook(rclone.runner, { env, cwd, dryRun: false, now: session.now }),
    bisyncHook(rclone.runner, {
      store: session.inputs.bisyncState,
      tempDir: env.RUNNER_TEMP,
      env,
      cwd,
      dryRun: false,
      version: rclone.version,
      remote: session.context.remote,
      owner: env.GITHUB_RUN_ID ? `run ${env.GITHUB_RUN_ID}` : undefined,
    }),
  ]
}
