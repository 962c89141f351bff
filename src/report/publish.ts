/**
 * The last step of every command: what it ended with becomes the outputs, the report folder's `results.json` and
 * the step summary, all through the reporter's masking. Commands return a `CommandOutcome`; only this writes it.
 */
import { type Command, Outputs } from '../constants.js'
import type { Diagnostic } from '../jobs/diagnostics.js'
import type { ValidJob } from '../jobs/validate.js'
import type { InvocationResult } from '../run/execute.js'
import type { MatrixEntry } from '../run/fan-out.js'
import { planSection } from './plan-report.js'
import { planComment } from './pr-comment.js'
import type { ReportDir } from './report-dir.js'
import type { Reporter } from './reporter.js'
import { checkSection, versionsSection } from './sections.js'
import { buildSummary, failedJobs, jobListSection, resultEntries, SUMMARY_LIMIT_BYTES } from './summary.js'

/** What a command ended with. */
export interface CommandOutcome {
  readonly command: Command
  readonly success: boolean
  /** Why it failed, in a sentence; empty on success. */
  readonly message: string
  /** One per selected job and destination: what it did, or why it did not start (a refusal, a failed dependency). */
  readonly results: readonly InvocationResult[]
  /** One per job and destination left out by selection (disabled, another schedule, not changed), with the reason. */
  readonly excluded: readonly InvocationResult[]
  readonly diagnostics: readonly Diagnostic[]
  /** The valid jobs, for `validate`'s job list. */
  readonly jobs: readonly ValidJob[]
  readonly fileCount: number
  /** The `matrix` output: the selected jobs for `strategy.matrix`, empty when anything is wrong. */
  readonly matrix: { readonly include: readonly MatrixEntry[] }
  readonly rcloneVersion?: string
  /** The report folder the invocations wrote their per-file lists into, when any ran. */
  readonly reportDir?: ReportDir
}

/** Where a plan is posted besides the summary: `comment: true` on a pull request. */
export interface CommentSettings {
  readonly token: string
  readonly env: NodeJS.ProcessEnv
}

/**
 * Writes the outcome: outputs, `results.json` in the report folder, the step summary and, with `comment`, the plan
 * as one pull-request comment.
 */
export async function publish(
  outcome: CommandOutcome,
  out: Reporter,
  now: number,
  comment?: CommentSettings,
): Promise<void> {
  const all = [...outcome.results, ...outcome.excluded]
  const entries = resultEntries(all)
  out.setOutput(Outputs.Matrix, JSON.stringify(outcome.matrix))
  out.setOutput(Outputs.Results, JSON.stringify(entries))
  out.setOutput(Outputs.FailedJobs, JSON.stringify(failedJobs(all)))
  if (outcome.reportDir) {
    out.setOutput(Outputs.ReportDir, outcome.reportDir.root)
    outcome.reportDir.writeResults(entries)
  }
  const summary = buildSummary({
    command: outcome.command,
    results: all,
    diagnostics: outcome.diagnostics,
    rcloneVersion: outcome.rcloneVersion,
    jobCount: outcome.jobs.length,
    fileCount: outcome.fileCount,
    sections: sections(outcome, now),
  })
  await out.summary(summary)
  if (comment) await postComment(outcome.command, summary, out, comment)
}

/**
 * The plan as one pull-request comment, updated on each push. A comment that cannot be written is a warning, never
 * a failed plan: a pull request from a fork gets a read-only token.
 */
async function postComment(
  command: string,
  summary: string,
  out: Reporter,
  settings: CommentSettings,
): Promise<void> {
  if (command !== 'plan') {
    out.notice(`comment: true applies to command: plan only; the ${command} was not posted`)
    return
  }
  try {
    const posted = await planComment({
      env: settings.env,
      token: settings.token,
      body: summary,
      scrub: (t) => out.scrub(t),
    })
    if (posted.action === 'skipped') out.notice(posted.reason)
    else out.info(`comment: ${posted.action} the plan comment on the pull request: ${posted.url}`)
  } catch (e) {
    out.warning(
      `comment: the plan could not be posted on the pull request: ${e instanceof Error ? e.message : String(e)}`,
    )
  }
}

/** The summary sections of a command, after its table. */
function sections(outcome: CommandOutcome, now: number): string[] {
  const half = SUMMARY_LIMIT_BYTES / 2
  switch (outcome.command) {
    case 'validate':
      return outcome.success ? [jobListSection(outcome.jobs, half, now)] : []
    case 'plan':
      return outcome.results.length === 0
        ? []
        : [planSection(outcome.results, half), versionsSection(outcome.results)]
    case 'check':
      return outcome.results.length === 0 ? [] : [checkSection(outcome.results, half)]
    case 'run':
      return [versionsSection(outcome.results)]
  }
}
