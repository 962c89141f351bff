/**
 * `rclone-jobs new NAME --source S --destination D [--destination D2 ...] [--mode sync|copy|bisync]`: writes a
 * commented job file with the common keys, most of them commented out, so that a new job starts from a file that
 * validates and shows what can be set. Steps: check the arguments -> render the file -> validate it against the
 * folder as `validate` would -> write it, never over an existing file.
 */

import { mkdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { stringify } from 'yaml'
import { UsageError } from '../errors.js'
import { type Diagnostic, formatDiagnostic } from '../jobs/diagnostics.js'
import { MODES, type Mode } from '../jobs/from-rclone.js'
import { displayPath } from '../jobs/load.js'
import { NAME_PATTERN } from '../jobs/schema.js'
import type { CommandIo, OutputFormat } from './io.js'
import { NewFiles, readJobFolder, schemaLine } from './job-folder.js'

/** The parsed arguments of `new`. */
export interface NewJobArgs {
  readonly name: string | undefined
  readonly source: string | undefined
  readonly destinations: readonly string[]
  /** `sync` when not given. */
  readonly mode: string | undefined
  /** The jobs folder to write into. */
  readonly path: string
  readonly format: OutputFormat
}

/** The JSON document `new --format json` prints. */
export interface NewJobReport {
  readonly command: 'new'
  readonly success: boolean
  readonly message: string
  readonly name: string
  /** Relative to the working folder. */
  readonly file: string
  readonly written: boolean
  readonly content: string
  readonly diagnostics: readonly Diagnostic[]
}

/** Runs `new`; returns the exit code: 0 written, 1 when the job would not validate or the file exists, 2 on usage. */
export async function newJobCommand(args: NewJobArgs, io: CommandIo): Promise<number> {
  const usage = usageProblem(args)
  if (usage !== undefined) {
    throw new UsageError(`new: ${usage}`)
  }
  const name = args.name as string
  const mode = (args.mode ?? 'sync') as Mode
  const dir = path.resolve(io.cwd, args.path)
  const abs = path.join(dir, `${name}.yml`)
  const file = displayPath(abs, io.cwd)
  const content = renderNewJob(name, args.source as string, args.destinations, mode, schemaLine())
  const finish = (success: boolean, message: string, diagnostics: readonly Diagnostic[] = []): number => {
    if (args.format === 'json') {
      const report: NewJobReport = {
        command: 'new',
        success,
        message,
        name,
        file,
        written: success,
        content,
        diagnostics,
      }
      io.out(JSON.stringify(report, null, 2))
    } else if (success) io.out(message)
    for (const d of diagnostics) io.err(formatDiagnostic(d))
    if (!success) io.err(`rclone-jobs new: ${message}`)
    return success ? 0 : 1
  }

  const existing = ['.yml', '.yaml']
    .map((ext) => path.join(dir, `${name}${ext}`))
    .find((f) => statSync(f, { throwIfNoEntry: false }))
  if (existing !== undefined)
    return finish(false, `${displayPath(existing, io.cwd)} already exists; new never overwrites a file`)
  const folder = await readJobFolder(args.path, io.cwd)
  const errors = (await NewFiles.open(folder, dir, io.cwd)).add(abs, content)
  if (errors.length > 0) return finish(false, `${file} would not validate; nothing was written`, errors)
  mkdirSync(dir, { recursive: true })
  try {
    writeFileSync(abs, content, { flag: 'wx' })
  } catch (e) {
    return finish(false, `${file} could not be written: ${e instanceof Error ? e.message : String(e)}`)
  }
  return finish(
    true,
    `wrote ${file}: ${mode} ${args.source} -> ${args.destinations.join(', ')}; edit it, then check it with rclone-jobs validate`,
  )
}

/** What is wrong with the arguments themselves, or undefined. */
function usageProblem(args: NewJobArgs): string | undefined {
  if (args.name === undefined) return 'a job name is needed: rclone-jobs new NAME --source S --destination D'
  if (!NAME_PATTERN.test(args.name) || args.name.length > 64)
    return `the name must be letters, digits, "_" and "-", at most 64 characters, not "${args.name}"`
  if (args.source === undefined) return '--source is needed'
  if (args.destinations.length === 0) return 'at least one --destination is needed'
  if (args.mode !== undefined && !(MODES as readonly string[]).includes(args.mode))
    return `--mode must be ${MODES.join(', ')}, not "${args.mode}"`
  return undefined
}

/** A YAML scalar on one line, quoted only when YAML needs it. */
function scalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).trimEnd()
}

/**
 * The text of a new job file: the keys that are set, and the common ones commented out with what they do, the
 * settings that apply to the mode (versions and backup-dir for sync and copy, resync for bisync).
 */
export function renderNewJob(
  name: string,
  source: string,
  destinations: readonly string[],
  mode: Mode,
  schemaComment: string,
): string {
  const modeHelp: Record<Mode, string> = {
    sync: 'sync: make each destination identical to the source (deletes there what the source lacks)',
    copy: 'copy: copy new and changed files; never deletes',
    bisync: 'bisync: changes on either side reach the other',
  }
  const lines = [
    schemaComment,
    `# The job "${name}", written by \`rclone-jobs new\`. Every key is described under "Job files" in the README.`,
    '# Check the file with `rclone-jobs validate`; see what a run would copy and delete with `rclone-jobs plan`.',
    '',
    '# description: what this job keeps, shown in summaries',
    `source: ${scalar(source)}`,
    'destinations:                     # one rclone run per destination',
    ...destinations.map((d) => `  - ${scalar(d)}`),
    `${`mode: ${mode}`.padEnd(34)}# ${modeHelp[mode]}`,
    '',
    '# schedule: "30 2 * * *"           # a cron (UTC) listed under on.schedule in the workflow; none: every trigger',
    '# enabled: false                   # validated and listed, never run',
    ...(mode === 'copy'
      ? []
      : [
          '# allow-empty-source: true         # let a run from an empty source delete what the destination has',
        ]),
    ...(mode === 'bisync'
      ? [
          '# resync: true                     # consent to the one --resync that a first run (or lost state) needs',
        ]
      : []),
    '',
    '# options:                         # rclone flags of the same names',
    '#   transfers: 8',
    '#   checksum: true                 # compare files by hash, not by size and time',
    '#   max-delete: 100                # stop before a run deletes more files than this',
    ...(mode === 'bisync'
      ? []
      : ['#   backup-dir: remote:trash       # move what a run replaces or deletes here']),
    '',
    '# filters:                         # rclone filter flags of the same names',
    '#   exclude: ["*.tmp", ".DS_Store"]',
    '#   max-age: 30d',
    ...(mode === 'bisync'
      ? []
      : [
          '',
          '# versions:                        # keep what a run replaces or deletes, in dated folders',
          '#   keep: 30d                      # purged after this long',
        ]),
    '',
  ]
  return lines.join('\n')
}
