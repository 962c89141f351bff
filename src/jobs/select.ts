/**
 * Which jobs a run includes: the `jobs` input (names or globs), `enabled`, and on a `schedule` event the job's
 * own crons. Pure.
 */
import { normalizeCron } from './cron.js'
import type { ValidJob } from './validate.js'

/** Splits the `jobs` input on commas and newlines. */
export function parseJobPatterns(input: string): string[] {
  return input
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** A job-name glob (`photos-*`, `db-?`) as an anchored regular expression. */
export function nameGlob(pattern: string): RegExp {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${re}$`)
}

/** Why a job is not run, or undefined when it is. */
export type Exclusion = { job: ValidJob; reason: string }

/** What selection decided. */
export interface Selection {
  readonly selected: ValidJob[]
  /** Jobs listed but not run (disabled, or not on this schedule), with the reason. */
  readonly excluded: Exclusion[]
  /** Patterns in the `jobs` input that matched no job: a typo in a manual run must not pass silently. */
  readonly unmatched: string[]
}

/** The event that triggered the run, as far as selection cares. */
export interface Trigger {
  readonly eventName?: string
  /** `github.event.schedule`: the cron string that fired. */
  readonly schedule?: string
  /** Set when the event was a schedule but which cron fired could not be read: then no job runs. */
  readonly unreadable?: string
}

/** Applies the `jobs` input, `enabled` and the schedule. */
export function selectJobs(
  jobs: readonly ValidJob[],
  patterns: readonly string[],
  trigger: Trigger = {},
): Selection {
  const globs = patterns.map((p) => ({ p, re: nameGlob(p), hit: false }))
  const selected: ValidJob[] = []
  const excluded: Exclusion[] = []
  for (const job of jobs) {
    if (globs.length > 0) {
      const matches = globs.filter((g) => g.re.test(job.name))
      for (const g of matches) g.hit = true
      if (matches.length === 0) continue
    }
    if (!job.job.enabled) {
      excluded.push({ job, reason: 'disabled (enabled: false)' })
      continue
    }
    if (trigger.unreadable !== undefined) {
      excluded.push({ job, reason: `not run: ${trigger.unreadable}` })
      continue
    }
    if (trigger.eventName === 'schedule' && trigger.schedule && job.job.schedule !== undefined) {
      const crons = (Array.isArray(job.job.schedule) ? job.job.schedule : [job.job.schedule]).map(
        normalizeCron,
      )
      if (!crons.includes(normalizeCron(trigger.schedule))) {
        excluded.push({ job, reason: `not scheduled for "${trigger.schedule}"` })
        continue
      }
    }
    selected.push(job)
  }
  return { selected, excluded, unmatched: globs.filter((g) => !g.hit).map((g) => g.p) }
}
