/**
 * The action: inputs -> load -> validate -> select -> plan -> execute -> report. I/O lives here and in the
 * runner; every stage in between is a pure function.
 */
import { appendFile } from 'node:fs/promises'
import * as core from '@actions/core'
import { Outputs } from './constants.js'
import { type Diagnostic, formatDiagnostic } from './diagnostics.js'
import { type ExecuteHooks, executeInvocations, type InvocationResult, skipped } from './execute.js'
import { type ActionInputs, getInputs, UserError } from './inputs.js'
import { findJobFiles, loadJobFiles } from './load.js'
import { type Invocation, planInvocations } from './plan.js'
import { createRcloneRunner, type RcloneRunner, rcloneVersion } from './rclone.js'
import { buildSummary, failedJobs, matrixOutput, redactPath, resultEntries } from './report.js'
import { parseJobPatterns, selectJobs, type Trigger } from './select.js'
import { type ValidJob, validateDocuments } from './validate.js'

/** What `run` needs from the outside world; tests pass their own. */
export interface RunDeps {
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  readonly now: () => number
  /** Resolves the rclone binary for the requested version: `system` means PATH. */
  readonly resolveRclone: (version: string) => Promise<string>
  readonly makeRunner: (binary: string) => RcloneRunner
}

function defaultDeps(): RunDeps {
  return {
    cwd: process.env.GITHUB_WORKSPACE || process.cwd(),
    env: process.env,
    now: Date.now,
    resolveRclone: async (version) => {
      if (version === 'system') return 'rclone'
      throw new UserError(
        `rclone-version "${version}": installing rclone releases is not available in this version of the action; set rclone-version: system and install rclone in an earlier step`,
      )
    },
    makeRunner: createRcloneRunner,
  }
}

/** The trigger from the runner's environment and event payload. */
async function readTrigger(env: NodeJS.ProcessEnv): Promise<Trigger> {
  const eventName = env.GITHUB_EVENT_NAME
  if (eventName !== 'schedule' || !env.GITHUB_EVENT_PATH) return { eventName }
  try {
    const { readFile } = await import('node:fs/promises')
    const payload = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8')) as { schedule?: unknown }
    return { eventName, schedule: typeof payload.schedule === 'string' ? payload.schedule : undefined }
  } catch {
    return { eventName }
  }
}

/** The action's entry point. Every failure ends here in one `setFailed` with a message for users. */
export async function run(deps: RunDeps = defaultDeps()): Promise<void> {
  try {
    const inputs = getInputs()
    const ok = await runCommand(inputs, deps)
    if (!ok.success) core.setFailed(ok.message)
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
  const found = await findJobFiles(inputs.path, deps.cwd)
  if (found.problems.length > 0 && found.files.length === 0) {
    throw new UserError(`no job files found for path "${inputs.path}": ${found.problems.join('; ')}`)
  }
  for (const p of found.problems) core.warning(`path: ${p}`)
  core.info(
    `Found ${found.files.length} job file${found.files.length === 1 ? '' : 's'} under "${inputs.path.trim()}"`,
  )

  const loaded = await loadJobFiles(found.files, deps.cwd)
  const validated = validateDocuments(loaded.documents, deps.cwd)
  const diagnostics = [...loaded.diagnostics, ...validated.diagnostics].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col,
  )
  const trigger = await readTrigger(deps.env)
  const patterns = parseJobPatterns(inputs.jobs)
  const selection = selectJobs(validated.jobs, patterns, trigger)
  reportDiagnostics(diagnostics)
  const errors = diagnostics.filter((d) => d.severity === 'error')
  // With any error nothing runs, so the fan-out is empty too.
  const matrixJobs = errors.length > 0 ? [] : selection.selected.map((j) => j.name)
  core.setOutput(Outputs.Matrix, JSON.stringify(matrixOutput(matrixJobs)))
  const jobCount = validated.jobs.length
  const fileCount = found.files.length

  const finish = async (outcome: CommandOutcome, rcloneVersionText?: string, sections?: string[]) => {
    core.setOutput(Outputs.Results, JSON.stringify(resultEntries(outcome.results)))
    core.setOutput(Outputs.FailedJobs, JSON.stringify(failedJobs(outcome.results)))
    const summary = buildSummary({
      command: inputs.command,
      results: outcome.results,
      diagnostics,
      rcloneVersion: rcloneVersionText,
      jobCount,
      fileCount,
      sections,
    })
    await writeSummary(summary, deps.env)
    return outcome
  }

  if (errors.length > 0) {
    return finish({
      success: false,
      message: `${errors.length} problem${errors.length === 1 ? '' : 's'} in job files; nothing was run (see the list above and the step summary)`,
      results: [],
      diagnostics,
    })
  }
  if (patterns.length > 0 && selection.unmatched.length > 0) {
    throw new UserError(
      `"jobs" names no job for ${selection.unmatched.map((p) => `"${p}"`).join(', ')}; the jobs are: ${validated.jobs.map((j) => j.name).join(', ')}`,
    )
  }
  if (inputs.command === 'validate') {
    core.info(`All ${jobCount} job${jobCount === 1 ? '' : 's'} are valid.`)
    return finish({ success: true, message: '', results: [], diagnostics }, undefined, [
      jobListSection(validated.jobs),
    ])
  }

  const binary = await deps.resolveRclone(inputs.rcloneVersion)
  const runner = deps.makeRunner(binary)
  const version = await rcloneVersion(runner).catch((e: unknown) => {
    throw new UserError(`rclone could not be started: ${e instanceof Error ? e.message : String(e)}`)
  })
  core.info(`Using rclone ${version} (${binary})`)

  const invocations = planInvocations(selection.selected, { dryRun: inputs.command === 'plan' })
  const excludedResults = planInvocations(
    selection.excluded.map((e) => e.job),
    { dryRun: false },
  ).map((inv) =>
    skipped(inv, selection.excluded.find((e) => e.job.name === inv.job)?.reason ?? 'not selected'),
  )
  core.info(
    `Running ${invocations.length} invocation${invocations.length === 1 ? '' : 's'} with max-parallel ${inputs.maxParallel}${inputs.failFast ? ', fail-fast' : ''}`,
  )
  const results = await executeInvocations(invocations, {
    runner,
    maxParallel: inputs.maxParallel,
    failFast: inputs.failFast,
    env: deps.env,
    cwd: deps.cwd,
    now: deps.now,
    events: logEvents(inputs.maxParallel),
    hooks: [],
  })
  const all = [...results, ...excludedResults]
  const failedCount = results.filter((r) => r.status === 'failed').length
  return finish(
    {
      success: failedCount === 0,
      message: `${failedCount} of ${results.length} rclone invocation${results.length === 1 ? '' : 's'} failed: ${failedJobs(results).join(', ')}`,
      results: all,
      diagnostics,
    },
    version,
  )
}

