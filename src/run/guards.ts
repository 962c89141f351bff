/**
 * Deletion guards, decided before rclone deletes anything:
 * - a `sync` or `bisync` whose source is empty (after the job's filters), or cannot be listed, does not run unless
 *   the job sets `allow-empty-source`: an empty source would otherwise empty the destination;
 * - a `sync` with `max-delete` first counts, in a dry run with the same flags, what it would delete, and does not
 *   run when that is more than allowed (rclone's own `--max-delete` stops only after deleting that many).
 */
import { lstat, opendir } from 'node:fs/promises'
import path from 'node:path'
import { parseRclonePath } from '../places/rclone-path.js'
import type { RcloneRunner } from '../rclone/runner.js'
import type { InvocationHook, Refusal } from './execute.js'
import { filterFlags } from './plan.js'

/** The guards as executor hooks, using `runner` for the listings. */
export function deletionGuards(
  runner: RcloneRunner,
  settings: { env?: NodeJS.ProcessEnv; cwd?: string; dryRun: boolean },
): InvocationHook {
  return {
    async before(inv, args) {
      if (settings.dryRun) return undefined
      if ((inv.mode === 'sync' || inv.mode === 'bisync') && !inv.allowEmptySource) {
        const refusal = await emptySourceRefusal(runner, inv.source, [...filterFlags(inv.filters)], settings)
        if (refusal) return refusal
      }
      const maxDelete = inv.options['max-delete']
      if (inv.mode === 'sync' && maxDelete !== undefined) {
        const refusal = await maxDeleteRefusal(runner, args, maxDelete, settings)
        if (refusal) return refusal
      }
      return undefined
    },
  }
}

async function emptySourceRefusal(
  runner: RcloneRunner,
  source: string,
  filters: string[],
  settings: { env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<Refusal | undefined> {
  // A local source without filters is answered here, without starting a process: the common case stays free.
  if (filters.length === 0) {
    const local = parseRclonePath(source, settings.cwd ?? process.cwd())
    if (local.remote === '' && (await hasLocalFile(local.path))) return undefined
  }
  // Listing stops at the first file: the question is only "is there anything", which must stay cheap on a
  // source of millions of files.
  const stop = new AbortController()
  let found = false
  const out = await runner(
    ['lsf', '--use-json-log', '--recursive', '--files-only', ...filters, '--', source],
    {
      env: settings.env,
      cwd: settings.cwd,
      signal: stop.signal,
      onStdout: (line) => {
        if (found || line === '') return
        found = true
        stop.abort()
      },
    },
  )
  if (found) return undefined
  if (out.exitCode !== 0) {
    return {
      status: 'failed',
      reason: `the source could not be listed, so nothing was changed (${out.errorMessages.at(-1) ?? `rclone lsf exited with ${out.exitCode}`})`,
      exitCode: out.exitCode,
      errorLines: out.errorMessages,
    }
  }
  return {
    status: 'failed',
    reason:
      'the source is empty (after filters), so this would delete everything in the destination; nothing was changed. Set "allow-empty-source: true" on the job if that is intended',
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

async function maxDeleteRefusal(
  runner: RcloneRunner,
  args: readonly string[],
  maxDelete: number,
  settings: { env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<Refusal | undefined> {
  // The count runs without --max-delete: with it, the dry run itself would stop at the threshold.
  const sep = args.indexOf('--')
  const flags = args.slice(0, sep).filter((a) => !a.startsWith('--max-delete='))
  const dry = [...flags, '--dry-run', ...args.slice(sep)]
  const out = await runner(dry, { env: settings.env, cwd: settings.cwd })
  if (out.exitCode !== 0) {
    return {
      status: 'failed',
      reason: `the max-delete check (a dry run) failed, so nothing was changed: ${out.errorMessages.at(-1) ?? `exit ${out.exitCode}`}`,
      exitCode: out.exitCode,
      errorLines: out.errorMessages,
    }
  }
  const deletes = out.entries.filter((e) => e.skipped === 'delete').length
  if (deletes > maxDelete) {
    return {
      status: 'failed',
      reason: `this sync would delete ${deletes} files, more than max-delete (${maxDelete}); nothing was changed. Check the source, or raise options.max-delete`,
    }
  }
  return undefined
}
