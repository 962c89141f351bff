/**
 * `rclone-jobs import [FILE...] [-- rclone ...]`: rclone command lines (shell scripts, crontabs, standard input, or
 * one command as arguments) to job files. Steps: read the inputs -> map each rclone command (jobs/from-rclone) ->
 * group commands into jobs (1:N) -> name each job -> render its file -> validate it against the folder as
 * `validate` would -> write the files that validate, never over an existing file. Whatever cannot be mapped or does
 * not validate is refused with the reason, and nothing is written for it; the rest is still written.
 */

import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Document, isScalar, isSeq, Scalar } from 'yaml'
import { UsageError } from '../errors.js'
import {
  type CommandOutcome,
  groupJobs,
  type ImportDeps,
  importArguments,
  importScript,
  type JobDraft,
  jobDocument,
  nameFromPath,
  type Origin,
  type Refusal,
  uniqueName,
} from '../jobs/from-rclone.js'
import { displayPath } from '../jobs/load.js'
import { NAME_PATTERN } from '../jobs/schema.js'
import { plural } from '../text.js'
import type { CommandIo, OutputFormat } from './io.js'
import { NewFiles, readJobFolder, schemaLine } from './job-folder.js'

/** The parsed arguments of `import`. */
export interface ImportArgs {
  /** Scripts or crontabs to read, relative to the working folder. */
  readonly files: readonly string[]
  /** One command given after `--`, as words the user's shell has already split and expanded. */
  readonly command: readonly string[]
  /** The jobs folder to write into. */
  readonly path: string
  /** The name of the (first) job; further jobs get `-2`, `-3`. */
  readonly name?: string
  /** Show what would be written, write nothing. */
  readonly dryRun: boolean
  readonly format: OutputFormat
}

/** A job file `import` writes, or would write. */
export interface ImportedJob {
  readonly name: string
  /** Relative to the working folder. */
  readonly file: string
  readonly written: boolean
  readonly mode: string
  readonly source: string
  readonly destinations: readonly string[]
  readonly schedule: readonly string[]
  readonly from: readonly Origin[]
  readonly notes: readonly string[]
  readonly content: string
}

/** A command that was not imported, and why. */
export interface RefusedCommand extends Origin {
  readonly problems: readonly Refusal[]
}

/** A line that is not an rclone sync, copy or bisync command. */
export interface IgnoredCommand extends Origin {
  readonly reason: string
}

/** The JSON document `import --format json` prints. */
export interface ImportReport {
  readonly command: 'import'
  readonly success: boolean
  readonly message: string
  readonly dryRun: boolean
  readonly jobs: readonly ImportedJob[]
  readonly refused: readonly RefusedCommand[]
  readonly ignored: readonly IgnoredCommand[]
}

class UsageProblem extends Error {}

/** Runs `import`; returns the exit code: 0 all imported, 1 when a command was refused, 2 on usage errors. */
export async function importCommand(args: ImportArgs, io: CommandIo): Promise<number> {
  try {
    return await runImport(args, io)
  } catch (e) {
    if (!(e instanceof UsageProblem)) throw e
    throw new UsageError(`import: ${e.message}`)
  }
}

async function runImport(args: ImportArgs, io: CommandIo): Promise<number> {
  if (args.name !== undefined && (!NAME_PATTERN.test(args.name) || args.name.length > 60))
    throw new UsageProblem(
      `--name must be letters, digits, "_" and "-", at most 60 characters, not "${args.name}"`,
    )
  const dir = path.resolve(io.cwd, args.path)
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false)
    throw new UsageProblem(`--path ${args.path} is a file; it must be the jobs folder`)

  const outcomes = await readInputs(args, io)
  const refused: RefusedCommand[] = []
  const ignored: IgnoredCommand[] = []
  const mapped: Array<Extract<CommandOutcome, { kind: 'mapped' }>> = []
  for (const o of outcomes) {
    if (o.kind === 'mapped') mapped.push(o)
    else if (o.kind === 'refused') refused.push({ ...o.origin, problems: o.refusals })
    else ignored.push({ ...o.origin, reason: o.reason })
  }

  const jobs = await writeJobs(groupJobs(mapped), args, io, dir, refused)
  const report: ImportReport = {
    command: 'import',
    success: refused.length === 0,
    message:
      refused.length === 0
        ? ''
        : `${plural(refused.length, 'command')} refused; nothing was written for them`,
    dryRun: args.dryRun,
    jobs,
    refused: refused.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line),
    ignored,
  }
  if (args.format === 'json') {
    io.out(JSON.stringify(report, null, 2))
    for (const r of report.refused) io.err(refusalText(r))
  } else printText(report, io)
  return report.success ? 0 : 1
}

/** Maps every command of every input: the files named, the command after `--`, or else standard input. */
async function readInputs(args: ImportArgs, io: CommandIo): Promise<CommandOutcome[]> {
  const deps: ImportDeps = { readFile: (f) => readFileSync(path.resolve(io.cwd, f), 'utf8') }
  const outcomes: CommandOutcome[] = []
  for (const file of args.files) {
    let text: string
    try {
      text = readFileSync(path.resolve(io.cwd, file), 'utf8')
    } catch (e) {
      throw new UsageProblem(`${file} could not be read: ${e instanceof Error ? e.message : String(e)}`)
    }
    outcomes.push(...importScript(file, text, deps))
  }
  if (args.command.length > 0) outcomes.push(importArguments(args.command, deps))
  if (args.files.length === 0 && args.command.length === 0)
    outcomes.push(...importScript('<stdin>', await io.readStdin(), deps))
  return outcomes
}

