/**
 * Deletion guards, decided before rclone deletes anything, the same in `plan` and `run` (a plan shows a run that
 * would be refused as refused, with the same numbers):
 * - a `sync` or `bisync` whose source is empty (after the job's filters), or cannot be listed, does not run unless
 *   the job sets `allow-empty-source`: an empty source would otherwise empty the destination. A source that is one
 *   file is never empty: rclone copies that file whatever the filters say;
 * - a `sync` with `max-delete` first counts, in a dry run with the same flags but without `--max-delete`, what it
 *   would delete, and does not run when that is more than allowed (rclone's own `--max-delete` stops only after
 *   deleting that many). A move into a backup folder counts: the file leaves the destination. In a plan, the plan's
 *   own dry run is that count. A run that passes the count runs without rclone's `--max-delete`: the decision is
 *   made before anything changes, never half way.
 */
import { lstat, opendir } from 'node:fs/promises'
import path from 'node:path'
import { listsAnything, type RcloneOutcome, type RcloneRunner, withFlags } from '../rclone/runner.js'
import type { InvocationHook, Refusal } from './execute.js'
import { filterFlags, type Invocation } from './plan.js'
import { plannedChanges } from './plan-changes.js'

/** The guards as executor hooks, using `runner` for the listings and counts. */
export function deletionGuards(
  runner: RcloneRunner,
  settings: { env?: NodeJS.ProcessEnv; cwd: string; dryRun: boolean },
): InvocationHook {
  return {
    async before(inv, args) {
      if ((inv.mode === 'sync' || inv.mode === 'bisync') && !inv.allowEmptySource) {
        const refusal = await emptySourceRefusal(runner, inv, settings)
        if (refusal) return refusal
      }
      const maxDelete = inv.options['max-delete']
      if (inv.mode === 'sync' && maxDelete !== undefined) {
        // The count runs without --max-delete: with it, the dry run itself would stop at the threshold.
        const unlimited = withFlags(args, [], ['max-delete'])
        if (settings.dryRun) return { args: unlimited }
        const dry = withFlags(unlimited, ['--dry-run'])
        const out = await runner(dry, { env: settings.env, cwd: settings.cwd })
        if (out.exitCode !== 0) {
          return {
            status: 'failed',
            reason: `the max-delete check (a dry run) failed, so nothing was changed: ${out.errorMessages.at(-1) ?? `exit ${out.exitCode}`}`,
            exitCode: out.exitCode,
            errorLines: out.errorMessages,
          }
        }
        // The count decided it; rclone runs without its own --max-delete, which counts every delete of a move
        // into a backup or versions folder on backends without server-side move (S3: copy, then delete) and
        // would stop half way, with files moved out and others stale.
        return maxDeleteRefusal(out, maxDelete) ?? { args: unlimited }
      }
      return undefined
    },
    async after(inv, result, outcome) {
      // A plan ran its dry run without --max-delete; the refusal a run would meet is decided here, on its count.
      const maxDelete = inv.options['max-delete']
      if (!settings.dryRun || inv.mode !== 'sync' || maxDelete === undefined) return undefined
      if (result.status !== 'success') return undefined
      return maxDeleteRefusal(outcome, maxDelete)
    },
  }
}

/** How many files a (dry) run deletes: rclone's own count when its stats were read, else the per-file reports. */
export function deleteCount(out: RcloneOutcome): number {
  return out.stats?.deletes ?? out.changes.delete.count
}

function maxDeleteRefusal(out: RcloneOutcome, maxDelete: number): Refusal | undefined {
  const deletes = deleteCount(out)
  if (deletes <= maxDelete) return undefined
  return {
    status: 'failed',
    // The dry run knows which files: the summary lists them, so a reviewer sees what would have gone.
    planned: plannedChanges(out),
    reason: `refused: this sync would delete ${deletes} files, more than max-delete (${maxDelete}), counting moves into a backup folder; nothing was changed. Check the source, or raise options.max-delete`,
  }
}

async function emptySourceRefusal(
  runner: RcloneRunner,
  inv: Invocation,
  settings: { env?: NodeJS.ProcessEnv; cwd: string },
): Promise<Refusal | undefined> {
  const filters = filterFlags(inv.filters)
  // A local source is answered here, without starting a process, when it holds a file, or is one.
  if (inv.sourcePlace.root === 'local') {
    const abs = `/${inv.sourcePlace.segments.join('/')}`
    const st = await lstat(abs).catch(() => undefined)
    if (st?.isFile()) return undefined
    if (filters.length === 0 && (await hasLocalFile(abs))) return undefined
  }
  // Listing stops at the first file: the question is only "is there anything", which must stay cheap on a
  // source of millions of files.
  const listing = ['lsf', '--use-json-log', '--recursive', '--files-only', ...filters, '--', inv.source]
  const { found, out } = await listsAnything(runner, listing, { env: settings.env, cwd: settings.cwd })
  if (found) return undefined
  if (out.exitCode !== 0) {
    // rclone refuses filters on a single-file source in lsf, but sync and copy take the file whatever the filters:
    // ask what the source is before calling it unreadable.
    if (filters.length > 0 && (await isSingleFile(runner, inv.source, settings))) return undefined
    const words = out.errorMessages.at(-1) ?? `rclone lsf exited with ${out.exitCode}`
    return {
      status: 'failed',
      reason: `refused: the source could not be listed, so nothing was changed. rclone said: ${words}`,
      exitCode: out.exitCode,
      errorLines: out.errorMessages,
    }
  }
  return {
    status: 'failed',
    reason:
      'refused: the source is empty (after filters), so this would delete everything in the destination; nothing was changed. Set "allow-empty-source: true" on the job if that is intended',
  }
}

async function isSingleFile(
  runner: RcloneRunner,
  source: string,
  settings: { env?: NodeJS.ProcessEnv; cwd: string },
): Promise<boolean> {
  let text = ''
  const out = await runner(['lsjson', '--stat', '--', source], {
    env: settings.env,
    cwd: settings.cwd,
    onStdout: (l) => {
      text += l
    },
  })
  if (out.exitCode !== 0) return false
  try {
    return (JSON.parse(text) as { IsDir?: unknown }).IsDir === false
  } catch {
    return false
  }
}

/**
 * Whether a local folder holds a regular file anywhere below it, stopping at the first. Symbolic links do not count:
 * rclone skips them unless told otherwise. A path that cannot be read answers false, and rclone gives the error.
 */
async function hasLocalFile(p: string): Promise<boolean> {
  const st = await lstat(p).catch(() => undefined)
  if (st === undefined) return false
  if (st.isFile()) return true
  if (!st.isDirectory()) return false
  const dir = await opendir(p).catch(() => undefined)
  if (dir === undefined) return false
  const subdirs: string[] = []
  try {
    for await (const entry of dir) {
      if (entry.isFile()) return true
      if (entry.isDirectory()) subdirs.push(path.join(p, entry.name))
    }
  } catch {
    return false
  }
  for (const sub of subdirs) if (await hasLocalFile(sub)) return true
  return false
}
