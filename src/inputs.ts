/**
 * The action's inputs, read once and parsed into one frozen, typed object.
 */
import * as core from '@actions/core'
import { z } from 'zod'
import { COMMANDS, DEFAULT_MAX_PARALLEL, DEFAULT_RCLONE_VERSION, Inputs } from './constants.js'
import { durationMs } from './jobs/durations.js'

const inputsSchema = z.object({
  command: z.enum(COMMANDS, { message: `"command" must be one of ${COMMANDS.join(', ')}` }),
  path: z.string().min(1),
  jobs: z.string(),
  rcloneVersion: z
    .string()
    .regex(/^(?:system|v?\d+\.\d+\.\d+)$/, {
      message: '"rclone-version" must be X.Y.Z (such as 1.71.2) or "system"',
    })
    .transform((v) => v.replace(/^v/, '')),
  rcloneConfig: z.string(),
  rcloneDownloadUrl: z.union([
    z.literal(''),
    z.url({ protocol: /^https?$/, message: '"rclone-download-url" must be an http(s) URL' }),
  ]),
  maxParallel: z.coerce
    .number({ message: '"max-parallel" must be a whole number of at least 1' })
    .int({ message: '"max-parallel" must be a whole number of at least 1' })
    .min(1, { message: '"max-parallel" must be a whole number of at least 1' }),
  failFast: z.boolean(),
  shards: z.coerce
    .number({ message: '"shards" must be a whole number (0 for one matrix entry per job)' })
    .int({ message: '"shards" must be a whole number (0 for one matrix entry per job)' })
    .min(0, { message: '"shards" must be a whole number (0 for one matrix entry per job)' }),
  bisyncState: z
    .string()
    .refine((v) => !v.startsWith('-'), { message: '"bisync-state" must not begin with "-"' }),
  changedOnly: z.enum(['auto', 'true', 'false'], {
    message: '"changed-only" must be auto, true or false',
  }),
  timeBudgetMs: z
    .string()
    .refine((v) => v === '' || durationMs(v) !== undefined, {
      message: '"time-budget" must be a duration such as 5h30m, 90m or 45s',
    })
    .transform((v) => (v === '' ? undefined : durationMs(v))),
})

/** The parsed inputs. */
export type ActionInputs = Readonly<z.output<typeof inputsSchema>>

/** Thrown for inputs a user must fix: the message is shown as is, without a stack. */
export class UserError extends Error {
  override readonly name = 'UserError'
}

function boolInput(name: string, fallback: boolean): boolean {
  const raw = core.getInput(name)
  if (raw === '') return fallback
  try {
    return core.getBooleanInput(name)
  } catch {
    throw new UserError(`"${name}" must be true or false, not "${raw}"`)
  }
}

/** Reads and validates every input. Throws `UserError` with a message that names the input. */
export function getInputs(): ActionInputs {
  const raw = {
    command: core.getInput(Inputs.Command).trim() || 'run',
    path: core.getInput(Inputs.Path) || 'jobs',
    jobs: core.getInput(Inputs.Jobs),
    rcloneVersion: core.getInput(Inputs.RcloneVersion).trim() || DEFAULT_RCLONE_VERSION,
    rcloneConfig: core.getInput(Inputs.RcloneConfig, { trimWhitespace: false }),
    rcloneDownloadUrl: core.getInput(Inputs.RcloneDownloadUrl),
    maxParallel: core.getInput(Inputs.MaxParallel).trim() || String(DEFAULT_MAX_PARALLEL),
    failFast: boolInput(Inputs.FailFast, false),
    bisyncState: core.getInput(Inputs.BisyncState),
    shards: core.getInput(Inputs.Shards).trim() || '0',
    timeBudgetMs: core.getInput(Inputs.TimeBudget).trim(),
    changedOnly: core.getInput(Inputs.ChangedOnly).trim().toLowerCase() || 'auto',
  }
  const parsed = inputsSchema.safeParse(raw)
  if (!parsed.success) throw new UserError(parsed.error.issues.map((i) => i.message).join('; '))
  return Object.freeze(parsed.data)
}
