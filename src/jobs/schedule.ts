/**
 * Schedules across files: which crons the repository's workflows list under `on.schedule`, and a warning for each
 * job cron that none lists (it would never fire). Pure: the caller reads the workflow files.
 */
import { parse } from 'yaml'
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

/** A warning at each job cron that no workflow lists. */
export function scheduleWarnings(jobs: readonly ValidJob[], crons: ReadonlySet<string>): Diagnostic[] {
  const out: Diagnostic[] = []
  for (const j of jobs) {
    const s = j.job.schedule
    if (s === undefined) continue
    const list = Array.isArray(s)
      ? s.map((c, i) => [c, ['schedule', i]] as const)
      : [[s, ['schedule']] as const]
    for (const [cron, keyPath] of list) {
      if (crons.has(normalizeCron(cron))) continue
      out.push({
        severity: 'warning',
        file: j.file,
        ...j.locate(keyPath),
        key: keyPath.length === 2 ? `schedule[${keyPath[1]}]` : 'schedule',
        message: `no workflow under .github/workflows lists the cron "${cron}" in on.schedule, so it never triggers this job; add it to a workflow or fix the job's schedule`,
      })
    }
  }
  return out
}
