/**
 * Stage 5: what the user sees. Builds the step summary (always under GitHub's 1 MiB limit), the outputs and the
 * lines of the log. Pure: the caller writes them with @actions/core.
 */

import type { Diagnostic } from '../jobs/diagnostics.js'
import type { ValidJob } from '../jobs/validate.js'
import { oneLine } from '../rclone/log-reader.js'
import type { InvocationResult } from '../run/execute.js'
import { plural } from '../text.js'
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

/**
 * Escapes text for a Markdown table cell: the characters that would format it (`*`, `_`, `` ` ``, `~`, `[`) are
 * shown as written, `|` does not end the cell, a line break does not end the row, and `<` starts no HTML.
 */
export function cell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/([|*_`~[\]])/g, '\\$1')
    .replace(/[\r\n]+/g, ' ')
    .replace(/</g, '&lt;')
}

/** Escapes text inside HTML (a `<summary>` line), where Markdown is not read: `<`, `&` and quotes only. */
export function htmlText(text: string): string {
  return oneLine(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
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
 * Builds the step summary Markdown, as a person reads it: the verdict first, then what failed and what to do, then
 * the problems in job files, the table, and the details. Parts are added in that order until the byte budget is
 * reached, and whatever did not fit is counted in a closing line, so the summary never exceeds `limit`.
 */
export function buildSummary(input: SummaryInput, limit = SUMMARY_LIMIT_BYTES): string {
  const out = new BoundedText(limit - 512)
  const title = { validate: 'validate', plan: 'plan (dry run)', run: 'run', check: 'check' }[input.command]
  out.add(`## rclone-jobs: ${title}\n\n${verdict(input)}\n\n${facts(input)}\n\n`)
  failuresSection(input, out)
  problemsSection(input, out)
  // A plan and a check have their own tables (sections: what would change, what differs); the run table would only
  // show transfers that did not happen.
  if (input.results.length > 0 && input.command === 'run') resultsTable(input, out)
  for (const section of input.sections ?? []) out.add(section)
  skippedSection(input, out)
  return out.finish()
}

/** The first line: the outcome, and the counts of destinations by status. */
function verdict(input: SummaryInput): string {
  const errors = input.diagnostics.filter((d) => d.severity === 'error').length
  const n = input.results.length
  const count = (status: InvocationResult['status']) =>
    input.results.filter((r) => r.status === status).length
  const failed = count('failed')
  const incomplete = count('incomplete')
  const dest = (k: number) => plural(k, 'destination')
  // The counts in the command's own words: a plan did not succeed at anything yet, a check found matches.
  const [ok, bad] = {
    plan: ['would run', 'would fail or be refused'],
    run: ['succeeded', 'failed'],
    check: ['match', 'differ or failed'],
  }[input.command === 'validate' ? 'run' : input.command]
  const counts = ` — ${dest(n)}: ${count('success')} ${ok}, ${failed} ${bad}, ${incomplete} incomplete, ${count('skipped')} skipped`
  if (errors > 0) return `❌ **${plural(errors, 'error')} in job files**: nothing was run; the list is below`
  if (input.command === 'validate')
    return `✅ **All ${input.jobCount} job${input.jobCount === 1 ? ' is' : 's are'} valid**`
  if (n === 0) return '✅ **Nothing to do**: no job was selected for this event'
  const ran = n - count('skipped')
  const all = ran === n ? 'all ' : ''
  const heads = {
    plan:
      failed > 0
        ? `❌ **A run would fail or be refused on ${failed} of ${dest(ran)}**`
        : `✅ **A run would succeed on ${all}${dest(ran)}**`,
    run:
      failed > 0
        ? `❌ **${failed} of ${dest(ran)} failed**`
        : incomplete > 0
          ? `⚠️ **${incomplete} of ${dest(ran)} incomplete**: cut by a time limit; the next run goes on`
          : `✅ **${all}${dest(ran)} succeeded**`,
    check:
      failed > 0
        ? `❌ **${failed} of ${dest(ran)} do not match their source**`
        : `✅ **${all}${dest(ran)} match their source**`,
  }
  return heads[input.command] + counts
}

/** The second line: what was read, and with what. */
function facts(input: SummaryInput): string {
  const warnings = input.diagnostics.filter((d) => d.severity === 'warning').length
  const parts = [`${plural(input.jobCount, 'job')} in ${plural(input.fileCount, 'file')}`]
  if (input.rcloneVersion) parts.push(`rclone ${input.rcloneVersion}`)
  if (warnings > 0) parts.push(plural(warnings, 'warning'))
  return parts.join(' · ')
}

/** What failed, first and open, each with what to do, rclone's last words and, for a refused sync, its files. */
function failuresSection(input: SummaryInput, out: BoundedText): void {
  const failures = input.results.filter((r) => r.status === 'failed')
  if (failures.length === 0) return
  out.add(
    `### ${input.command === 'plan' ? 'Would fail or be refused' : 'Failures'} (${failures.length})\n\n`,
  )
  failures.forEach((r, i) => {
    const lines = (r.errorLines ?? [])
      .slice(-10)
      .map((l) => oneLine(l.length > 500 ? `${l.slice(0, 500)}…` : l))
    const deleting = /max-delete/.test(r.reason ?? '') ? (r.planned?.first.delete ?? []) : []
    const fence = '```'
    const block =
      `<details open><summary><b>${htmlText(r.job)}</b> → ${htmlText(redactPath(r.destination))}: ${htmlText(r.reason ?? 'failed')}</summary>\n\n` +
      `**What to do:** ${whatToDo(r)}\n\n` +
      (deleting.length > 0 ? pathList('It would have deleted', r.planned?.delete ?? null, deleting) : '') +
      (lines.length > 0 ? `${fence}text\n${lines.join('\n').replaceAll(fence, "'''")}\n${fence}\n` : '') +
      '\n</details>\n\n'
    if (!out.add(block)) out.omit(failures.length - i, 'failure detail')
  })
}

/** A Markdown list of paths with its count: the first ones, then how many more. */
export function pathList(title: string, count: number | null, paths: readonly string[]): string {
  const total = count ?? paths.length
  const shown = paths.map((p) => `- \`${oneLine(p).replace(/`/g, "'")}\``)
  const more =
    total > shown.length
      ? `\n- … and ${total - shown.length} more (every path is in the report-dir files)`
      : ''
  return `**${title} (${count === null ? 'unknown' : count})**\n\n${shown.join('\n')}${more}\n\n`
}

