/**
 * `command: validate`: read and check every job file; contact nothing, need no rclone. The summary ends with the
 * job list (the same rows as `rclone-jobs list`).
 */
import type { CommandOutcome } from '../report/publish.js'
import { plural } from '../text.js'
import type { Session } from './session.js'
import { loadJobs, matrixOf, refusedForProblems, selectForEvent } from './steps.js'

/** Validates the job files; the outcome fails on any error in them. */
export async function validate(session: Session): Promise<CommandOutcome> {
  const loaded = await loadJobs(session)
  if (loaded.errors > 0) return refusedForProblems(session, loaded)
  const selection = await selectForEvent(session, loaded)
  session.out.info(`All ${plural(loaded.validated.jobs.length, 'job')} valid.`)
  return {
    command: 'validate',
    success: true,
    message: '',
    results: [],
    excluded: [],
    diagnostics: loaded.diagnostics,
    jobs: loaded.validated.jobs,
    fileCount: loaded.fileCount,
    matrix: matrixOf(session, loaded, selection.selected),
  }
}
