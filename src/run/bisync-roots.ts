/**
 * The roots of a bisync pair. rclone bisync fails with a bare "directory not found" when either side's root does not
 * exist, without saying which (measured with 1.60.1: a bucket that does not exist, an SFTP or local folder that does
 * not; below an existing bucket a prefix with nothing in it lists as empty, and bisync goes on). So:
 * - a first run the job consents to resync creates a missing root (`rclone mkdir`: a folder, or a bucket), then
 *   resyncs; a plan, which creates nothing, says so and is skipped;
 * - a run that fails with "directory not found" says which side is missing and what to do.
 * Existence is asked with `rclone lsf --max-depth=1`, stopped at the first entry: exit 3 is "directory not found".
 */
import { listsAnything, type RcloneOutcome, type RcloneRunner } from '../rclone/runner.js'
import type { Refusal } from './execute.js'
import type { Invocation } from './plan.js'

/** What the checks need: how to run rclone. */
export interface RootSettings {
  readonly env?: NodeJS.ProcessEnv
  readonly cwd: string
  readonly dryRun: boolean
}

/** The two sides of a pair, in rclone's words. */
function sides(inv: Pick<Invocation, 'source' | 'destination'>): Array<{ name: string; path: string }> {
  return [
    { name: 'the source (Path1)', path: inv.source },
    { name: 'the destination (Path2)', path: inv.destination },
  ]
}

/** Whether an rclone path's root exists: true, false ("directory not found"), or undefined when rclone could not tell. */
export async function rootExists(
  runner: RcloneRunner,
  path: string,
  settings: Pick<RootSettings, 'env' | 'cwd'>,
): Promise<boolean | undefined> {
  const { found, out } = await listsAnything(runner, ['lsf', '--use-json-log', '--max-depth=1', '--', path], {
    env: settings.env,
    cwd: settings.cwd,
  })
  if (found || out.exitCode === 0) return true
  if (out.exitCode === 3 || out.errorMessages.some((m) => /directory not found/.test(m))) return false
  return undefined
}

/**
 * Before a first run the job consents to resync: a missing root is created (a plan is skipped instead, saying that a
 * run would create it). A refusal when one cannot be created.
 */
export async function prepareRoots(
  runner: RcloneRunner,
  inv: Pick<Invocation, 'source' | 'destination'>,
  settings: RootSettings,
): Promise<Refusal | undefined> {
  for (const side of sides(inv)) {
    if ((await rootExists(runner, side.path, settings)) !== false) continue
    if (settings.dryRun) {
      return {
        status: 'skipped',
        reason: `${side.name} "${side.path}" does not exist yet; a run creates it, then resyncs (everything on the other side is copied to it). Nothing was changed`,
      }
    }
    const made = await runner(['mkdir', '--use-json-log', '--', side.path], {
      env: settings.env,
      cwd: settings.cwd,
    })
    if (made.exitCode !== 0) {
      return {
        status: 'failed',
        reason: `${side.name} "${side.path}" does not exist and could not be created for the first bisync (${made.errorMessages.at(-1) ?? `exit ${made.exitCode}`}); nothing was changed`,
        exitCode: made.exitCode,
      }
    }
  }
  return undefined
}

/**
 * Why a bisync failed, when it failed because a side's root does not exist: which side, and what to do. `state` is
 * the pair's folder in the state store. Undefined for other failures.
 */
export async function missingRootReason(
  runner: RcloneRunner,
  inv: Pick<Invocation, 'source' | 'destination'>,
  outcome: RcloneOutcome,
  settings: RootSettings,
  state: string,
): Promise<string | undefined> {
  if (!outcome.errorMessages.some((m) => /directory not found/.test(m))) return undefined
  for (const side of sides(inv)) {
    if ((await rootExists(runner, side.path, settings)) !== false) continue
    // Not "create it": an empty root under the stored state reads to bisync as every file deleted on that side.
    return `bisync could not start: ${side.name} "${side.path}" does not exist (rclone said "directory not found"). Nothing was changed. Restore it; if it is gone for good, start the pair over: remove its stored state (${state}) and keep resync: true on the job, and the next run creates it and copies everything from the other side`
  }
  return undefined
}
