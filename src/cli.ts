/**
 * The local CLI over the same pipeline: `rclone-jobs validate|plan|run|check [path]`. Normal output goes to stdout;
 * problems (diagnostics as `file:line:col: severity: key: message`, the form editors and pre-commit hooks read, and
 * errors) go to stderr. With `--format json`, stdout holds one JSON document and everything else goes to stderr.
 * Exit 0 when all is well, 1 on problems in job files or failed invocations, 2 on usage errors.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { readProcessStdin } from './commands/io.js'
import { parseJobCommand } from './commands/job-cli.js'
import { COMMANDS, type Command, DEFAULT_MAX_PARALLEL, Outputs } from './constants.js'
import { UsageError } from './errors.js'
import { type ActionInputs, MAX_PARALLEL_LIMIT, parseCount } from './inputs.js'
import type { Diagnostic } from './jobs/diagnostics.js'
import { durationMs, MIN_BUDGET_MS } from './jobs/durations.js'
import { defaultDeps, runCommand } from './main.js'
import { consoleReporter } from './report/reporter.js'

const USAGE = `Usage: rclone-jobs <command> [path] [options]

Commands:
  validate   check every job file; contacts nothing and needs no rclone
  plan       validate, then a --dry-run of every invocation: what would be copied, updated, deleted
  run        validate, then run the jobs with the rclone on PATH
  check      validate, then compare every destination with its source (rclone check); changes nothing
  import     write job files from rclone command lines: import FILE... (shell scripts, crontabs),
             import -- rclone sync SRC DST [flags], or the lines on standard input
  new        write a commented job file: new NAME --source S --destination D [--destination D2] [--mode M]
  list       one row per job: name, mode, source, destinations, schedule, next run (UTC), enabled, file

  path       the folder of job files, a file, or a glob (default: jobs)

Options:
  --jobs <names>          job names or globs, comma-separated (default: all enabled jobs); one that names no
                          job is a usage error
  --max-parallel <n>      invocations at once, 1 to ${MAX_PARALLEL_LIMIT} (default: ${DEFAULT_MAX_PARALLEL})
  --fail-fast             start nothing new after the first failure
  --bisync-state <path>   rclone path where bisync state is kept between runs
  --time-budget <d>       a duration (5h30m, 90m): no invocation starts once it is spent, running ones are cut
  --config <file>         the rclone config rclone and validation read (default: RCLONE_CONFIG, then rclone's
                          own config file; RCLONE_CONFIG_* variables too): unknown remotes and alias overlaps
                          are found as the action finds them
  --format <text|json>    text (default), or one JSON document on stdout: the diagnostics and, for plan, run and
                          check, the results (see "The command line" in the README)
  -h, --help              show this help

Options of import, new and list:
  --path <dir>            import, new: the jobs folder to write into (default: jobs)
  --name <name>           import: the job's name (default: from the source path); further jobs get -2, -3
  --dry-run               import: show the files it would write, and write nothing
  --source <path>         new: the source rclone path
  --destination <path>    new: a destination rclone path; repeat it for several
  --mode <mode>           new: sync (default), copy or bisync

Problems go to stderr, everything else to stdout. Exit status: 0 all well, 1 problems in job files or failed
invocations, 2 usage errors (a bad command, flag or value, or --jobs that names no job).
`

/** The commands that write or list job files, beside the action's own. */
const JOB_COMMANDS = ['import', 'new', 'list'] as const

/** Where the CLI writes: `out` is stdout, `err` is stderr. */
export interface CliIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  /** All of standard input (for `import`); the process's by default. */
  readonly readStdin?: () => Promise<string>
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
}

/**
 * The JSON document `--format json` prints on stdout: what the command ended with, every diagnostic with its
 * position, and the per-destination results (the action's `results` output; empty for `validate`).
 */
export interface JsonReport {
  readonly command: Command | (typeof JOB_COMMANDS)[number]
  readonly success: boolean
  /** Why the command failed; empty on success. */
  readonly message: string
  readonly diagnostics: readonly Diagnostic[]
  readonly results: readonly unknown[]
}

/**
 * Runs the CLI with arguments (without `node` and the script) in `cwd`, and returns the exit code.
 */
