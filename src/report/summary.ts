/**
 * Stage 5: what the user sees. Builds the step summary (always under GitHub's 1 MiB limit), the outputs and the
 * lines of the log. Pure: the caller writes them with @actions/core.
 */

import type { Diagnostic } from '../jobs/diagnostics.js'
import type { ValidJob } from '../jobs/validate.js'
import type { InvocationResult } from '../run/execute.js'
import { jobListRows, nextRunText } from './job-list.js'

/** GitHub refuses step summaries over 1 MiB; stay well below to leave room for other steps' additions. */
export const SUMMARY_LIMIT_BYTES = 900 * 1024

/** The `results` output entry: the numbers a later step can use, without the internal timing and log lines. */
export type ResultEntry = Omit<
  InvocationResult,
  'errorLines' | 'startedAt' | 'endedAt' | 'description' | 'check'
> & {
  readonly missingOnDestination?: number
  readonly extraOnDestination?: number
  readonly differ?: number
  /** `check`: matching files compared by size only (no hash in common); 0 when all were compared by hash or content. */
  readonly sizeOnly?: number
}

/** The public shape of each result, without internal timing fields. */
export function resultEntries(results: readonly InvocationResult[]): ResultEntry[] {
  return results.map((r) => ({
    job: r.job,
    destination: redactPath(r.destination),
    mode: r.mode,
    status: r.status,
    exitCode: r.exitCode,
    transfers: r.transfers,
    bytes: r.bytes,
    deletes: r.deletes,
    errors: r.errors,
    checks: r.checks,
    durationSeconds: r.durationSeconds,
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.wouldCopy !== undefined
      ? { wouldCopy: r.wouldCopy, wouldUpdate: r.wouldUpdate, wouldDelete: r.wouldDelete }
      : {}),
    // check: what differs, and the paths that could not be compared as `errors`.
    ...(r.check
      ? {
          missingOnDestination: r.check.missingOnDestination,
          extraOnDestination: r.check.extraOnDestination,
          differ: r.check.differ,
          errors: r.check.errors,
          sizeOnly: r.check.sizeOnly?.count ?? 0,
        }
      : {}),
    ...(r.versions ? { versions: { folder: r.versions.folder, pruned: [...r.versions.pruned] } } : {}),
  }))
}

/** The names of jobs with at least one failed invocation, sorted, once each. */
export function failedJobs(results: readonly InvocationResult[]): string[] {
  return [...new Set(results.filter((r) => r.status === 'failed').map((r) => r.job))].sort()
}

/** Hides a URL's password, as a last line of defence: validation already refuses such paths. */
export function redactPath(p: string): string {
  return p.replace(/(\/\/[^/@\s:]+:)[^/@\s]+@/g, '$1***@')
}

/** Bytes in rclone's binary units, as rclone prints them. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[u]}`
}

/** A count, or "unknown" for a count that could not be read. */
function known(n: number | null): string {
  return n === null ? 'unknown' : String(n)
}

/** Seconds as `1m 5s` or `3.2s`. */
export function formatDuration(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`
  const m = Math.floor(s / 60)
  const r = Math.round(s - m * 60)
  return m < 60 ? `${m}m ${r}s` : `${Math.floor(m / 60)}h ${m % 60}m`
}

/** A job's name, with its description (cut to a line) under it when it has one. */
function jobCell(name: string, description: string | undefined): string {
  if (!description) return cell(name)
  const short = description.length > 120 ? `${description.slice(0, 120)}…` : description
  return `${cell(name)}<br><sub>${cell(short)}</sub>`
}

/** Escapes text for a Markdown table cell. */
export function cell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/</g, '&lt;')
    .replace(/`/g, "'")
}

const STATUS_ICON: Record<ResultEntry['status'], string> = {
  success: '✅ success',
  failed: '❌ failed',
  skipped: '⏭️ skipped',
  incomplete: '⚠️ incomplete',
}

/** What the summary is about. */
export interface SummaryInput {
  readonly command: 'validate' | 'plan' | 'run' | 'check'
  readonly results: readonly InvocationResult[]
  readonly diagnostics: readonly Diagnostic[]
  readonly rcloneVersion?: string
  readonly jobCount: number
  readonly fileCount: number
  /** Extra Markdown sections from later stages (plan details), each already bounded. */
  readonly sections?: readonly string[]
}

/**
 * Builds the step summary Markdown. Parts are added in order of importance until the byte budget is reached, and
 * whatever did not fit is counted in a closing line, so the summary never exceeds `limit`.
 */