/** Patterns of a failure's reason and rclone's words, each with one next step. */
const ADVICE: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /does not match its source/,
    'run the job (or wait for its schedule) to bring the destination in line; if it should match already, the paths below (all of them in `report-dir`) say what differs.',
  ],
  [
    /source is empty/,
    'check that the source holds the files; if an empty source is intended, set `allow-empty-source: true` on the job.',
  ],
  [
    /max-delete/,
    'check the source first (what is missing there is deleted here); if the deletions are intended, raise `options.max-delete` for one run.',
  ],
  [
    /no bisync state|asks for a resync/,
    'read what a resync does (above), then set `resync: true` on the job.',
  ],
  [
    /another run .* is bisyncing|took the bisync lock/,
    'give the workflow a `concurrency` group so runs over the same jobs queue.',
  ],
  [/bisync needs a state store/, 'set the `bisync-state` input to an rclone path the action may write.'],
  [
    /didn't find section|not in the rclone config/,
    'add the remote to the `rclone-config` secret, or correct its name in the job.',
  ],
  [
    /AccessDenied|Forbidden|Unauthorized|\b40[13]\b|permission denied|authenticat|Login incorrect|SignatureDoesNotMatch|InvalidAccessKeyId/i,
    'check the credentials and rights in the rclone config for this remote.',
  ],
  [
    /connection refused|no such host|i\/o timeout|deadline exceeded|unreachable|connection reset/i,
    'check that the server is up and reachable from the runner; the next run tries again.',
  ],
  [
    /directory not found|could not be listed|NoSuchBucket|not found/i,
    'check that the path exists (create the bucket or folder) and that the config reaches it.',
  ],
]

/** One next step for a failure, from what refused or stopped it. */
export function whatToDo(r: InvocationResult): string {
  const words = `${r.reason ?? ''}\n${(r.errorLines ?? []).join('\n')}`
  return (
    ADVICE.find(([re]) => re.test(words))?.[1] ??
    "read rclone's messages below, and this job's group in the step log."
  )
}

/** Problems in job files, every one of them (the log has them all too). */
function problemsSection(input: SummaryInput, out: BoundedText): void {
  if (input.diagnostics.length === 0) return
  out.add(`### Problems in job files (${input.diagnostics.length})\n\n`)
  out.add('| | file | line | col | key | problem |\n| --- | --- | --- | --- | --- | --- |\n')
  input.diagnostics.forEach((d, i) => {
    const row = `| ${d.severity === 'error' ? '❌' : '⚠️'} | ${cell(d.file)} | ${d.line} | ${d.col} | ${cell(d.key)} | ${cell(d.message)} |\n`
    if (!out.add(row)) out.omit(input.diagnostics.length - i, 'problem')
  })
  out.add('\n')
}

/** One row per job and destination; one that did not start shows `–`, not zeros it never counted. */
function resultsTable(input: SummaryInput, out: BoundedText): void {
  out.add('| job | destination | mode | status | files transferred | bytes | deleted | errors | duration |\n')
  out.add('| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n')
  input.results.forEach((r, i) => {
    const ran = r.exitCode !== null || r.transfers === null
    const n = (v: number | null) => (ran ? known(v) : '–')
    const bytes = !ran ? '–' : r.bytes === null ? 'unknown' : formatBytes(r.bytes)
    const took = r.startedAt === undefined ? '–' : formatDuration(r.durationSeconds)
    const row = `| ${jobCell(r.job, r.description)} | ${cell(redactPath(r.destination))} | ${r.mode} | ${STATUS_ICON[r.status]} | ${n(r.transfers)} | ${bytes} | ${n(r.deletes)} | ${n(r.errors)} | ${took} |\n`
    if (!out.add(row)) out.omit(input.results.length - i, 'result row')
  })
  out.add('\n')
  if (input.results.some((r) => r.exitCode !== null && r.transfers === null)) {
    out.add(
      '> "unknown": rclone ended without a stats block the action could read (it stopped early), so its counts are not known. They are `null` in the `results` output, not 0.\n\n',
    )
  }
}

/** Why each skipped destination did not run. */
function skippedSection(input: SummaryInput, out: BoundedText): void {
  const skipped = input.results.filter((r) => r.status === 'skipped' && r.reason)
  if (skipped.length === 0) return
  out.add(`<details><summary>Skipped (${skipped.length})</summary>\n\n`)
  skipped.forEach((r, i) => {
    if (!out.add(`- **${cell(r.job)}** → ${cell(redactPath(r.destination))}: ${cell(r.reason ?? '')}\n`))
      out.omit(skipped.length - i, 'skipped entry')
  })
  out.add('\n</details>\n\n')
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
    const notes = [...this.omitted].map(([k, n]) => plural(n, k))
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
