/** A problem found in a job file, with the position GitHub needs for an annotation. */
export interface Diagnostic {
  readonly severity: 'error' | 'warning'
  /** The file, relative to the workspace when it lies inside it. */
  readonly file: string
  /** 1-based line. */
  readonly line: number
  /** 1-based column. */
  readonly col: number
  /** The key path inside the job, such as `destinations[1]` or `options.transfers`; empty for the whole file. */
  readonly key: string
  readonly message: string
  /** Where the value came from, when it is not where the problem is reported (a value a job inherits). */
  readonly related?: { readonly file: string; readonly line: number; readonly col: number }
}

/** Formats a key path the way users write it: `destinations[1].options.transfers`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += out === '' ? String(part) : `.${String(part)}`
  }
  return out
}

/** `file:line:col: severity: key: message`, the form editors and pre-commit hooks understand. */
export function formatDiagnostic(d: Diagnostic): string {
  const key = d.key === '' ? '' : `${d.key}: `
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${key}${d.message}`
}

/**
 * Sorts by file, line, column so output is stable, and drops repeats: a value in a `_defaults.yml` is checked with
 * every job that inherits it, and is one problem, at one place, however many jobs share it.
 */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const unique = new Map(list.map((d) => [formatDiagnostic(d), d]))
  return [...unique.values()].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.message.localeCompare(b.message),
  )
}