export function buildSummary(input: SummaryInput, limit = SUMMARY_LIMIT_BYTES): string {
  const out = new BoundedText(limit - 512)
  const errors = input.diagnostics.filter((d) => d.severity === 'error')
  const warnings = input.diagnostics.filter((d) => d.severity === 'warning')
  const count = (status: InvocationResult['status']) =>
    input.results.filter((r) => r.status === status).length
  const title = { validate: 'validate', plan: 'plan (dry run)', run: 'run', check: 'check' }[input.command]
  out.add(`## rclone-jobs: ${title}\n\n`)
  const facts = [
    `${input.jobCount} job${input.jobCount === 1 ? '' : 's'} in ${input.fileCount} file${input.fileCount === 1 ? '' : 's'}`,
  ]
  if (input.rcloneVersion) facts.push(`rclone ${input.rcloneVersion}`)
  if (input.results.length > 0)
    facts.push(
      `${input.results.length} destination${input.results.length === 1 ? '' : 's'}: ${count('success')} succeeded, ${count('failed')} failed, ${count('incomplete')} incomplete, ${count('skipped')} skipped`,
    )
  if (errors.length > 0) facts.push(`${errors.length} error${errors.length === 1 ? '' : 's'} in job files`)
  if (warnings.length > 0) facts.push(`${warnings.length} warning${warnings.length === 1 ? '' : 's'}`)
  out.add(`${facts.join(' · ')}\n\n`)

  if (input.diagnostics.length > 0) {
    out.add(`### Problems in job files (${input.diagnostics.length})\n\n`)
    out.add('| | file | line | col | key | problem |\n| --- | --- | --- | --- | --- | --- |\n')
    input.diagnostics.forEach((d, i) => {
      const row = `| ${d.severity === 'error' ? '❌' : '⚠️'} | ${cell(d.file)} | ${d.line} | ${d.col} | ${cell(d.key)} | ${cell(d.message)} |\n`
      if (!out.add(row)) out.omit(input.diagnostics.length - i, 'problem')
    })
    out.add('\n')
  }

  // A plan has its own table of what would change (a section); the run table would only show dry-run noise.
  if (input.results.length > 0 && input.command !== 'plan') {
    out.add(
      '| job | destination | mode | status | files transferred | bytes | deleted | errors | duration |\n',
    )
    out.add('| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n')
    input.results.forEach((r, i) => {
      const row = `| ${jobCell(r.job, r.description)} | ${cell(redactPath(r.destination))} | ${r.mode} | ${STATUS_ICON[r.status]} | ${known(r.transfers)} | ${r.bytes === null ? 'unknown' : formatBytes(r.bytes)} | ${known(r.deletes)} | ${known(r.errors)} | ${formatDuration(r.durationSeconds)} |\n`
      if (!out.add(row)) out.omit(input.results.length - i, 'result row')
    })
    out.add('\n')
    if (input.results.some((r) => r.status !== 'skipped' && r.transfers === null)) {
      out.add(
        '> "unknown": rclone ended without a stats block the action could read (it stopped early, or its log was not JSON), so its counts are not known. They are `null` in the `results` output, not 0.\n\n',
      )
    }
  }

  for (const section of input.sections ?? []) out.add(section)

  const failures = input.results.filter((r) => r.status === 'failed')
  if (failures.length > 0) {
    out.add(`### Failures (${failures.length})\n\n`)
    failures.forEach((r, i) => {
      const lines = (r.errorLines ?? []).slice(-10).map((l) => (l.length > 500 ? `${l.slice(0, 500)}…` : l))
      const block =
        `<details><summary><b>${cell(r.job)}</b> → ${cell(redactPath(r.destination))}: ${cell(r.reason ?? 'failed')}</summary>\n\n` +
        (lines.length > 0 ? `\`\`\`text\n${lines.join('\n').replace(/```/g, "'''")}\n\`\`\`\n` : '') +
        '\n</details>\n\n'
      if (!out.add(block)) out.omit(failures.length - i, 'failure detail')
    })
  }
  const skippedWithReason = input.results.filter((r) => r.status === 'skipped' && r.reason)
  if (skippedWithReason.length > 0) {
    out.add('<details><summary>Skipped</summary>\n\n')
    skippedWithReason.forEach((r, i) => {
      if (!out.add(`- **${cell(r.job)}** → ${cell(redactPath(r.destination))}: ${cell(r.reason ?? '')}\n`))
        out.omit(skippedWithReason.length - i, 'skipped entry')
    })
    out.add('\n</details>\n\n')
  }
  return out.finish()
}

/** Text that stops growing at a byte limit and says what it left out. */
export class BoundedText {
  private parts: string[] = []
  private bytes = 0
  private full = false
  private omitted = new Map<string, number>()

  constructor(private readonly limit: number) {}

  /** Appends when it fits; returns false (and stops accepting) when it does not. */
  add(text: string): boolean {
    if (this.full) return false
    const n = Buffer.byteLength(text)
    if (this.bytes + n > this.limit) {
      this.full = true
      return false
    }
    this.parts.push(text)
    this.bytes += n
    return true
  }

  /** Records that `count` items of a kind were left out. */
  omit(count: number, kind: string): void {
    if (!this.omitted.has(kind)) this.omitted.set(kind, count)
  }

  /** The text, with a closing line for anything left out. */
  finish(): string {
    const notes = [...this.omitted].map(([k, n]) => `${n} ${k}${n === 1 ? '' : 's'}`)
    const tail =
      notes.length > 0 || this.full
        ? `\n> The summary was cut to stay under GitHub's 1 MiB limit${notes.length ? `: ${notes.join(', ')} not shown` : ''}. The \`results\` output and the step log have everything.\n`
        : ''
    return this.parts.join('') + tail
  }
}

/**
 * The job list shown by `validate`: the rows of `rclone-jobs list` (report/job-list.ts, one computation for both) as
 * Markdown, bounded.
 */
export function jobListSection(jobs: readonly ValidJob[], limit: number, now: number = Date.now()): string {
  if (jobs.length === 0) return ''
  const out = new BoundedText(limit)
  out.add(
    '| job | file | mode | source | destinations | schedule | next scheduled run | enabled |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n',
  )
  const rows = jobListRows(jobs, now)
  rows.forEach((r, i) => {
    const dests = r.destinations.map((d) => cell(redactPath(d))).join('<br>')
    const row = `| ${jobCell(r.name, r.description)} | ${cell(r.file)}:${r.line} | ${r.mode} | ${cell(redactPath(r.source))} | ${dests} | ${cell(r.schedule.join(', '))} | ${nextRunText(r)} | ${r.enabled ? 'yes' : 'no'} |\n`
    if (!out.add(row)) out.omit(rows.length - i, 'job')
  })
  out.add('\n')
  return out.finish()
}
