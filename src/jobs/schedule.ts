/**
 * Schedules across files: which crons the repository's workflows list under `on.schedule`, and a warning for each
 * job cron that none lists (it would never fire). Pure: the caller reads the workflow files.
 */

import { parse } from 'yaml'
import { plural } from '../text.js'
import { normalizeCron } from './cron.js'
import type { Diagnostic } from './diagnostics.js'
import type { ValidJob } from './validate.js'

/** The crons listed under `on.schedule` in workflow files (normalized); unreadable files are skipped. */
export function workflowCrons(workflows: ReadonlyArray<{ file: string; text: string }>): Set<string> {
  const out = new Set<string>()
  for (const w of workflows) {
    let doc: unknown
    try {
      doc = parse(w.text, { maxAliasCount: 100 })
    } catch {
      continue
    }
    const on =
      (doc as { on?: unknown; true?: unknown } | null)?.on ?? (doc as { true?: unknown } | null)?.true
    const schedule = (on as { schedule?: unknown } | null | undefined)?.schedule
    if (!Array.isArray(schedule)) continue
    for (const entry of schedule) {
      const cron = (entry as { cron?: unknown } | null)?.cron
      if (typeof cron === 'string') out.add(normalizeCron(cron))
    }
  }
  return out
}

/** Past this many, unlisted crons are reported as one grouped warning instead of one annotation each. */
export const SCHEDULE_WARNINGS_GROUPED_AFTER = 10

/**
 * A warning at each job cron that no workflow lists; past `SCHEDULE_WARNINGS_GROUPED_AFTER` of them, one warning
 * (at the first) that counts them by cron, so thousands of jobs do not bury the run under thousands of annotations.
 */
export function scheduleWarnings(jobs: readonly ValidJob[], crons: ReadonlySet<string>): Diagnostic[] {
  const unlisted: Array<{ job: ValidJob; cron: string; keyPath: Array<string | number> }> = []
  const byCron = new Map<string, string[]>()
  for (const j of jobs) {
    const s = j.job.schedule
    if (s === undefined) continue
    const list = Array.isArray(s)
      ? s.map((c, i) => [c, ['schedule', i]] as const)
      : [[s, ['schedule']] as const]
    for (const [cron, keyPath] of list) {
      if (crons.has(normalizeCron(cron))) continue
      const names = byCron.get(cron)
      if (names) names.push(j.name)
      else byCron.set(cron, [j.name])
      unlisted.push({ job: j, cron, keyPath: [...keyPath] })
    }
  }
  // Located only when reported: finding a position may parse the file again (src/jobs/load.ts).
  const warning = (u: (typeof unlisted)[number], message: string): Diagnostic => ({
    severity: 'warning',
    ...u.job.locate(u.keyPath),
    key: u.keyPath.length === 2 ? `schedule[${u.keyPath[1]}]` : 'schedule',
    message,
  })
  if (unlisted.length <= SCHEDULE_WARNINGS_GROUPED_AFTER)
    return unlisted.map((u) =>
      warning(
        u,
        `no workflow under .github/workflows lists the cron "${u.cron}" in on.schedule, so it never triggers this job; add it to a workflow or fix the job's schedule`,
      ),
    )
  const groups = [...byCron]
    .sort((a, b) => b[1].length - a[1].length)
    .map(([cron, names]) => {
      const shown = names.slice(0, 3).join(', ')
      return `"${cron}" (${plural(names.length, 'job')}: ${shown}${names.length > 3 ? ', …' : ''})`
    })
  const listed = groups.slice(0, 20).join('; ')
  const files = new Set(unlisted.map((u) => u.job.file)).size
  return [
    warning(
      unlisted[0] as (typeof unlisted)[number],
      `${unlisted.length} job crons in ${files} files are listed in no workflow's on.schedule, so they never trigger: ${listed}${groups.length > 20 ? `; and ${groups.length - 20} more crons` : ''}. Add them to a workflow or fix the jobs' schedules`,
    ),
  ]
}
