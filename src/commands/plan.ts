/**
 * `command: plan`: what a run would do from the same state, with the same guards and numbers, and nothing changed
 * anywhere: every invocation runs with `--dry-run`, versions pruning and bisync state are read, never written. On a
 * pull request, `changed-only` plans only the jobs whose files the pull request changes.
 */
import path from 'node:path'
import { pullRequestBase } from '../github/event.js'
import { changedFiles } from '../github/git.js'
import { changedJobFiles } from '../jobs/changed.js'
import type { Selection } from '../jobs/select.js'
import type { CommandOutcome } from '../report/publish.js'
import { bisyncHook } from '../run/bisync.js'
import type { InvocationHook } from '../run/execute.js'
import { deletionGuards } from '../run/guards.js'
import { planInvocations } from '../run/plan.js'
import { plannedChangesHook } from '../run/plan-changes.js'
import { versionsHook } from '../run/versions.js'
import { plural } from '../text.js'
import type { Session } from './session.js'
import { executeAll, executedOutcome, prepareCommand, type Rclone, selectForEvent } from './steps.js'

/** Plans the selected jobs; the outcome fails when a run would fail or be refused. */
export async function plan(session: Session): Promise<CommandOutcome> {
  const prepared = await prepareCommand(session, async (loaded) =>
    changedOnly(session, await selectForEvent(session, loaded)),
  )
  if ('outcome' in prepared) return prepared.outcome
  const { loaded, selection, base, rclone } = prepared
  const bisyncs = selection.selected.filter((j) => j.job.mode === 'bisync').length
  if (bisyncs > 0 && session.inputs.bisyncState === '')
    session.out.warning(
      `${plural(bisyncs, 'bisync job')} not planned: set the bisync-state input to the store your run workflow uses (a plan reads the state there and changes nothing)`,
    )
  const invocations = planInvocations(selection.selected, {
    dryRun: true,
    rcloneVersion: rclone.version,
    runStartedAt: session.startedAt,
  })
  const executed = await executeAll(session, rclone, invocations, {
    verb: 'Planning',
    dependencies: loaded.validated.dependencies,
    hooks: () => planHooks(session, rclone),
  })
  return executedOutcome(
    base,
    executed,
    rclone.version,
    (failed, total) => `${failed} of ${plural(total, 'rclone invocation')} would fail or be refused`,
  )
}

/** The steps around each dry run: the same guards as a run, the planned changes, what pruning would remove, bisync state (read only). */
function planHooks(session: Session, rclone: Rclone): InvocationHook[] {
  const { env, cwd } = session
  return [
    deletionGuards(rclone.runner, { env, cwd, dryRun: true }),
    plannedChangesHook(),
    versionsHook(rclone.runner, { env, cwd, dryRun: true, now: session.now }),
    bisyncHook(rclone.runner, {
      store: session.inputs.bisyncState,
      tempDir: env.RUNNER_TEMP,
      env,
      cwd,
      dryRun: true,
      version: rclone.version,
      remote: session.context.remote,
      owner: env.GITHUB_RUN_ID ? `run ${env.GITHUB_RUN_ID}` : undefined,
    }),
  ]
}

/**
 * `changed-only`: on a pull request, only the jobs whose file (or a `_defaults.yml` above it) the pull request
 * changes; every other selected job is listed as not planned. Without a base commit every job is planned, and the
 * log says why.
 */
async function changedOnly<S extends Selection>(session: Session, selection: S): Promise<S> {
  const { inputs, out, cwd } = session
  if (inputs.changedOnly === 'false') return selection
  const base = await pullRequestBase(session.env)
  if (base === undefined) {
    if (inputs.changedOnly === 'true')
      out.warning(
        'changed-only: this is not a pull_request event with a base commit in its payload, so every job is planned',
      )
    return selection
  }
  const changed = await changedFiles(cwd, base)
  if ('problem' in changed) {
    out.warning(`changed-only: ${changed.problem}; every job is planned`)
    return selection
  }
  // git names files under the repository's real path; the workspace may be reached through a symbolic link (a
  // self-hosted runner's work folder on another disk): both sides are compared as real paths.
  const real = session.context.realpath ?? ((p: string) => p)
  const jobFile = (j: { file: string }) => real(path.resolve(cwd, j.file))
  const files = changedJobFiles(
    selection.selected.map(jobFile),
    changed.files.map((f) => real(path.join(changed.root, f))),
  )
  const keep = selection.selected.filter((j) => files.has(jobFile(j)))
  const skip = selection.selected.filter((j) => !files.has(jobFile(j)))
  if (keep.length === 0) {
    const shown = changed.files.slice(0, 5).join(', ') + (changed.files.length > 5 ? ', ...' : '')
    out.info(
      `changed-only: this pull request changes no job file (${plural(changed.files.length, 'file')} changed${changed.files.length > 0 ? `: ${shown}` : ''}); no job is planned`,
    )
  } else
    out.info(
      `changed-only: this pull request changes ${plural(keep.length, 'job')} (of ${selection.selected.length}); only ${keep.length === 1 ? 'it is' : 'they are'} planned`,
    )
  const reason = 'not planned: this pull request does not change it (changed-only)'
  return {
    ...selection,
    selected: keep,
    excluded: [...selection.excluded, ...skip.map((job) => ({ job, reason }))],
  }
}
