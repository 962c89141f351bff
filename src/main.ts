/**
 * The action: read the inputs, run one command (src/commands), publish what it ended with. Every failure ends in
 * one `setFailed` with a message for users. The runner's real dependencies (installer, rclone, clock) are made here;
 * tests and the CLI pass their own.
 */
import * as core from '@actions/core'
import { check } from './commands/check.js'
import { plan } from './commands/plan.js'
import { run as runJobs } from './commands/run.js'
import { openSession, type RunDeps, type Session } from './commands/session.js'
import { validate } from './commands/validate.js'
import { type Command, Outputs } from './constants.js'
import { UserError } from './errors.js'
import { type ActionInputs, getInputs } from './inputs.js'
import { DEFAULT_DOWNLOAD_URL, installRclone } from './rclone/install.js'
import { createRcloneRunner } from './rclone/runner.js'
import { type CommandOutcome, publish } from './report/publish.js'
import { actionsReporter } from './report/reporter.js'

export type { RunDeps } from './commands/session.js'
export type { CommandOutcome } from './report/publish.js'

/** The commands of the `command` input. */
const COMMANDS: Readonly<Record<Command, (session: Session) => Promise<CommandOutcome>>> = {
  validate,
  plan,
  run: runJobs,
  check,
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

/** The action's entry point. */
export async function run(deps: RunDeps = defaultDeps()): Promise<void> {
  try {
    const outcome = await runCommand(getInputs(), deps)
    if (!outcome.success) core.setFailed(outcome.message)
  } catch (e) {
    if (e instanceof UserError) core.setFailed(e.message)
    else if (e instanceof Error) {
      core.debug(e.stack ?? e.message)
      core.setFailed(`rclone-jobs failed unexpectedly: ${e.message}`)
    } else core.setFailed(`rclone-jobs failed unexpectedly: ${String(e)}`)
  }
}

/**
 * Runs one command with parsed inputs and publishes its outcome. A usage error (no job files, a `jobs` pattern that
 * names nothing) still sets an empty `matrix`, so a fan-out step after it plans nothing.
 */
export async function runCommand(inputs: ActionInputs, deps: RunDeps): Promise<CommandOutcome> {
  const out = deps.reporter ?? actionsReporter(deps.env)
  const { session, close } = await openSession(inputs, deps, out)
  try {
    const outcome = await COMMANDS[inputs.command](session)
    const comment = inputs.comment ? { token: inputs.githubToken, env: session.env } : undefined
    await publish(outcome, out, session.now(), comment)
    return outcome
  } catch (e) {
    if (e instanceof UserError) out.setOutput(Outputs.Matrix, JSON.stringify({ include: [] }))
    throw e
  } finally {
    await close()
  }
}
