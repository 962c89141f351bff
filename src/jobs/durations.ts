/** Durations and ages as the job format and the inputs write them, in milliseconds. Pure. */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  // As rclone reads --min-age/--max-age (fs/parseduration.go): a month is 30 days, a year 365.
  M: 30 * 86_400_000,
  y: 365 * 86_400_000,
}

/**
 * A Go duration (`1h30m`, `45s`, `1.5h`, `.5h`: numbers written as Go and schema.ts's DURATION_PATTERN take them) in
 * milliseconds, or undefined when it is not one. Days, weeks, months and years are accepted only when `long` is set
 * (ages such as `versions.keep: 30d`).
 */
export function durationMs(text: string, long = false): number | undefined {
  const t = text.trim()
  if (t === '0') return 0
  const re = long
    ? /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w|M|y)/gy
    : /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy
  let total = 0
  let end = 0
  for (const m of t.matchAll(re)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number)
    end = (m.index ?? 0) + m[0].length
  }
  return end === t.length && end > 0 ? total : undefined
}

/** Milliseconds as a Go duration rclone reads (`5400s`), rounded down to whole seconds, at least 1s. */
export function goDuration(ms: number): string {
  return `${Math.max(1, Math.floor(ms / 1000))}s`
}

/** The smallest `time-budget`: the budget stops starting invocations with less than this left, so a smaller one runs nothing. */
export const MIN_BUDGET_MS = 1000

/** Milliseconds as a person writes a duration: `5h30m`, `1m30s`, `45s`, `1.5s`. */
export function readableDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`
  const h = Math.floor(ms / 3_600_000)
  const m = Math.floor((ms % 3_600_000) / 60_000)
  const s = Math.round((ms % 60_000) / 1000)
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`
}
