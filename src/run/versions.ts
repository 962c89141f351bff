/**
 * `versions`: what a run deletes or overwrites on a destination is moved (rclone's `--backup-dir`, added by the plan
 * stage) into `{versions.path}/{run start, UTC, YYYY-MM-DDTHHMMSSZ}/`. After a successful run, the dated folders
 * under `versions.path` older than `keep` are purged; nothing else there is touched: not a folder with another name,
 * not a dated folder from the future (a clock that was wrong, or someone else's naming), not a file. A plan lists
 * what a run would prune and prunes nothing.
 */
import type { RcloneRunner } from '../rclone/runner.js'
import type { InvocationHook } from './execute.js'
import { versionsFolderName } from './plan.js'
import { stoppedByBudget } from './time-budget.js'

/** A versions folder name: `2026-11-25T031500Z`. */
const FOLDER = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})(\d{2})Z$/

/** The time a versions folder name stands for, or undefined when the name is not one. */
export function folderTime(name: string): number | undefined {
  const m = FOLDER.exec(name)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[]
  const t = Date.UTC(y as number, (mo as number) - 1, d as number, h as number, mi as number, s as number)
  // A name like 2026-02-31T... is not a time: Date.UTC would roll it over to March, whose name differs.
  return versionsFolderName(t) === name ? t : undefined
}

/** Which of `names` are dated folders older than `keepMs` at `now`; the others (and any future date) stay. */
export function foldersToPrune(names: readonly string[], keepMs: number, now: number): string[] {
  return names.filter((n) => {
    const t = folderTime(n)
    return t !== undefined && t <= now && now - t > keepMs
  })
}

/** The pruning step, after each invocation with `versions`. */
export function versionsHook(
  runner: RcloneRunner,
  settings: { env?: NodeJS.ProcessEnv; cwd: string; dryRun: boolean; now: () => number },
): InvocationHook {
  return {
    async after(inv, result) {
      const v = inv.versions
      if (v === undefined || result.status !== 'success') return undefined
      const names: string[] = []
      const listed = await runner(
        ['lsf', '--use-json-log', '--dirs-only', '--dir-slash=false', '--', v.path],
        { env: settings.env, cwd: settings.cwd, onStdout: (l) => l !== '' && names.push(l) },
      )
      const folder = v.runFolder.slice(v.runFolder.lastIndexOf('/') + 1)
      // No versions folder yet (nothing was ever moved there) is not a problem.
      if (listed.exitCode !== 0) return { versions: { folder, pruned: [] } }
      // This run's own folder holds the only copy of what it just replaced: never pruned, however short keep is.
      const prune = foldersToPrune(names, v.keepMs, settings.now()).filter((n) => n !== folder)
      if (settings.dryRun) return { versions: { folder, pruned: prune } }
      const pruned: string[] = []
      const failures: string[] = []
      for (const name of prune) {
        const out = await runner(['purge', '--use-json-log', '--', `${v.path.replace(/\/+$/, '')}/${name}`], {
          env: settings.env,
          cwd: settings.cwd,
        })
        if (out.exitCode === 0) pruned.push(name)
        // Past the time budget pruning waits for the next run; it is no failure of this one.
        else if (stoppedByBudget(out)) break
        else failures.push(`${name} (${out.errorMessages.at(-1) ?? `exit ${out.exitCode}`})`)
      }
      if (failures.length > 0) {
        return {
          status: 'failed',
          reason: `the sync succeeded, but some version folders older than keep could not be pruned: ${failures.join('; ')}`,
          versions: { folder, pruned },
        }
      }
      return { versions: { folder, pruned } }
    },
  }
}
