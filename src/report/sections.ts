/**
 * Summary sections of `check` (what differs, per job and destination) and of runs with `versions` (where replaced
 * files went, and the dated folders pruned). Pure and bounded.
 */
import type { InvocationResult } from '../run/execute.js'
import { BoundedText, cell, htmlText, pathList, redactPath } from './summary.js'

const KINDS = [
  ['missingOnDestination', 'Missing on the destination'],
  ['differ', 'Different'],
  ['extraOnDestination', 'Extra on the destination'],
  ['errors', 'Could not be compared'],
] as const

/** The check section: one table of what differs, then the first paths of each kind. */
export function checkSection(results: readonly InvocationResult[], limit: number): string {
  const out = new BoundedText(limit)
  out.add('### What differs\n\nNothing was changed: `rclone check` only reads both sides.\n\n')
  out.add(
    '| job | destination | mode | matching | missing on destination | extra on destination | different | errors | verdict |\n| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n',
  )
  results.forEach((r, i) => {
    const c = r.check
    const verdict =
      r.status === 'success'
        ? c && c.extraOnDestination > 0 && r.mode === 'copy'
          ? '✅ matches (extra files are allowed on a copy)'
          : '✅ matches'
        : r.status === 'skipped' || r.status === 'incomplete'
          ? `⏭️ ${cell(r.reason ?? r.status)}`
          : `❌ ${cell(r.reason ?? 'failed')}`
    const n = (v: number | undefined) => (v === undefined ? '–' : String(v))
    const row = `| ${cell(r.job)} | ${cell(redactPath(r.destination))} | ${r.mode} | ${n(c?.matching)} | ${n(c?.missingOnDestination)} | ${n(c?.extraOnDestination)} | ${n(c?.differ)} | ${n(c?.errors)} | ${verdict} |\n`
    if (!out.add(row)) out.omit(results.length - i, 'check row')
  })
  out.add('\n')
  results.forEach((r, i) => {
    const s = r.check?.sizeOnly
    if (s === undefined || s.count === 0) return
    const line = `> [!WARNING]\n> **${cell(r.job)}** → ${cell(redactPath(r.destination))}: ${s.count} files compared by size only (${cell(s.reason)}). A change that keeps a file's size goes unnoticed; \`check: { download: true }\` on the job compares contents (reading both sides).\n\n`
    if (!out.add(line)) out.omit(results.length - i, 'size-only warning')
  })
  results.forEach((r, i) => {
    const c = r.check
    if (!c) return
    const total = c.missingOnDestination + c.extraOnDestination + c.differ + c.errors
    if (total === 0) return
    let block = `<details${r.status === 'failed' ? ' open' : ''}><summary><b>${htmlText(r.job)}</b> → ${htmlText(redactPath(r.destination))}: ${total} paths differ</summary>\n\n`
    for (const [key, title] of KINDS) {
      const count = c[key]
      if (count === 0) continue
      block += pathList(title, count, c.first[key])
    }
    block += '</details>\n\n'
    if (!out.add(block)) out.omit(results.length - i, 'check detail')
  })
  return out.finish()
}

/** Where each destination's replaced files went, and what was pruned; empty when no job has versions. */
export function versionsSection(results: readonly InvocationResult[]): string {
  const rows = results.filter((r) => r.versions !== undefined)
  if (rows.length === 0) return ''
  const out = new BoundedText(64 * 1024)
  out.add(
    "### Versions\n\n| job | destination | this run's versions folder | pruned (older than keep) |\n| --- | --- | --- | --- |\n",
  )
  for (const r of rows) {
    const v = r.versions as NonNullable<InvocationResult['versions']>
    const pruned = v.pruned.length === 0 ? 'none' : v.pruned.map((p) => `\`${p}\``).join(', ')
    if (!out.add(`| ${cell(r.job)} | ${cell(redactPath(r.destination))} | \`${v.folder}\` | ${pruned} |\n`))
      break
  }
  out.add('\n')
  return out.finish()
}
