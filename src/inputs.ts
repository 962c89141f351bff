/**
 * The action's inputs, read once and parsed into one frozen, typed object.
 */
import * as core from '@actions/core'
import { z } from 'zod'
import { COMMANDS, DEFAULT_MAX_PARALLEL, DEFAULT_RCLONE_VERSION, Inputs } from './constants.js'
import { UserError } from './errors.js'
import { durationMs, MIN_BUDGET_MS } from './jobs/durations.js'

/** The largest `max-parallel`: more parallel rclone processes than this only contend for the runner's CPUs. */
export const MAX_PARALLEL_LIMIT = 64
/** The largest `shards`: GitHub runs at most 256 matrix jobs per workflow run. */
export const SHARDS_LIMIT = 256

/**
 * A count written as a plain decimal integer (surrounding spaces allowed). `Number()` and `z.coerce` also read
 * `0x10`, `1e3` and `1.0`, which a reviewer would not read as the number the action uses.
 */
export function parseCount(raw: string, min: number, max: number): number | undefined {
  const t = raw.trim()
  if (!/^\d{1,9}$/.test(t)) return undefined
  const n = Number(t)
  return n >= min && n <= max ? n : undefined
}

/** A zod schema for a count input, whose message names the input, the range and what it means. */
function count(name: string, min: number, max: number, meaning: string) {
  return z.string().transform((raw, ctx) => {
    const n = parseCount(raw, min, max)
    if (n === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `"${name}" must be a whole number from ${min} to ${max} written in decimal digits (${meaning}), not "${raw}"`,
      })
      return z.NEVER
    }
    return n
  })
}

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
  maxParallel: count(Inputs.MaxParallel, 1, MAX_PARALLEL_LIMIT, 'how many rclone invocations run at once'),
  failFast: z.boolean(),
  shards: count(Inputs.Shards, 0, SHARDS_LIMIT, '0 gives one matrix entry per job'),
  bisyncState: z
    .string()
    .refine((v) => !v.startsWith('-'), { message: '"bisync-state" must not begin with "-"' }),
  changedOnly: z.enum(['auto', 'true', 'false'], {
    message: '"changed-only" must be auto, true or false',
  }),
  comment: z.boolean(),
  githubToken: z.string(),
  timeBudgetMs: z
    .string()
    .refine((v) => v === '' || durationMs(v) !== undefined, {
      message: '"time-budget" must be a duration such as 5h30m, 90m or 45s',
    })
    .refine((v) => v === '' || (durationMs(v) ?? 0) >= MIN_BUDGET_MS, {
      message: '"time-budget" must be at least 1s: a smaller budget would start nothing',
    })
    .transform((v) => (v === '' ? undefined : durationMs(v))),
})

/** The parsed inputs. */
export type ActionInputs = Readonly<z.output<typeof inputsSchema>>

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
    maxParallel: core.getInput(Inputs.MaxParallel) || String(DEFAULT_MAX_PARALLEL),
    failFast: boolInput(Inputs.FailFast, false),
    bisyncState: core.getInput(Inputs.BisyncState),
    shards: core.getInput(Inputs.Shards) || '0',
    timeBudgetMs: core.getInput(Inputs.TimeBudget).trim(),
    comment: boolInput(Inputs.Comment, false),
    githubToken: core.getInput(Inputs.GithubToken),
    changedOnly: core.getInput(Inputs.ChangedOnly).trim().toLowerCase() || 'auto',
  }
  const parsed = inputsSchema.safeParse(raw)
  if (!parsed.success) throw new UserError(parsed.error.issues.map((i) => i.message).join('; '))
  return Object.freeze(parsed.data)
}