export async function main(
  argv: readonly string[],
  io: CliIo = processIo,
  cwd: string = process.cwd(),
): Promise<number> {
  let parsed: ReturnType<typeof parseCli>
  try {
    const job = parseJobCommand(argv, CLI_FLAGS)
    if (job === 'help') {
      io.out(USAGE)
      return 0
    }
    if (job !== undefined) return await job({ ...io, cwd, readStdin: io.readStdin ?? readProcessStdin })
    parsed = parseCli(argv)
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    if (wantsJson(argv)) io.out(JSON.stringify(failureReport(argv[0], message), null, 2))
    // A command that found its arguments wrong says why; a parse error shows the usage too.
    io.err(e instanceof UsageError ? `rclone-jobs ${message}` : `rclone-jobs: ${message}\n\n${USAGE}`)
    return 2
  }
  if (parsed === 'help') {
    io.out(USAGE)
    return 0
  }
  const { inputs, format, config } = parsed
  const json = format === 'json'
  if (config !== '' && !existsSync(path.resolve(cwd, config))) {
    const message = `--config: there is no file "${config}"`
    if (json) io.out(JSON.stringify(failureReport(inputs.command, message), null, 2))
    io.err(`rclone-jobs: ${message}`)
    return 2
  }
  const outputs = new Map<string, string>()
  const deps = {
    ...defaultDeps(),
    cwd,
    // --config FILE is the config rclone and validation read, where it is (rclone may write a refreshed token back).
    env: {
      ...process.env,
      GITHUB_STEP_SUMMARY: '',
      ...(config ? { RCLONE_CONFIG: path.resolve(cwd, config) } : {}),
    },
    // With JSON on stdout, the human-readable log goes to stderr, so stdout stays one parseable document.
    reporter: consoleReporter(json ? io.err : io.out, { outputs, printProblem: io.err }),
  }
  try {
    const outcome = await runCommand(inputs, deps)
    if (json) {
      const report: JsonReport = {
        command: inputs.command,
        success: outcome.success,
        message: outcome.success ? '' : outcome.message,
        diagnostics: outcome.diagnostics,
        results: JSON.parse(outputs.get(Outputs.Results) ?? '[]') as unknown[],
      }
      io.out(JSON.stringify(report, null, 2))
    }
    if (!outcome.success) io.err(`\nrclone-jobs: ${outcome.message}`)
    return outcome.success ? 0 : 1
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    if (json) io.out(JSON.stringify(failureReport(inputs.command, message), null, 2))
    io.err(`rclone-jobs: ${message}`)
    return e instanceof UsageError ? 2 : 1
  }
}

/** Whether the arguments ask for JSON, read before they are parsed (a usage error still prints one document). */
function wantsJson(argv: readonly string[]): boolean {
  return argv.some((a, i) => a === '--format=json' || (a === '--format' && argv[i + 1] === 'json'))
}

/** The JSON document of a command that stopped before it had an outcome. */
function failureReport(command: string | undefined, message: string): JsonReport {
  const known = [...COMMANDS, ...JOB_COMMANDS].find((c) => c === command)
  return {
    command: known ?? 'validate',
    success: false,
    message,
    diagnostics: [],
    results: [],
  }
}

/** The CLI's flags (`--help` lists each of them; a test checks that). */
export const CLI_FLAGS = {
  jobs: { type: 'string', default: '' },
  'max-parallel': { type: 'string', default: String(DEFAULT_MAX_PARALLEL) },
  'fail-fast': { type: 'boolean', default: false },
  'bisync-state': { type: 'string', default: '' },
  'time-budget': { type: 'string', default: '' },
  config: { type: 'string', default: '' },
  format: { type: 'string', default: 'text' },
  help: { type: 'boolean', short: 'h', default: false },
} as const

/** The `--help` text. */
export function usage(): string {
  return USAGE
}

function parseCli(
  argv: readonly string[],
): { inputs: ActionInputs; format: 'text' | 'json'; config: string } | 'help' {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: CLI_FLAGS })
  if (values.help) return 'help'
  const [command, path, ...rest] = positionals
  if (command === undefined) throw new Error('a command is needed')
  if (!(COMMANDS as readonly string[]).includes(command))
    throw new Error(
      `unknown command "${command}" (the commands are ${[...COMMANDS, ...JOB_COMMANDS].join(', ')})`,
    )
  if (rest.length > 0) throw new Error(`unexpected arguments: ${rest.join(' ')}`)
  const maxParallel = parseCount(values['max-parallel'] ?? '', 1, MAX_PARALLEL_LIMIT)
  if (maxParallel === undefined)
    throw new Error(
      `--max-parallel must be a whole number from 1 to ${MAX_PARALLEL_LIMIT} in decimal digits, not "${values['max-parallel']}"`,
    )
  const budget = values['time-budget']?.trim() ?? ''
  const timeBudgetMs = budget === '' ? undefined : durationMs(budget)
  if (budget !== '' && timeBudgetMs === undefined)
    throw new Error(`--time-budget must be a duration such as 5h30m, 90m or 45s, not "${budget}"`)
  if (timeBudgetMs !== undefined && timeBudgetMs < MIN_BUDGET_MS)
    throw new Error(`--time-budget must be at least 1s: "${budget}" would start nothing`)
  const format = values.format
  if (format !== 'text' && format !== 'json')
    throw new Error(`--format must be text or json, not "${format}"`)
  if (values['bisync-state']?.startsWith('-')) throw new Error('--bisync-state must not begin with "-"')
  const config = values.config ?? ''
  return {
    format,
    config,
    inputs: Object.freeze({
      command: command as Command,
      path: path ?? 'jobs',
      jobs: values.jobs ?? '',
      rcloneVersion: 'system',
      rcloneConfig: '',
      rcloneDownloadUrl: '',
      maxParallel,
      failFast: values['fail-fast'] ?? false,
      bisyncState: values['bisync-state'] ?? '',
      shards: 0,
      timeBudgetMs,
      changedOnly: 'false',
      comment: false,
      githubToken: '',
    }),
  }
}
