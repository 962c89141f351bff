/**
 * The steps the commands share, each a function over the session: load and validate the job files, select the jobs
 * this event runs, prepare rclone, execute invocations. Commands are sequences of these (see validate.ts, plan.ts,
 * run.ts, check.ts); each step's I/O is here or below, and none of them writes outputs (publish does).
 */

import { readdir, readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { UsageError, UserError } from '../errors.js'
import { readTrigger } from '../github/event.js'
import type { Diagnostic } from '../jobs/diagnostics.js'
import { sortDiagnostics } from '../jobs/diagnostics.js'
import { goDuration } from '../jobs/durations.js'
import { versionProblems } from '../jobs/features.js'
import { isJobFileName } from '../jobs/load.js'
import { scheduleWarnings, workflowCrons } from '../jobs/schedule.js'
import { parseJobPatterns, type Selection, selectJobs } from '../jobs/select.js'
import { storeOverlaps } from '../jobs/state-store.js'
import type { Dependency, ValidationResult, ValidJob } from '../jobs/validate.js'
import { type RcloneRunner, rcloneVersion } from '../rclone/runner.js'
import { printDiagnostics } from '../report/diagnostics.js'
import { type LogGroups, logGroups } from '../report/log-groups.js'
import type { CommandOutcome } from '../report/publish.js'
import { ReportDir, SpoolDir } from '../report/report-dir.js'
import { executeInvocations, type InvocationHook, type InvocationResult, skipped } from '../run/execute.js'
import { matrixFor } from '../run/fan-out.js'
import { type Invocation, planInvocations } from '../run/plan.js'
import { budgetedRunner } from '../run/time-budget.js'
import { plural } from '../text.js'
import { readJobFolder } from './job-folder.js'
import type { Session } from './session.js'

/** The job files, read and validated; every problem is printed already. */
export interface LoadedJobs {
  readonly fileCount: number
  readonly validated: ValidationResult
  readonly diagnostics: readonly Diagnostic[]
  readonly errors: number
}

/** Finds, reads and validates every job file, and prints the problems (annotations and the log). */
export async function loadJobs(session: Session): Promise<LoadedJobs> {
  const { inputs, cwd, out } = session
  const folder = await readJobFolder(inputs.path, cwd, session.context, { remotes: session.remotes })
  if (folder.problems.length > 0 && folder.files.length === 0) {
    throw new UsageError(`no job files found for path "${inputs.path.trim()}": ${folder.problems.join('; ')}`)
  }
  for (const p of folder.problems) out.warning(`path: ${p}`)
  if (folder.files.length === 0)
    out.warning(`no job files (*.yml, *.yaml) under "${inputs.path.trim()}": nothing to do`)
  out.info(`Found ${plural(folder.files.length, 'job file')} under "${inputs.path.trim()}"`)

  const { validated } = folder
  const diagnostics = sortDiagnostics([
    ...folder.diagnostics,
    ...scheduleWarnings(validated.jobs, workflowCrons(await readWorkflows(cwd))),
    ...storeOverlaps(inputs.bisyncState, validated.jobs, session.context),
  ])
  printDiagnostics(out, diagnostics)
  const errors = diagnostics.filter((d) => d.severity === 'error').length
  return { fileCount: folder.files.length, validated, diagnostics, errors }
}

/** The workflow files of the repository, for the check that each job's cron is scheduled somewhere. */
async function readWorkflows(cwd: string): Promise<Array<{ file: string; text: string }>> {
  const dir = path.join(cwd, '.github', 'workflows')
  const names = await readdir(dir).catch(() => [] as string[])
  const out: Array<{ file: string; text: string }> = []
  for (const name of names.filter(isJobFileName).sort()) {
    const text = await readFile(path.join(dir, name), 'utf8').catch(() => undefined)
    if (text !== undefined) out.push({ file: name, text })
  }
  return out
}

/**
 * The jobs this event runs: the `jobs` input, `enabled`, and on a schedule the cron that fired (`byTrigger: false`
 * compares every selected job whatever fired it, as `check` does). A pattern that names no job is a usage error.
 */
export async function selectForEvent(
  session: Session,
  loaded: LoadedJobs,
  byTrigger = true,
): Promise<Selection & { readonly unreadable?: string }> {
  const trigger = await readTrigger(session.env)
  const patterns = parseJobPatterns(session.inputs.jobs)
  const selection = selectJobs(loaded.validated.jobs, patterns, byTrigger ? trigger : {})
  if (patterns.length > 0 && selection.unmatched.length > 0) {
    throw new UsageError(
      `"jobs" names no job for ${selection.unmatched.map((p) => `"${p}"`).join(', ')}; the jobs are: ${loaded.validated.jobs.map((j) => j.name).join(', ')}`,
    )
  }
  return byTrigger && trigger.unreadable !== undefined
    ? { ...selection, unreadable: trigger.unreadable }
    : selection
}

/** What an executing command goes on with: its jobs loaded and selected, the outcome so far, and rclone ready. */
export interface Prepared {
  readonly loaded: LoadedJobs
  readonly selection: Selection
  readonly base: Omit<CommandOutcome, 'success' | 'message' | 'results'>
  readonly rclone: Rclone
}

/**
 * The steps plan, run and check open with: load and validate, select with `select`, prepare rclone. Returns the
 * command's outcome instead when one of them ends it (problems in the job files, nothing to run, rclone gated).
 */
export async function prepareCommand(
  session: Session,
  select: (loaded: LoadedJobs) => Promise<Selection & { readonly unreadable?: string }>,
): Promise<Prepared | { readonly outcome: CommandOutcome }> {
  const loaded = await loadJobs(session)
  if (loaded.errors > 0) return { outcome: refusedForProblems(session, loaded) }
  const selection = await select(loaded)
  const base = baseOutcome(session, loaded, selection)
  if (selection.unreadable !== undefined || selection.selected.length === 0)
    return { outcome: nothingToRun(session, base, selection.unreadable) }
  const rclone = await prepareRclone(session, selection.selected)
  if ('gated' in rclone) return { outcome: gatedOutcome(base, rclone) }
  return { loaded, selection, base, rclone }
}

/** The `matrix` output of the selected jobs; empty when a job file has an error (then nothing runs anywhere). */
export function matrixOf(
  session: Session,
  loaded: LoadedJobs,
  jobs: readonly ValidJob[],
): CommandOutcome['matrix'] {
  if (loaded.errors > 0) return { include: [] }
  return matrixFor(jobs, session.inputs.shards, loaded.validated.dependencies)
}

/** The outcome of a command stopped by problems in job files: nothing ran. */
export function refusedForProblems(session: Session, loaded: LoadedJobs): CommandOutcome {
  return {
    command: session.inputs.command,
    success: false,
    message: `${plural(loaded.errors, 'problem')} in job files; nothing was run (see the list above and the step summary)`,
    results: [],
    excluded: [],
    diagnostics: loaded.diagnostics,
    jobs: loaded.validated.jobs,
    fileCount: loaded.fileCount,
    matrix: { include: [] },
  }
}

/** One skipped result per job and destination that selection left out, with its reason. */
export function excludedResults(selection: Selection): InvocationResult[] {
  const why = new Map(selection.excluded.map((e) => [e.job.name, e.reason]))
  return planInvocations(
    selection.excluded.map((e) => e.job),
    { dryRun: false },
  ).map((inv) => skipped(inv, why.get(inv.job) ?? 'not selected'))
}

/** A started rclone: the runner and the version it reported. */
export interface Rclone {
  readonly runner: RcloneRunner
  readonly version: string
}

/**
 * Installs (or finds) rclone and asks its version; the version-gated features of the jobs are checked against it.
 * Returns the problems instead when a job needs a newer rclone (they are printed already).
 */
export async function prepareRclone(
  session: Session,
  jobs: readonly ValidJob[],
): Promise<Rclone | { readonly gated: readonly Diagnostic[]; readonly version: string }> {
  const binary = await session.deps.resolveRclone(session.inputs)
  // Past the time budget and its grace the action stops rclone itself: rclone's --max-duration starts late and again
  // with each retry. Bisync and its state store are never cut; a plan has no budget.
  const runner = budgetedRunner(session.deps.makeRunner(binary), {
    budgetMs: session.inputs.command === 'plan' ? undefined : session.inputs.timeBudgetMs,
    startedAt: session.startedAt,
    now: session.now,
    store: session.inputs.bisyncState,
  })
  const version = await rcloneVersion(runner, session.env).catch((e: unknown) => {
    throw new UserError(`rclone could not be started: ${e instanceof Error ? e.message : String(e)}`)
  })
  session.out.info(`Using rclone ${version} (${binary})`)
  const gated = versionProblems(jobs, version)
  if (gated.length === 0) return { runner, version }
  printDiagnostics(session.out, gated)
  return { gated, version }
}

/** What executing a command's invocations gave: results in invocation order, and the report folder they wrote. */
export interface Executed {
  readonly results: InvocationResult[]
  readonly reportDir: ReportDir
}

/** What the hooks of a command may use while its invocations run. */
export interface ExecutionIo {
  /** Scratch files removed at the end (rclone check's `--combined` lists). */
  readonly spool: SpoolDir
  /** The log groups, for paths a hook reads (check's differing paths go to the report folder). */
  readonly groups: LogGroups
}

/**
 * Runs the invocations with the command's hooks, bounded by max-parallel: a log group per invocation, each file
 * change into the report folder, a spool folder for parallel logs removed at the end. `verb` names the work in the
 * log (`Running`, `Planning`, `Checking`); `onFinish` hears each result as it is known.
 */
export async function executeAll(
  session: Session,
  rclone: Rclone,
  invocations: readonly Invocation[],
  options: {
    readonly verb: string
    readonly hooks: (io: ExecutionIo) => readonly InvocationHook[]
    /** For each job, the jobs that run (and must succeed) before it. */
    readonly dependencies: ReadonlyMap<string, readonly Dependency[]>
    readonly onFinish?: (inv: Invocation, result: InvocationResult) => void
  },
): Promise<Executed> {
  const { inputs, out } = session
  out.info(
    `${options.verb} ${plural(invocations.length, 'invocation')} with max-parallel ${inputs.maxParallel}${inputs.failFast ? ', fail-fast' : ''}${inputs.timeBudgetMs !== undefined ? `, time budget ${goDuration(inputs.timeBudgetMs)}` : ''}`,
  )
  const temp = session.env.RUNNER_TEMP || os.tmpdir()
  const stamp = `${session.env.GITHUB_RUN_ID ?? 'local'}-${session.env.GITHUB_RUN_ATTEMPT ?? '1'}-${process.pid}`
  const reportDir = new ReportDir(path.join(temp, `rclone-jobs-report-${stamp}`), (t) => out.scrub(t))
  const spool = new SpoolDir(path.join(temp, `rclone-jobs-spool-${stamp}`))
  const groups = logGroups(out, inputs.maxParallel, { report: reportDir, spool })
  try {
    const results = await executeInvocations(invocations, {
      runner: rclone.runner,
      maxParallel: inputs.maxParallel,
      failFast: inputs.failFast,
      env: session.env,
      cwd: session.cwd,
      now: session.now,
      logFile: () => spool.nextPath(),
      version: rclone.version,
      dependencies: options.dependencies,
      events: {
        ...groups,
        onFinish(inv, result, outcome) {
          options.onFinish?.(inv, result)
          groups.onFinish?.(inv, result, outcome)
        },
      },
      hooks: options.hooks({ spool, groups }),
    })
    return { results, reportDir }
  } finally {
    groups.close()
    spool.remove()
  }
}

/** Counts of results by status, for messages. */
export function failedCount(results: readonly InvocationResult[]): number {
  return results.filter((r) => r.status === 'failed').length
}

/** The parts of an outcome every command after selection shares: the jobs, the files, the matrix, what was left out. */
export function baseOutcome(
  session: Session,
  loaded: LoadedJobs,
  selection: Selection,
): Omit<CommandOutcome, 'success' | 'message' | 'results'> {
  return {
    command: session.inputs.command,
    excluded: excludedResults(selection),
    diagnostics: loaded.diagnostics,
    jobs: loaded.validated.jobs,
    fileCount: loaded.fileCount,
    matrix: matrixOf(session, loaded, selection.selected),
  }
}

/**
 * The outcome when nothing may run or there is nothing to run: a schedule event whose cron is unknown (running every
 * job would run other schedules' jobs too), or no job selected (none, all disabled, none on this schedule); then no
 * rclone is installed or started.
 */
export function nothingToRun(
  session: Session,
  base: Omit<CommandOutcome, 'success' | 'message' | 'results'>,
  unreadable: string | undefined,
): CommandOutcome {
  if (unreadable !== undefined) {
    session.out.error(`Nothing was run: ${unreadable}.`)
    return { ...base, success: false, message: `nothing was run: ${unreadable}`, results: [] }
  }
  session.out.info('No job to run.')
  return { ...base, success: true, message: '', results: [] }
}

/** The outcome when a job needs a newer rclone than the one installed: nothing ran. */
export function gatedOutcome(
  base: Omit<CommandOutcome, 'success' | 'message' | 'results'>,
  gated: { readonly gated: readonly Diagnostic[]; readonly version: string },
): CommandOutcome {
  return {
    ...base,
    success: false,
    message: `${plural(gated.gated.length, 'job feature')} need a newer rclone than ${gated.version}; nothing was run`,
    results: [],
    excluded: [],
    diagnostics: [...base.diagnostics, ...gated.gated],
    rcloneVersion: gated.version,
  }
}

/** The outcome of executed invocations: success when none failed; `failure` words the message when some did. */
export function executedOutcome(
  base: Omit<CommandOutcome, 'success' | 'message' | 'results'>,
  executed: Executed,
  version: string,
  failure: (failed: number, total: number) => string,
): CommandOutcome {
  const failed = failedCount(executed.results)
  const names = [...new Set(executed.results.filter((r) => r.status === 'failed').map((r) => r.job))].sort()
  return {
    ...base,
    success: failed === 0,
    message: failed === 0 ? '' : `${failure(failed, executed.results.length)}: ${names.join(', ')}`,
    results: executed.results,
    rcloneVersion: version,
    reportDir: executed.reportDir,
  }
}
