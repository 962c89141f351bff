/**
 * The local CLI over the same pipeline: `rclone-jobs validate|plan|run [path]`. Diagnostics print as
 * `file:line:col: severity: key: message`, the form editors and pre-commit hooks read. Exit 0 when all is well, 1 on
 * problems or failed invocations, 2 on usage errors.
 */
import { parseArgs } from 'node:util'
import { COMMANDS, type Command, DEFAULT_MAX_PARALLEL } from './constants.js'
import { type ActionInputs, UserError } from './inputs.js'
import { defaultDeps, runCommand } from './main.js'
import { consoleReporter } from './report/reporter.js'

const USAGE = `Usage: rclone-jobs <validate|plan|run> [path] [options]

  validate   check every job file; contacts nothing and needs no rclone
  plan       validate, then a --dry-run of every invocation: what would be copied, updated, deleted
  run        validate, then run the jobs with the rclone on PATH

  path       the folder of job files or a glob (default: jobs)

Options:
  --jobs <names>          job names or globs, comma-separated (default: all enabled jobs)
  --max-parallel <n>      invocations at once (default: ${DEFAULT_MAX_PARALLEL})
  --fail-fast             start nothing new after the first failure
  --bisync-state <path>   rclone path where bisync state is kept between runs
  -h, --help              show this help
`

/** Runs the CLI with arguments (without `node` and the script) and returns the exit code. */
export async function main(
  argv: readonly string[],
  print: (line: string) => void = console.log,
): Promise<number> {
  let parsed: ReturnType<typeof parseCli>
  try {
    parsed = parseCli(argv)
  } catch (e) {
    print(`rclone-jobs: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`)
    return 2
  }
  if (parsed === 'help') {
    print(USAGE)
    return 0
  }
  const deps = {
    ...defaultDeps(),
    cwd: process.cwd(),
    env: { ...process.env, GITHUB_STEP_SUMMARY: '' },
    reporter: consoleReporter(print),
  }
  try {
    const outcome = await runCommand(parsed, deps)
    if (!outcome.success) print(`\nrclone-jobs: ${outcome.message}`)
    return outcome.success ? 0 : 1
  } catch (e) {
    print(`rclone-jobs: ${e instanceof UserError || e instanceof Error ? e.message : String(e)}`)
    return 1
  }
}

function parseCli(argv: readonly string[]): ActionInputs | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      jobs: { type: 'string', default: '' },
      'max-parallel': { type: 'string', default: String(DEFAULT_MAX_PARALLEL) },
      'fail-fast': { type: 'boolean', default: false },
      'bisync-state': { type: 'string', default: '' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) return 'help'
  const [command, path, ...rest] = positionals
  if (command === undefined) throw new Error('a command is needed')
  if (!(COMMANDS as readonly string[]).includes(command)) throw new Error(`unknown command "${command}"`)
  if (rest.length > 0) throw new Error(`unexpected arguments: ${rest.join(' ')}`)
  const maxParallel = Number(values['max-parallel'])
  if (!Number.isInteger(maxParallel) || maxParallel < 1)
    throw new Error('--max-parallel must be a whole number of at least 1')
  return Object.freeze({
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
    timeBudgetMs: undefined,
    changedOnly: 'false',
  })
}