/** Names, renders, validates and (unless a dry run) writes each job; a job that fails is refused line by line. */
async function writeJobs(
  drafts: readonly JobDraft[],
  args: ImportArgs,
  io: CommandIo,
  dir: string,
  refused: RefusedCommand[],
): Promise<ImportedJob[]> {
  if (drafts.length === 0) return []
  const folder = await readJobFolder(args.path, io.cwd)
  const check = await NewFiles.open(folder, dir, io.cwd)
  const names = new Set(folder.validated.jobs.map((j) => j.name))
  const taken = (name: string): boolean =>
    names.has(name) ||
    ['.yml', '.yaml'].some(
      (ext) => statSync(path.join(dir, `${name}${ext}`), { throwIfNoEntry: false }) !== undefined,
    )
  const header = schemaLine()
  const jobs: ImportedJob[] = []
  for (const [i, draft] of drafts.entries()) {
    const refuse = (message: string, flag?: string): void => {
      for (const origin of draft.origins)
        refused.push({ ...origin, problems: [flag ? { flag, message } : { message }] })
    }
    const wanted = args.name !== undefined && i === 0 ? args.name : undefined
    if (wanted !== undefined && taken(wanted)) {
      refuse(
        `a job named "${wanted}" (or its file) already exists in ${args.path}; import never overwrites a file`,
        '--name',
      )
      continue
    }
    const name = wanted ?? uniqueName(args.name ?? nameFromPath(draft.source, draft.mode), taken)
    const abs = path.join(dir, `${name}.yml`)
    const file = displayPath(abs, io.cwd)
    const content = renderJob(draft, header)
    const errors = check.add(abs, content)
    if (errors.length > 0) {
      for (const origin of draft.origins)
        refused.push({
          ...origin,
          problems: errors.map((d) => ({
            ...(d.key !== '' ? { flag: d.key } : {}),
            message: `the job it makes (${file}) would not validate: ${d.message}`,
          })),
        })
      continue
    }
    names.add(name)
    let written = false
    if (!args.dryRun) {
      mkdirSync(dir, { recursive: true })
      try {
        // `wx`: never over a file, even one that appeared since the folder was read.
        writeFileSync(abs, content, { flag: 'wx' })
        written = true
      } catch (e) {
        refuse(`${file} could not be written: ${e instanceof Error ? e.message : String(e)}`)
        continue
      }
    }
    jobs.push({
      name,
      file,
      written,
      mode: draft.mode,
      source: draft.source,
      destinations: draft.destinations,
      schedule: draft.schedule,
      from: draft.origins,
      notes: draft.notes,
      content,
    })
  }
  return jobs
}

/**
 * A job file: the schema line, where the job came from, then the job. Crons are double-quoted as in the examples
 * (a cron that begins with `*` would otherwise be read as a YAML alias); nothing is folded.
 */
export function renderJob(draft: JobDraft, schemaComment: string): string {
  const doc = new Document(jobDocument(draft))
  const schedule = doc.get('schedule', true)
  const quote = (node: unknown) => {
    if (isScalar(node)) node.type = Scalar.QUOTE_DOUBLE
  }
  quote(schedule)
  if (isSeq(schedule)) for (const item of schedule.items) quote(item)
  const from = draft.origins.map((o) => `  ${o.file}:${o.line}: ${oneLine(o.text)}`)
  doc.commentBefore = [
    ` ${schemaComment.replace(/^#\s?/, '')}`,
    ' Imported by `rclone-jobs import` from:',
    ...from.map((l) => ` ${l}`),
  ].join('\n')
  return doc.toString({ lineWidth: 0 })
}

/** A line for a comment or a message: no line breaks, at most 200 characters. */
function oneLine(text: string): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' ')
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat
}

/** `file:line: error: flag: message` for each reason, the form of `validate`'s diagnostics without a column. */
function refusalText(r: RefusedCommand): string {
  return r.problems
    .map((p) => `${r.file}:${r.line}: error: ${p.flag !== undefined ? `${p.flag}: ` : ''}${p.message}`)
    .join('\n')
}

function printText(report: ImportReport, io: CommandIo): void {
  for (const j of report.jobs) {
    const what = `${j.mode} ${j.source} -> ${j.destinations.join(', ')}${j.schedule.length > 0 ? ` (schedule ${j.schedule.join(', ')})` : ''}`
    const from = j.from.map((o) => `${o.file}:${o.line}`).join(', ')
    io.out(`${report.dryRun ? 'would write' : 'wrote'} ${j.file}: ${what}; from ${from}`)
    for (const n of j.notes) io.out(`  note: ${n}`)
    if (report.dryRun) io.out(`${j.content.replace(/^(?=.)/gm, '    ').trimEnd()}\n`)
  }
  for (const i of report.ignored) io.out(`ignored ${i.file}:${i.line}: ${i.reason}`)
  for (const r of report.refused) io.err(refusalText(r))
  const summary = [
    `${report.dryRun ? 'Would write' : 'Wrote'} ${plural(report.jobs.length, 'job file')}`,
    `${plural(report.refused.length, 'command')} refused`,
    `${plural(report.ignored.length, 'line')} ignored`,
  ].join('; ')
  io.out(`${summary}.`)
  if (report.jobs.length + report.refused.length === 0)
    io.out('No rclone sync, copy or bisync command was found.')
  if (!report.success) io.err(`\nrclone-jobs: ${report.message}`)
}
