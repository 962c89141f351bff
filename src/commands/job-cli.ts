/**
 * The command line of `import`, `new` and `list`: their flags, and the parsed call to each command. `cli.ts` asks
 * this first and falls back to its own parsing for the pipeline commands (validate, plan, run, check).
 */

import { parseArgs } from 'node:util'
import { UsageError } from '../errors.js'
import { importCommand } from './import.js'
import type { CommandIo } from './io.js'
import { listCommand } from './list.js'
import { newJobCommand } from './new-job.js'

/** Flags as `parseArgs` takes them. */
type OptionsConfig = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>

/** The flags of `import`, `new` and `list`. */
export const JOB_CLI_FLAGS = {
  path: { type: 'string', default: 'jobs' },
  name: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  source: { type: 'string' },
  destination: { type: 'string', multiple: true },
  mode: { type: 'string' },
  format: { type: 'string', default: 'text' },
  help: { type: 'boolean', short: 'h', default: false },
} as const

/** Which of JOB_CLI_FLAGS each command takes (besides --format and --help). */
const JOB_COMMAND_FLAGS: Readonly<Record<string, readonly string[]>> = {
  import: ['path', 'name', 'dry-run'],
  new: ['path', 'source', 'destination', 'mode'],
  list: [],
}

/**
 * `import`, `new` and `list` as a call to their command, `help`, or undefined for the other commands (whose flags,
 * `otherFlags`, are only needed to find the command among the arguments). Words after `--` are the command line
 * `import` reads. Throws on usage errors.
 */
export function parseJobCommand(
  argv: readonly string[],
  otherFlags: OptionsConfig,
): ((io: CommandIo) => Promise<number>) | 'help' | undefined {
  const dashes = argv.indexOf('--')
  const before = dashes < 0 ? [...argv] : argv.slice(0, dashes)
  const after = dashes < 0 ? [] : argv.slice(dashes + 1)
  // Which command it is, wherever the flags stand: parsed leniently with every flag known, values taken as such.
  const [command] = parseArgs({
    args: before,
    options: { ...otherFlags, ...JOB_CLI_FLAGS },
    strict: false,
    allowPositionals: true,
  }).positionals
  const allowed = command === undefined ? undefined : JOB_COMMAND_FLAGS[command]
  if (allowed === undefined) return undefined
  const { values, positionals, tokens } = parseArgs({
    args: before,
    options: JOB_CLI_FLAGS,
    allowPositionals: true,
    tokens: true,
  })
  if (values.help) return 'help'
  for (const t of tokens)
    if (t.kind === 'option' && !['format', 'help', ...allowed].includes(t.name))
      throw new Error(`--${t.name} is not an option of ${command}`)
  const format = values.format
  if (format !== 'text' && format !== 'json')
    throw new Error(`--format must be text or json, not "${format}"`)
  const rest = positionals.slice(1)
  if (command !== 'import' && after.length > 0) throw new Error(`${command} takes no arguments after --`)
  if (command === 'import')
    return guarded((io) =>
      importCommand(
        {
          files: rest,
          command: after,
          path: values.path,
          dryRun: values['dry-run'],
          format,
          ...(values.name !== undefined ? { name: values.name } : {}),
        },
        io,
      ),
    )
  if (rest.length > 1) throw new Error(`unexpected arguments: ${rest.slice(1).join(' ')}`)
  if (command === 'new')
    return guarded((io) =>
      newJobCommand(
        {
          name: rest[0],
          source: values.source,
          destinations: values.destination ?? [],
          mode: values.mode,
          path: values.path,
          format,
        },
        io,
      ),
    )
  return guarded((io) => listCommand({ path: rest[0] ?? 'jobs', format }, io))
}

/**
 * A command whose unexpected failure (an unreadable folder, a full disk) ends in one message and exit 1, not in
 * the usage text that a parse error gets.
 */
function guarded(command: (io: CommandIo) => Promise<number>): (io: CommandIo) => Promise<number> {
  return async (io) => {
    try {
      return await command(io)
    } catch (e) {
      // A usage error is the caller's to report (exit 2, and the JSON document when asked for).
      if (e instanceof UsageError) throw e
      io.err(`rclone-jobs: ${e instanceof Error ? e.message : String(e)}`)
      return 1
    }
  }
}
