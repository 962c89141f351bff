/**
 * A folder of job files read the way `validate` reads it (the same finder, loader and validator), for the commands
 * that list it or add files to it. New files are checked against what is already there before anything is written:
 * a file that would not validate, or would make the folder fail (a duplicate name, an overlapping destination), is
 * refused with the diagnostics `validate` would print for it.
 */
import path from 'node:path'
import { SCHEMA_URLS } from '../constants.js'
import type { Diagnostic } from '../jobs/diagnostics.js'
import { formatDiagnostic } from '../jobs/diagnostics.js'
import {
  defaultsFinder,
  displayPath,
  findJobFiles,
  type JobDocument,
  loadJobFiles,
  parseJobFile,
} from '../jobs/load.js'
import { type ValidationOptions, type ValidationResult, validateDocuments } from '../jobs/validate.js'
import type { PlaceContext } from '../places/place.js'
import { remoteLookup } from '../places/remotes.js'

/** A jobs folder as loaded and validated. */
export interface JobFolder {
  /** The `path` as given, and the job files it resolved to. */
  readonly spec: string
  readonly files: readonly string[]
  /** Problems with `path` itself (a folder that does not exist). */
  readonly problems: readonly string[]
  /** Every document, defaults first, as `validate` passes them to the validator. */
  readonly documents: readonly JobDocument[]
  /** Problems found while reading the files (YAML syntax), and those the validator found. */
  readonly diagnostics: readonly Diagnostic[]
  readonly validated: ValidationResult
  readonly context: PlaceContext
}

/**
 * The place context of a command that contacts nothing: local paths from `cwd`; remotes defined by
 * `RCLONE_CONFIG_*` variables are known, as they are to `validate` without a config.
 */
export function commandContext(cwd: string): PlaceContext {
  return { cwd, remote: remoteLookup('', process.env) }
}

/**
 * Finds, loads and validates the job files under `spec` (a folder, a file or globs), relative to `cwd`; `context`
 * and `options` as `validateDocuments` takes them (by default a context that contacts nothing, and no config).
 */
export async function readJobFolder(
  spec: string,
  cwd: string,
  context: PlaceContext = commandContext(cwd),
  options: ValidationOptions = {},
): Promise<JobFolder> {
  const found = await findJobFiles(spec, cwd)
  const loaded = await loadJobFiles(found.files, cwd, found.defaults)
  const documents = [...(loaded.defaults ?? []), ...loaded.documents]
  const validated = validateDocuments(documents, context, options)
  return {
    spec,
    files: found.files,
    problems: found.problems,
    documents,
    diagnostics: [...loaded.diagnostics, ...validated.diagnostics],
    validated,
    context,
  }
}

/**
 * The `_defaults.yml` (or `.yaml`) that applies to a file written in `dir`: the nearest one in `dir` or a folder
 * above it, up to `cwd`, as `loadJobFiles` finds it for the files it reads.
 */
async function defaultsFor(dir: string, cwd: string): Promise<JobDocument | undefined> {
  const file = defaultsFinder(cwd)(path.resolve(dir))
  if (file === undefined) return undefined
  const loaded = await loadJobFiles([], cwd, [file])
  return loaded.defaults?.[0]
}

/** Checks new job files, one after another, against a folder and the new files accepted before them. */
export class NewFiles {
  private readonly documents: JobDocument[]
  private baseline: Set<string>

  private constructor(
    private readonly folder: JobFolder,
    private readonly cwd: string,
    private readonly defaults: JobDocument | undefined,
  ) {
    this.documents = [...folder.documents]
    this.baseline = NewFiles.errors(validateDocuments(this.documents, folder.context).diagnostics)
  }

  /** Starts checking files to be written in `dir`. */
  static async open(folder: JobFolder, dir: string, cwd: string): Promise<NewFiles> {
    return new NewFiles(folder, cwd, await defaultsFor(dir, cwd))
  }

  private static errors(diagnostics: readonly Diagnostic[]): Set<string> {
    return new Set(diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic))
  }

  /**
   * The errors a new file at `abs` with `text` would bring: its own (parsing, schema), and those it causes with
   * the other files. Empty when it validates; it is then part of the folder for the next check.
   */
  add(abs: string, text: string): Diagnostic[] {
    const parsed = parseJobFile(displayPath(abs, this.cwd), text, 'job')
    const docs = parsed.documents.map((d) =>
      this.defaults === undefined ? d : { ...d, defaults: this.defaults },
    )
    const result = validateDocuments([...this.documents, ...docs], this.folder.context)
    const added = [...parsed.diagnostics, ...result.diagnostics].filter(
      (d) => d.severity === 'error' && !this.baseline.has(formatDiagnostic(d)),
    )
    if (added.length === 0) {
      this.documents.push(...docs)
      this.baseline = NewFiles.errors(result.diagnostics)
    }
    return added
  }
}

/** The first line of a written job file: the editor schema at the release tag, which works from any repository. */
export function schemaLine(): string {
  return `# yaml-language-server: $schema=${SCHEMA_URLS.job}`
}
