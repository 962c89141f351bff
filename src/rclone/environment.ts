/**
 * rclone reads every flag from an `RCLONE_<FLAG>` variable too, so a workflow that sets `RCLONE_LOG_LEVEL=INFO`
 * (or `RCLONE_LOG_FILE`, `RCLONE_PROGRESS`, ...) changes how rclone logs, and the action, which reads rclone's log,
 * would see nothing it can read ("Can't set -v and --log-level", a log written elsewhere, progress lines on stdout).
 * The action owns these settings: it sets what it needs on the command line and drops the variables.
 */

/** The `RCLONE_*` variables of the settings the action owns: logging, progress, and whether anything changes. */
export const OWNED_VARIABLES = [
  'RCLONE_LOG_LEVEL',
  'RCLONE_VERBOSE',
  'RCLONE_QUIET',
  'RCLONE_LOG_FILE',
  'RCLONE_LOG_FORMAT',
  'RCLONE_LOG_SYSTEMD',
  'RCLONE_SYSLOG',
  'RCLONE_SYSLOG_FACILITY',
  'RCLONE_USE_JSON_LOG',
  'RCLONE_STATS',
  'RCLONE_STATS_LOG_LEVEL',
  'RCLONE_STATS_ONE_LINE',
  'RCLONE_STATS_ONE_LINE_DATE',
  'RCLONE_STATS_ONE_LINE_DATE_FORMAT',
  'RCLONE_STATS_UNIT',
  'RCLONE_STATS_FILE_NAME_LENGTH',
  'RCLONE_PROGRESS',
  'RCLONE_PROGRESS_TERMINAL_TITLE',
  'RCLONE_DRY_RUN',
  'RCLONE_INTERACTIVE',
] as const

/** The environment for rclone without the variables the action owns, and the names of those it dropped. */
export function withoutOwnedVariables(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; dropped: string[] } {
  const dropped = OWNED_VARIABLES.filter((name) => env[name] !== undefined)
  if (dropped.length === 0) return { env, dropped: [] }
  const out = { ...env }
  for (const name of dropped) delete out[name]
  return { env: out, dropped }
}