/**
 * Appends to the step summary file. Written here rather than through core.summary, whose file path is cached for
 * the life of the process; without a summary file (a local run) the summary goes to the log.
 */
async function writeSummary(markdown: string, env: NodeJS.ProcessEnv): Promise<void> {
  const file = env.GITHUB_STEP_SUMMARY
  if (file) await appendFile(file, markdown, 'utf8')
  else core.info(`\n${markdown}`)
}

/** Annotations for the first problems, and every problem in the log. */
function reportDiagnostics(diagnostics: readonly Diagnostic[]): void {
  if (diagnostics.length === 0) return
  core.info(`${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} in job files:`)
  for (const d of diagnostics) {
    const props = {
      file: d.file,
      startLine: d.line,
      startColumn: d.col,
      title: d.key ? `rclone-jobs: ${d.key}` : 'rclone-jobs',
    }
    if (d.severity === 'error') core.error(d.message, props)
    else core.warning(d.message, props)
  }
  for (const line of diagnostics.map(formatDiagnostic)) core.info(line)
}

/** Log hooks: one group per invocation. Parallel runs print progress lines live and the whole log when done. */
function logEvents(maxParallel: number): ExecuteHooks {
  const live = maxParallel === 1
  const label = (inv: Invocation) => `${inv.job} → ${redactPath(inv.destination)} (${inv.mode})`
  return {
    onStart(inv) {
      if (live) core.startGroup(label(inv))
      else core.info(`▶ started ${label(inv)}`)
    },
    onLine(inv, line) {
      if (live) core.info(line)
      else if (/Transferred:/.test(line)) core.info(`  ${inv.job} → ${redactPath(inv.destination)}: ${line}`)
    },
    onFinish(inv, result, outcome) {
      const verdict = `${result.status === 'success' ? '✓' : result.status === 'failed' ? '✗' : '–'} ${label(inv)}: ${result.status}${result.reason ? ` (${result.reason})` : ''}, ${result.transfers} transferred, ${result.deletes} deleted, ${result.errors} errors, ${result.durationSeconds}s`
      if (live) {
        core.info(verdict)
        core.endGroup()
      } else {
        core.startGroup(verdict)
        for (const line of outcome?.log ?? []) core.info(line)
        core.endGroup()
      }
      if (result.status === 'failed')
        core.error(`${label(inv)}: ${result.reason ?? 'failed'}`, { title: `rclone-jobs: ${inv.job}` })
    },
  }
}

/** The job list shown by `validate`. */
function jobListSection(jobs: readonly ValidJob[]): string {
  if (jobs.length === 0) return ''
  const rows = jobs.map((j) => {
    const sched =
      j.job.schedule === undefined
        ? ''
        : (Array.isArray(j.job.schedule) ? j.job.schedule : [j.job.schedule]).join(', ')
    return `| ${j.name} | ${j.file}:${j.line} | ${j.job.mode} | ${redactPath(j.job.source)} | ${j.destinations.map((d) => redactPath(d.path)).join('<br>')} | ${sched} | ${j.job.enabled ? 'yes' : 'no'} |`
  })
  return `| job | file | mode | source | destinations | schedule | enabled |\n| --- | --- | --- | --- | --- | --- | --- |\n${rows.join('\n')}\n\n`
}
