/**
 * The plan section of the step summary: one table of what would change (run/plan-changes.ts reads it from rclone's
 * dry run), with the refusal a guard would give the run. Pure.
 */

import type { InvocationResult } from '../run/execute.js'
import { BoundedText, cell, formatBytes, htmlText, pathList, redactPath } from './summary.js'

/** How many paths of each kind the summary lists per invocation before "and N more". */
export const PATHS_PER_KIND = 25

function num(n: number | null): string {
  return n === null ? 'unknown' : String(n)
}

/** The plan section of the step summary: per job and destination, with what a run would be refused for. */
export function planSection(results: readonly InvocationResult[], limit: number): string {
  const items = results.map((result) => ({ result, changes: result.planned }))
  const out = new BoundedText(limit)
  out.add('### What a run would change\n\nNothing was changed: every invocation ran with `--dry-run`.\n\n')
  out.add(
    '| job | destination | would copy (new) | would update | would delete | bytes | a run would |\n| --- | --- | ---: | ---: | ---: | ---: | --- |\n',
  )
  items.forEach(({ result, changes }, i) => {
    const verdict =
      result.status === 'success'
        ? '✅ run'
        : result.status === 'skipped'
          ? `⏭️ skip: ${cell(result.reason ?? '')}`
          : `❌ ${cell(result.reason ?? 'fail')}`
    const row = `| ${cell(result.job)} | ${cell(redactPath(result.destination))} | ${num(changes?.copy ?? null)} | ${num(changes?.update ?? null)} | ${num(changes?.delete ?? null)} | ${changes?.bytes === null || changes === undefined ? 'unknown' : formatBytes(changes.bytes)} | ${verdict} |\n`
    if (!out.add(row)) out.omit(items.length - i, 'plan row')
  })
  out.add('\n')
  items.forEach(({ result, changes }, i) => {
    if (!changes) return
    const total = (changes.copy ?? 0) + (changes.update ?? 0) + (changes.delete ?? 0)
    if (total === 0) return
    let block = `<details${(changes.delete ?? 0) > 0 ? ' open' : ''}><summary><b>${htmlText(result.job)}</b> → ${htmlText(redactPath(result.destination))}: ${num(changes.delete)} to delete, ${num(changes.update)} to update, ${num(changes.copy)} to copy</summary>\n\n`
    block += listing('Would delete', changes.delete, changes.first.delete)
    block += listing('Would update', changes.update, changes.first.update)
    block += listing('Would copy', changes.copy, changes.first.copy)
    block += '</details>\n\n'
    if (!out.add(block)) out.omit(items.length - i, 'plan detail')
  })
  return out.finish()
}

function listing(title: string, count: number | null, paths: readonly string[]): string {
  return paths.length === 0 ? '' : pathList(title, count, paths.slice(0, PATHS_PER_KIND))
}
