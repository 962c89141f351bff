/**
 * Which jobs a run includes: the `jobs` input (names or globs, in the `path` input's dialect: `./glob.ts`),
 * `enabled`, and on a `schedule` event the job's own crons. Pure.
 */
import { normalizeCron } from './cron.js'
import { globMatcher } from './glob.js'
import type { ValidJob } from './validate.js'

/**
 * Splits the `jobs` input on commas and newlines, except for commas inside braces, which separate the
 * alternatives of one glob (`{a,b?}`).
 */
export function parseJobPatterns(input: string): string[] {
  const out: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i <= input.length; i++) {
    const c = input[i]
    if (c === '{') depth++
    else if (c === '}' && depth > 0) depth--
    else if (c === undefined || c === '\n' || (c === ',' && depth === 0)) {
      out.push(input.slice(start, i))
      start = i + 1
      depth = 0
    }
  }
  return out.map((s) => s.trim()).filter((s) => s !== '')
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
  const globs = patterns.map((p) => ({ p, matches: globMatcher(p), hit: false }))
  const selected: ValidJob[] = []
  const excluded: Exclusion[] = []
  for (const job of jobs) {
    if (globs.length > 0) {
      const matches = globs.filter((g) => g.matches(job.name))
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
