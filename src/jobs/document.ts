/**
 * What loading hands to the later steps: one YAML document of a job file (or the mapping of a `_defaults.yml`) and
 * a way to find where each of its values is written. Types only, so that `load` (which makes documents) and
 * `defaults` (which merges them) both import from here and neither imports the other's types.
 */

/** Where a value is written: the file (a job file, or the `_defaults.yml` it came from), 1-based line and column. */
export interface Position {
  readonly file: string
  readonly line: number
  readonly col: number
}

/** What a file holds: one or more jobs, or (a `_defaults.yml`) the defaults of the jobs beside and below it. */
export type FileKind = 'job' | 'defaults'

/** One YAML document of a job file, or the mapping of a `_defaults.yml`. */
export interface JobDocument {
  /** `defaults` for the mapping of a `_defaults.yml`, which holds no job. */
  readonly kind: FileKind
  readonly file: string
  /** 0-based index of the document in its file. */
  readonly index: number
  /** How many documents hold content in this file (a name defaults to the stem only when this is 1). */
  readonly count: number
  /** The plain value of the document. */
  readonly value: unknown
  /**
   * Where a key path is written, falling back to the nearest ancestor that exists. A value that comes from an
   * anchor, a merge key (`<<: *base`) or a `_defaults.yml` is located where it is written.
   */
  readonly locate: (keyPath: readonly PropertyKey[], want?: 'key' | 'value') => Position
  /** The `_defaults.yml` that applies to this job (the nearest one above it), when there is one. */
  readonly defaults?: JobDocument
}
