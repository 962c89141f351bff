/** Problems in job files, as the runner shows them: annotations at their lines, and every one in the log. */
import { type Diagnostic, formatDiagnostic } from '../jobs/diagnostics.js'
import { plural } from '../text.js'
import type { Reporter } from './reporter.js'

/** Annotations for the problems, and every problem in the log (GitHub shows only ten error annotations). */
export function printDiagnostics(out: Reporter, diagnostics: readonly Diagnostic[]): void {
  if (diagnostics.length === 0) return
  out.problem(`${plural(diagnostics.length, 'problem')} in job files:`)
  for (const d of diagnostics) {
    const props = {
      file: d.file,
      startLine: d.line,
      startColumn: d.col,
      title: d.key ? `rclone-jobs: ${d.key}` : 'rclone-jobs',
    }
    if (d.severity === 'error') out.error(d.message, props)
    else out.warning(d.message, props)
  }
  for (const line of diagnostics.map(formatDiagnostic)) out.problem(line)
}
