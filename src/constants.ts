/** Input and output names, in one place: action.yml, the code and the tests all use these. */
export const Inputs = {
  Command: 'command',
  Path: 'path',
  Jobs: 'jobs',
  RcloneVersion: 'rclone-version',
  RcloneConfig: 'rclone-config',
  RcloneDownloadUrl: 'rclone-download-url',
  MaxParallel: 'max-parallel',
  BisyncState: 'bisync-state',
  Shards: 'shards',
  FailFast: 'fail-fast',
  TimeBudget: 'time-budget',
  ChangedOnly: 'changed-only',
  Comment: 'comment',
  GithubToken: 'github-token',
} as const

/** Output names. */
export const Outputs = {
  Results: 'results',
  FailedJobs: 'failed-jobs',
  Matrix: 'matrix',
  ReportDir: 'report-dir',
} as const

/** The commands of the `command` input. */
export const COMMANDS = ['validate', 'plan', 'run', 'check'] as const
/** One of the commands. */
export type Command = (typeof COMMANDS)[number]

/**
 * The rclone release installed when `rclone-version` is not set: the newest stable release when chosen, on
 * 2026-11-24 (v1.75.1, released 2026-09-04).
 */
export const DEFAULT_RCLONE_VERSION = '1.75.1'

/** The default for `max-parallel`; see the README's "Parallelism" section for the measurements behind it. */
export const DEFAULT_MAX_PARALLEL = 4

/**
 * Where editors find the JSON Schemas from any repository: the files at the major release tag (the `$id` of each
 * schema, the `yaml-language-server` line the README shows and `import`/`new` write).
 */
export const SCHEMA_URLS = {
  job: 'https://raw.githubusercontent.com/org/rclone-jobs/v1/schema/job.schema.json',
  defaults: 'https://raw.githubusercontent.com/org/rclone-jobs/v1/schema/defaults.schema.json',
} as const
