/**
 * The action: inputs -> load -> validate -> select -> plan -> execute -> report. I/O lives here, in the runner and
 * in the reporter; every stage in between is a pure function. Every command shares the first stages
 * (`loadAndValidate`); `validate` stops there, `plan` and `run` go on to `execute`.
 */
import { realpathSync, rmSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import * as core from '@actions/core'
import { Outputs } from './constants.js'
import { UsageError, UserError } from './errors.js'
import { changedFiles, pullRequestBase } from './git.js'
import { type ActionInputs, getInputs } from './inputs.js'
import { changedJobFiles } from './jobs/changed.js'
import { type Diagnostic, formatDiagnostic, sortDiagnostics } from './jobs/diagnostics.js'
import { goDuration } from './jobs/durations.js'
import { versionProblems } from './jobs/features.js'
import { findJobFiles, isJobFileName, loadJobFiles } from './jobs/load.js'
import { scheduleWarnings, workflowCrons } from './jobs/schedule.js'
import { parseJobPatterns, type Selection, selectJobs, type Trigger } from './jobs/select.js'
import { storeOverlaps } from './jobs/state-store.js'
import { type ValidationResult, type ValidJob, validateDocuments } from './jobs/validate.js'
import type { PlaceContext } from './places/place.js'
import { configuredRemotes, remoteLookup } from './places/remotes.js'
import { DEFAULT_DOWNLOAD_URL, installRclone } from './rclone/install.js'
import { oneLine, type RcloneLogEntry } from './rclone/log-reader.js'
import { createRcloneRunner, type RcloneRunner, rcloneVersion } from './rclone/runner.js'
import { prepareConfig, readDefaultConfig } from './rclone/secrets.js'
import { type PlannedChanges, plannedChanges, planSection } from './report/plan-report.js'
import { type LineFile, ReportDir, readLines, SpoolDir } from './report/report-dir.js'
import { actionsReporter, type Reporter } from './report/reporter.js'
import { checkSection, versionsSection } from './report/sections.js'
import {
  buildSummary,
  failedJobs,
  jobListSection,
  redactPath,
  resultEntries,
  SUMMARY_LIMIT_BYTES,
} from './report/summary.js'
import { bisyncHook } from './run/bisync.js'
import { checkHook } from './run/check.js'
import {
  type ExecuteHooks,
  executeInvocations,
  type InvocationHook,
  type InvocationResult,
  skipped,
} from './run/execute.js'
import { matrixFor } from './run/fan-out.js'
import { deletionGuards } from './run/guards.js'
import { HealthPings, resolvePingUrl } from './run/healthcheck.js'
import { type Invocation, planChecks, planInvocations } from './run/plan.js'
import { budgetedRunner, timeLimitHook } from './run/time-budget.js'
import { versionsHook } from './run/versions.js'

/** What `run` needs from the outside world; tests and the CLI pass their own. */
export interface RunDeps {
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  readonly now: () => number
  /** Resolves the rclone binary for the requested version: `system` means PATH. */
  readonly resolveRclone: (inputs: ActionInputs) => Promise<string>
  readonly makeRunner: (binary: string) => RcloneRunner
  /** Where output goes; the Actions runner by default. */
  readonly reporter?: Reporter
  /** Steps around each invocation (guards, state), added to the built-in ones. */
  readonly hooks?: readonly InvocationHook[]
  /** When the step started (the time budget counts from it; `versions` folders are named after it). */
  readonly startedAt?: number
}

/** The dependencies of a real run on a runner. */
export function defaultDeps(): RunDeps {
  return {
    cwd: process.env.GITHUB_WORKSPACE || process.cwd(),
    env: process.env,
    now: Date.now,
    resolveRclone: async (inputs) => {
      if (inputs.rcloneVersion === 'system') return 'rclone'
      const installed = await installRclone({
        version: inputs.rcloneVersion,
        baseUrl: inputs.rcloneDownloadUrl || DEFAULT_DOWNLOAD_URL,
        tempDir: process.env.RUNNER_TEMP,
        log: (m) => core.info(m),
      })
      core.addPath(installed.dir)
      return installed.binary
    },
    makeRunner: createRcloneRunner,
  }
}

/**
 * The trigger from the runner's environment and event payload. A schedule event whose payload does not say which
 * cron fired is unreadable: running every job then would run the crons of other schedules too.
 */
async function readTrigger(env: NodeJS.ProcessEnv): Promise<Trigger> {
  const eventName = env.GITHUB_EVENT_NAME
  if (eventName !== 'schedule') return { eventName }
  const file = env.GITHUB_EVENT_PATH
  if (!file)
    return {
      eventName,
      unreadable: 'a schedule event without GITHUB_EVENT_PATH, so which cron fired is unknown',
    }
  let payload: { schedule?: unknown }
  try {
    payload = JSON.parse(await readFile(file, 'utf8')) as { schedule?: unknown }
  } catch (e) {
    return {
      eventName,
      unreadable: `the schedule event's payload (${file}) could not be read (${e instanceof Error ? e.message : String(e)}), so which cron fired is unknown`,
    }
  }
  if (typeof payload?.schedule !== 'string' || payload.schedule.trim() === '') {
    return {
      eventName,
      unreadable: `the schedule event's payload (${file}) has no "schedule", so which cron fired is unknown`,
    }
  }
  return { eventName, schedule: payload.schedule }
}

/** The workflow files of the repository, for the schedule check. */
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

/** The action's entry point. Every failure ends here in one `setFailed` with a message for users. */
export async function run(deps: RunDeps = defaultDeps()): Promise<void> {
  try {
    const inputs = getInputs()
    const outcome = await runCommand(inputs, deps)
    if (!outcome.success) core.setFailed(outcome.message)
  } catch (e) {
    if (e instanceof UserError) core.setFailed(e.message)
    else if (e instanceof Error) {
      core.debug(e.stack ?? e.message)
      core.setFailed(`rclone-jobs failed unexpectedly: ${e.message}`)
    } else core.setFailed(`rclone-jobs failed unexpectedly: ${String(e)}`)
  }
}

/** What a command ended with. */
export interface CommandOutcome {
  readonly success: boolean
  readonly message: string
  readonly results: readonly InvocationResult[]
  readonly diagnostics: readonly Diagnostic[]
}

/** Runs one command with parsed inputs: the whole pipeline. */
export async function runCommand(inputs: ActionInputs, deps: RunDeps): Promise<CommandOutcome> {
  const out = deps.reporter ?? actionsReporter(deps.env)
  // Secrets are masked before anything is printed; the config file is removed whatever happens.
  const config = await prepareConfig(
    inputs.rcloneConfig,
    deps.env,
    deps.env.RUNNER_TEMP,
    (s) => out.mask(s),
    (m) => out.info(m),
  )
  try {
    const env = config.env
    // Without the input, rclone reads its own config file (a self-hosted runner's): validation reads it too.
    const configText = config.text || (await readDefaultConfig(env))
    const context: PlaceContext = {
      cwd: deps.cwd,
      remote: remoteLookup(configText, env),
      realpath: cachedRealpath(),
    }
    const remotes = configuredRemotes(configText, env)
    const started = { ...deps, env, startedAt: deps.startedAt ?? deps.now() }
    const checked = await loadAndValidate(inputs, started, context, out, remotes)
    if (checked.done) return checked.done
    return await execute(inputs, started, context, checked, out)
  } finally {
    await config.cleanup()
  }
}

/** What the shared first stages found, or the outcome when the command ends there. */
interface Checked {
  readonly done?: CommandOutcome
  readonly validated: ValidationResult
  readonly selection: Selection
  readonly diagnostics: Diagnostic[]
  readonly trigger: Trigger
  readonly finish: (outcome: CommandOutcome, version?: string, sections?: string[]) => Promise<CommandOutcome>
}

/** Find, load, validate and select; `validate` ends here, and so does any command with problems in job files. */
async function loadAndValidate(
  inputs: ActionInputs,
  deps: RunDeps,
  context: PlaceContext,
  out: Reporter,
  remotes: readonly string[] | undefined,
): Promise<Checked> {
  const found = await findJobFiles(inputs.path, deps.cwd)
  if (found.problems.length > 0 && found.files.length === 0) {
    out.setOutput(Outputs.Matrix, JSON.stringify({ include: [] }))
    throw new UsageError(`no job files found for path "${inputs.path.trim()}": ${found.problems.join('; ')}`)
  }
  for (const p of found.problems) out.warning(`path: ${p}`)
  if (found.files.length === 0)
    out.warning(`no job files (*.yml, *.yaml) under "${inputs.path.trim()}": nothing to do`)
  out.info(`Found ${plural(found.files.length, 'job file')} under "${inputs.path.trim()}"`)

  const loaded = await loadJobFiles(found.files, deps.cwd, found.defaults)
  const validated = validateDocuments([...(loaded.defaults ?? []), ...loaded.documents], context, { remotes })
  const crons = workflowCrons(await readWorkflows(deps.cwd))
  const diagnostics = sortDiagnostics([
    ...loaded.diagnostics,
    ...validated.diagnostics,
    ...scheduleWarnings(validated.jobs, crons),
    ...storeOverlaps(inputs.bisyncState, validated.jobs, context),
  ])
  const trigger = await readTrigger(deps.env)
  const patterns = parseJobPatterns(inputs.jobs)
  // A job's crons say when it runs; a check compares every selected job whatever fired it.
  const scheduled = selectJobs(validated.jobs, patterns, inputs.command === 'check' ? {} : trigger)
  const selection = inputs.command === 'plan' ? await changedOnly(inputs, deps, scheduled, out) : scheduled
  reportDiagnostics(out, diagnostics)
  const errors = diagnostics.filter((d) => d.severity === 'error')
  // With any error nothing runs, so the fan-out is empty too.
  const matrix =
    errors.length > 0 ? { include: [] } : matrixFor(selection.selected, inputs.shards, validated.dependencies)
  out.setOutput(Outputs.Matrix, JSON.stringify(matrix))

  const finish = async (outcome: CommandOutcome, version?: string, sections?: string[]) => {
    out.setOutput(Outputs.Results, JSON.stringify(resultEntries(outcome.results)))
    out.setOutput(Outputs.FailedJobs, JSON.stringify(failedJobs(outcome.results)))
    const summary = buildSummary({
      command: inputs.command,
      results: outcome.results,
      diagnostics: outcome.diagnostics,
      rcloneVersion: version,
      jobCount: validated.jobs.length,
      fileCount: found.files.length,
      sections,
    })
    await out.summary(summary)
    return outcome
  }
  const checked = { validated, selection, diagnostics, trigger, finish }

  if (errors.length > 0) {
    return {
      ...checked,
      done: await finish({
        success: false,
        message: `${plural(errors.length, 'problem')} in job files; nothing was run (see the list above and the step summary)`,
        results: [],
        diagnostics,
      }),
    }
  }
  if (patterns.length > 0 && selection.unmatched.length > 0) {
    throw new UsageError(
      `"jobs" names no job for ${selection.unmatched.map((p) => `"${p}"`).join(', ')}; the jobs are: ${validated.jobs.map((j) => j.name).join(', ')}`,
    )
  }
  if (inputs.command === 'validate') {
    out.info(`All ${plural(validated.jobs.length, 'job')} valid.`)
    return {
      ...checked,
      done: await finish({ success: true, message: '', results: [], diagnostics }, undefined, [
        jobListSection(validated.jobs, SUMMARY_LIMIT_BYTES / 2, deps.now()),
      ]),
    }
  }
  return checked
}

/** `plan` and `run`: install rclone, run every selected invocation (dry for a plan), report. */
async function execute(
  inputs: ActionInputs,
  deps: RunDeps & { readonly startedAt: number },
  context: PlaceContext,
  checked: Checked,
  out: Reporter,
): Promise<CommandOutcome> {
  const { selection, diagnostics, finish, validated } = checked
  const dryRun = inputs.command === 'plan'
  const excludedResults = planInvocations(
    selection.excluded.map((e) => e.job),
    { dryRun },
  ).map((inv) =>
    skipped(inv, selection.excluded.find((e) => e.job.name === inv.job)?.reason ?? 'not selected'),
  )
  if (checked.trigger.unreadable !== undefined && inputs.command !== 'check') {
    out.error(`Nothing was run: ${checked.trigger.unreadable}.`)
    return finish({
      success: false,
      message: `nothing was run: ${checked.trigger.unreadable}`,
      results: excludedResults,
      diagnostics,
    })
  }
  if (selection.selected.length === 0) {
    // Nothing to run (no jobs, all disabled, or none on this schedule): no rclone is installed or started.
    out.info('No job to run.')
    return finish({ success: true, message: '', results: excludedResults, diagnostics })
  }

  const binary = await deps.resolveRclone(inputs)
  // Past the time budget and its grace the action stops rclone itself: rclone's --max-duration starts late and again
  // with each retry. Bisync and its state store are never cut.
  const runner = budgetedRunner(deps.makeRunner(binary), {
    budgetMs: inputs.command === 'plan' ? undefined : inputs.timeBudgetMs,
    startedAt: deps.startedAt,
    now: deps.now,
    store: inputs.bisyncState,
  })
  const version = await rcloneVersion(runner).catch((e: unknown) => {
    throw new UserError(`rclone could not be started: ${e instanceof Error ? e.message : String(e)}`)
  })
  out.info(`Using rclone ${version} (${binary})`)
  const gated = versionProblems(selection.selected, version)
  if (gated.length > 0) {
    reportDiagnostics(out, gated)
    return finish(
      {
        success: false,
        message: `${plural(gated.length, 'job feature')} need a newer rclone than ${version}; nothing was run`,
        results: [],
        diagnostics: [...diagnostics, ...gated],
      },
      version,
    )
  }

  const command = inputs.command
  const settings = { dryRun, rcloneVersion: version, runStartedAt: deps.startedAt }
  const invocations =
    command === 'check'
      ? planChecks(selection.selected, settings)
      : planInvocations(selection.selected, settings)
  const verb = { plan: 'Planning', run: 'Running', check: 'Checking', validate: 'Validating' }[command]
  out.info(
    `${verb} ${plural(invocations.length, 'invocation')} with max-parallel ${inputs.maxParallel}${inputs.failFast ? ', fail-fast' : ''}${inputs.timeBudgetMs !== undefined ? `, time budget ${goDuration(inputs.timeBudgetMs)}` : ''}`,
  )
  const changes = new Map<Invocation, PlannedChanges>()
  const temp = deps.env.RUNNER_TEMP || os.tmpdir()
  const stamp = `${deps.env.GITHUB_RUN_ID ?? 'local'}-${deps.env.GITHUB_RUN_ATTEMPT ?? '1'}-${process.pid}`
  const report = new ReportDir(path.join(temp, `rclone-jobs-report-${stamp}`), (t) => out.scrub(t))
  const spool = new SpoolDir(path.join(temp, `rclone-jobs-spool-${stamp}`))
  out.setOutput(Outputs.ReportDir, report.root)
  const events = logEvents(out, inputs.maxParallel, { report, spool })
  const pings = command === 'run' ? healthPings(selection.selected, invocations, deps.env, out) : undefined
  const timeLimits = timeLimitHook({
    budgetMs: command === 'plan' ? undefined : inputs.timeBudgetMs,
    startedAt: deps.startedAt,
    now: deps.now,
    version,
  })
  const hooks: InvocationHook[] =
    command === 'check'
      ? [
          timeLimits,
          checkHook({
            combinedFile: () => spool.nextPath(),
            onPath: (inv, kind, p) => events.onCheckPath(inv, kind, p),
          }),
        ]
      : [
          deletionGuards(runner, { env: deps.env, cwd: deps.cwd, dryRun }),
          timeLimits,
          ...(deps.hooks ?? []),
          versionsHook(runner, { env: deps.env, cwd: deps.cwd, dryRun, now: deps.now }),
          // The bisync hook comes last: it takes a lock that only its own `after` releases.
          bisyncHook(runner, {
            store: inputs.bisyncState,
            tempDir: deps.env.RUNNER_TEMP,
            env: deps.env,
            cwd: deps.cwd,
            dryRun,
            version,
            remote: context.remote,
            owner: deps.env.GITHUB_RUN_ID ? `run ${deps.env.GITHUB_RUN_ID}` : undefined,
          }),
        ]
  if (pings) hooks.unshift({ before: async (inv) => void (await pings.start(inv)) })
  const results = await executeInvocations(invocations, {
    runner,
    maxParallel: inputs.maxParallel,
    failFast: inputs.failFast,
    env: deps.env,
    cwd: deps.cwd,
    now: deps.now,
    logFile: () => spool.nextPath(),
    version,
    dependencies: validated.dependencies,
    events: {
      ...events,
      onFinish(inv, result, outcome) {
        if (dryRun && outcome) changes.set(inv, plannedChanges(outcome))
        pings?.finish(inv, result)
        events.onFinish?.(inv, result, outcome)
      },
    },
    hooks,
  })
  await pings?.settle()
  events.close()
  spool.remove()
  const planned = results.map((r, i) => {
    const c = changes.get(invocations[i] as Invocation)
    return c ? { ...r, wouldCopy: c.copy, wouldUpdate: c.update, wouldDelete: c.delete } : r
  })
  const sections = dryRun
    ? [
        planSection(
          invocations.map((inv, i) => ({
            result: planned[i] as InvocationResult,
            changes: changes.get(inv),
          })),
          SUMMARY_LIMIT_BYTES / 2,
        ),
        versionsSection(planned),
      ]
    : command === 'check'
      ? [checkSection(planned, SUMMARY_LIMIT_BYTES / 2)]
      : [versionsSection(planned)]
  const all = [...planned, ...excludedResults]
  report.writeResults(resultEntries(all))
  const failedCount = results.filter((r) => r.status === 'failed').length
  return finish(
    {
      success: failedCount === 0,
      message:
        command === 'check'
          ? `${failedCount} of ${plural(results.length, 'destination')} do not match their source: ${failedJobs(results).join(', ')}`
          : `${failedCount} of ${plural(results.length, 'rclone invocation')} ${dryRun ? 'would fail or be refused' : 'failed'}: ${failedJobs(results).join(', ')}`,
      results: all,
      diagnostics,
    },
    version,
    sections,
  )
}

/**
 * `changed-only`: on a pull request, a plan of only the jobs whose file (or a `_defaults.yml` above it) the pull
 * request changes; every other selected job is listed as not planned. Without a base commit, every job is planned
 * and the log says why.
 */
async function changedOnly(
  inputs: ActionInputs,
  deps: RunDeps,
  selection: Selection,
  out: Reporter,
): Promise<Selection> {
  if (inputs.changedOnly === 'false') return selection
  const base = await pullRequestBase(deps.env)
  if (base === undefined) {
    if (inputs.changedOnly === 'true')
      out.warning(
        'changed-only: this is not a pull_request event with a base commit in its payload, so every job is planned',
      )
    return selection
  }
  const changed = await changedFiles(deps.cwd, base)
  if ('problem' in changed) {
    out.warning(`changed-only: ${changed.problem}; every job is planned`)
    return selection
  }
  const files = changedJobFiles(
    selection.selected.map((j) => path.resolve(deps.cwd, j.file)),
    changed.files.map((f) => path.join(changed.root, f)),
  )
  const keep = selection.selected.filter((j) => files.has(path.resolve(deps.cwd, j.file)))
  const skip = selection.selected.filter((j) => !files.has(path.resolve(deps.cwd, j.file)))
  out.info(
    `changed-only: this pull request changes ${plural(keep.length, 'job')} (of ${selection.selected.length}); only ${keep.length === 1 ? 'it is' : 'they are'} planned`,
  )
  return {
    ...selection,
    selected: keep,
    excluded: [
      ...selection.excluded,
      ...skip.map((job) => ({
        job,
        reason: 'not planned: this pull request does not change it (changed-only)',
      })),
    ],
  }
}

/** The health pings of the jobs that have a `healthcheck`; each URL is masked before anything is printed. */
function healthPings(
  jobs: readonly ValidJob[],
  invocations: readonly Invocation[],
  env: NodeJS.ProcessEnv,
  out: Reporter,
): HealthPings | undefined {
  const urls = new Map<string, string>()
  for (const j of jobs) {
    if (j.job.healthcheck === undefined) continue
    const r = resolvePingUrl(j.job.healthcheck, env)
    if (r.problem !== undefined) {
      out.warning(`${j.name}: ${r.problem}`, { title: `rclone-jobs: ${j.name}` })
      continue
    }
    if (r.url === undefined) continue
    // A ping URL is a credential: anyone with it can report the job healthy.
    out.mask(r.url)
    urls.set(j.name, r.url)
  }
  if (urls.size === 0) return undefined
  return new HealthPings(urls, invocations, {
    warn: (m) => out.warning(m),
    info: (m) => out.info(m),
    scrub: (t) => out.scrub(t),
    show: redactPath,
  })
}

/**
 * The real path of the longest existing prefix of an absolute path: a symbolic link is the place it points at.
 * Folders already resolved are remembered, so a thousand jobs under one folder cost about one look-up each.
 */
function cachedRealpath(): (abs: string) => string {
  const known = new Map<string, { real: string; exists: boolean }>()
  const resolve = (p: string): { real: string; exists: boolean } => {
    const hit = known.get(p)
    if (hit !== undefined) return hit
    const parent = path.dirname(p)
    let found: { real: string; exists: boolean }
    if (parent === p) found = { real: p, exists: true }
    else {
      const up = resolve(parent)
      // Below a folder that does not exist nothing exists: no need to ask the file system.
      if (!up.exists) found = { real: path.join(up.real, path.basename(p)), exists: false }
      else {
        try {
          found = { real: realpathSync.native(p), exists: true }
        } catch {
          found = { real: path.join(up.real, path.basename(p)), exists: false }
        }
      }
    }
    known.set(p, found)
    return found
  }
  return (abs) => resolve(abs).real
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** An argument as a POSIX shell would need it quoted, for showing the command (it never runs through a shell). */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`
}

/** Annotations for the problems, and every problem in the log (GitHub shows only ten error annotations). */
function reportDiagnostics(out: Reporter, diagnostics: readonly Diagnostic[]): void {
  if (diagnostics.length === 0) return
  out.problem(`${plural(diagnostics.length, 'problem')} in job files:`)
  for (const d of diagnostics) {
    const props = {
      file: d.file,
      startLine: d.line,
      startColumn: d.col,
      title: d.key ? `rclone-jobs: ${d.key}` : 'rclone-jobs',
    }
    if (d.severity === 'error') out.error(d.message, props)
    else out.warning(d.message, props)
  }
  for (const line of diagnostics.map(formatDiagnostic)) out.problem(line)
}

/** Per-file lines each invocation prints in the log before the rest are only counted (report-dir has them all). */
export const FILE_LINES_IN_LOG = 100
/** Other lines (errors, notices) each invocation prints before the rest are only counted. */
export const OTHER_LINES_IN_LOG = 400

/** Whether a log entry reports one file (copied, deleted, skipped in a dry run, checked). */
function isFileLine(entry: RcloneLogEntry | undefined): boolean {
  return entry?.object !== undefined && entry.level !== 'error' && entry.level !== 'critical'
}

/**
 * Log events: one group per invocation, its exact command first. With max-parallel 1 lines print live; in
 * parallel they wait in a spool file (not in memory) and print as one group when the invocation ends. Either way an
 * invocation prints at most FILE_LINES_IN_LOG per-file lines and OTHER_LINES_IN_LOG others, then counts the rest;
 * every file change goes to its report-dir list as it is read.
 */
function logEvents(
  out: Reporter,
  maxParallel: number,
  files: { report: ReportDir; spool: SpoolDir },
): ExecuteHooks & { close(): void; onCheckPath(inv: Invocation, kind: string, path: string): void } {
  const live = maxParallel === 1
  const label = (inv: Invocation) => `${inv.job} → ${redactPath(inv.destination)} (${inv.mode})`
  interface State {
    command?: string
    spool?: LineFile
    fileLines: number
    otherLines: number
    changes: LineFile
    changesName: string
  }
  const states = new Map<Invocation, State>()
  const print = (_inv: Invocation, s: State, line: string) => {
    if (live) out.info(line)
    else s.spool?.write(line)
  }
  return {
    onStart(inv) {
      const { relative, file } = files.report.changesFile(inv.job, inv.destinationIndex, inv.destination)
      states.set(inv, {
        ...(live ? {} : { spool: files.spool.next() }),
        fileLines: 0,
        otherLines: 0,
        changes: files.report.lineFile(file),
        changesName: relative,
      })
      if (live) out.startGroup(label(inv))
      else out.info(`▶ started ${label(inv)}`)
    },
    onCommand(inv, args) {
      const s = states.get(inv)
      if (!s) return
      s.command = oneLine(`$ rclone ${args.map(shellQuote).join(' ')}`)
      if (live) out.info(s.command)
    },
    onLine(inv, line) {
      const s = states.get(inv)
      if (!s) return
      const entry = line.entry
      if (isFileLine(entry)) {
        if (s.fileLines++ < FILE_LINES_IN_LOG) print(inv, s, line.text)
        return
      }
      if (entry?.stats !== undefined) {
        if (!live) out.info(`  ${inv.job} → ${redactPath(inv.destination)}: ${line.text}`)
        print(inv, s, line.text)
      } else if (s.otherLines++ < OTHER_LINES_IN_LOG) print(inv, s, line.text)
    },
    onChange(inv, kind, path) {
      states.get(inv)?.changes.write(`{"change":"${kind}","path":${JSON.stringify(path)}}`)
    },
    onCheckPath(inv, kind, path) {
      states.get(inv)?.changes.write(`{"check":"${kind}","path":${JSON.stringify(path)}}`)
    },
    onFinish(inv, result) {
      const s = states.get(inv)
      states.delete(inv)
      s?.changes.close()
      const icon = { success: '✓', failed: '✗', skipped: '–', incomplete: '⚠' }[result.status]
      const verdict = `${icon} ${label(inv)}: ${result.status}${result.reason ? ` (${result.reason})` : ''}, ${count(result.transfers)} transferred, ${count(result.deletes)} deleted, ${count(result.errors)} errors, ${result.durationSeconds}s`
      const hidden: string[] = []
      if (s && s.fileLines > FILE_LINES_IN_LOG)
        hidden.push(
          `… ${s.fileLines - FILE_LINES_IN_LOG} more per-file lines not shown; every file is listed in ${files.report.root}/${s.changesName}`,
        )
      if (s && s.otherLines > OTHER_LINES_IN_LOG)
        hidden.push(`… ${s.otherLines - OTHER_LINES_IN_LOG} more log lines not shown`)
      if (s === undefined) {
        // Never started (skipped for a dependency, or by fail-fast): one line, no group.
        out.info(verdict)
      } else if (live) {
        for (const h of hidden) out.info(h)
        out.info(verdict)
        out.endGroup()
      } else {
        out.startGroup(verdict)
        if (s?.command) out.info(s.command)
        if (s?.spool) {
          s.spool.close()
          readLines(s.spool.file, (line) => out.info(line))
          rmSync(s.spool.file, { force: true })
        }
        for (const h of hidden) out.info(h)
        out.endGroup()
      }
      if (result.status === 'failed')
        out.error(`${label(inv)}: ${result.reason ?? 'failed'}`, { title: `rclone-jobs: ${inv.job}` })
      if (result.status === 'incomplete')
        out.warning(`${label(inv)}: ${result.reason ?? 'incomplete'}`, { title: `rclone-jobs: ${inv.job}` })
    },
    close() {
      for (const s of states.values()) {
        s.changes.close()
        s.spool?.close()
      }
    },
  }
}

function count(n: number | null): string {
  return n === null ? 'unknown' : String(n)
}
