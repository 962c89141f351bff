/**
 * What a plan (`--dry-run`) would change, read from rclone's own per-file reports in its JSON log: every file it
 * skipped because of --dry-run carries `"skipped": "copy" | "delete" | ...`. A copy of a file that exists on the
 * destination is preceded by rclone's debug note of how they differ (sizes, times, hashes): that makes it an
 * update rather than a new file. Pure.
 */

import type { RcloneLogEntry } from '../rclone/runner.js'
import type { InvocationResult } from '../run/execute.js'
import { BoundedText, cell, formatBytes, redactPath } from './summary.js'

/** The changes one invocation would make. */
export interface PlannedChanges {
  readonly copy: string[]
  readonly update: string[]
  readonly delete: string[]
  readonly bytes: number
}

/** How many paths of each kind the summary lists per invocation before "and N more". */
export const PATHS_PER_KIND = 25

/** Reads the planned changes from an invocation's log entries. */
export function plannedChanges(entries: readonly RcloneLogEntry[]): PlannedChanges {
  const differs = new Set<string>()
  const copy: string[] = []
  const update: string[] = []
  const del: string[] = []
  let bytes = 0
  for (const e of entries) {
    if (e.object === undefined) continue
    if (e.level === 'debug' && /differ/i.test(e.msg)) differs.add(e.object)
    if (e.skipped === undefined) continue
    if (/^(copy|move|server-side copy|server side copy)$/.test(e.skipped)) {
      ;(differs.has(e.object) ? update : copy).push(e.object)
      bytes += e.size ?? 0
    } else if (e.skipped === 'delete') del.push(e.object)
  }
  return { copy, update, delete: del, bytes }
}

/** The plan section of the step summary: per job and destination, deletions first, bounded. */
export function planSection(
  items: ReadonlyArray<{ result: InvocationResult; changes: PlannedChanges | undefined }>,
  limit: number,
): string {
  const out = new BoundedText(limit)
  out.add('### Plan: what would change\n\nNothing was changed: every invocation ran with `--dry-run`.\n\n')
  out.add(
    '| job | destination | would copy (new) | would update | would delete | bytes |\n| --- | --- | ---: | ---: | ---: | ---: |\n',
  )
  for (const { result, changes } of items) {
    if (!changes) continue
    out.add(
      `| ${cell(result.job)} | ${cell(redactPath(result.destination))} | ${changes.copy.length} | ${changes.update.length} | ${changes.delete.length} | ${formatBytes(changes.bytes)} |\n`,
    )
  }
  out.add('\n')
  items.forEach(({ result, changes }, i) => {
    if (!changes) return
    const total = changes.copy.length + changes.update.length + changes.delete.length
    if (total === 0) return
    let block = `<details${changes.delete.length > 0 ? ' open' : ''}><summary><b>${cell(result.job)}</b> → ${cell(redactPath(result.destination))}: ${changes.delete.length} to delete, ${changes.update.length} to update, ${changes.copy.length} to copy</summary>\n\n`
    block += listing('Would delete', changes.delete)
    block += listing('Would update', changes.update)
    block += listing('Would copy', changes.copy)
    block += '</details>\n\n'
    if (!out.add(block)) out.omit(items.length - i, 'plan detail')
  })
  return out.finish()
}

function listing(title: string, paths: readonly string[]): string {
  if (paths.length === 0) return ''
  const shown = paths.slice(0, PATHS_PER_KIND).map((p) => `- \`${p.replace(/`/g, "'")}\``)
  const more = paths.length > PATHS_PER_KIND ? `\n- … and ${paths.length - PATHS_PER_KIND} more` : ''
  return `**${title} (${paths.length})**\n\n${shown.join('\n')}${more}\n\n`
}
