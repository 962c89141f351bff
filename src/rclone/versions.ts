/**
 * rclone versions: comparing them, and what changed between them that the action reads or uses. Every difference
 * the code keys on a version is named here, once, with where rclone's source shows it; the README's compatibility
 * table is generated from this list and from the job features in features.ts.
 */

/** Compares dotted versions: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a
    .replace(/^v/, '')
    .split(/[.-]/)
    .map((x) => Number.parseInt(x, 10) || 0)
  const pb = b
    .replace(/^v/, '')
    .split(/[.-]/)
    .map((x) => Number.parseInt(x, 10) || 0)
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** Whether `version` is `since` or newer. */
export function atLeast(version: string, since: string): boolean {
  return compareVersions(version, since) >= 0
}

/** A change in rclone that the action handles, and the version it came with. */
export interface VersionFact {
  readonly since: string
  readonly what: string
  /** How the action handles it. */
  readonly handling: string
  /** Where rclone's source shows it. */
  readonly source: string
}

/** The oldest rclone the action supports. */
export const OLDEST_SUPPORTED = '1.60.1'

/** The version of each change the code keys on. */
export const SINCE = {
  copiedSize: '1.63.0',
  bisyncResilient: '1.64.0',
  maxDurationExit10: '1.64.0',
  serverSideStats: '1.64.0',
  bisyncRecover: '1.66.0',
  bisyncMaxLock: '1.66.0',
  bisyncSessionStripsHex: '1.66.0',
  syncReportFlags: '1.66.0',
  failedToAsNotice: '1.68.0',
  usageExit2: '1.69.0',
  bisyncCriticalExit7: '1.69.0',
  slogJson: '1.70.0',
  bisyncOutOfBeta: '1.71.0',
  copyReportFlags: '1.71.0',
} as const

/** The changes, for the README. */
export const VERSION_FACTS: readonly VersionFact[] = [
  {
    since: SINCE.copiedSize,
    what: '"Copied (new)" log entries carry `size`',
    handling: 'sizes are read from the dry-run entries, which carry `size` in every version',
    source: 'fs/operations/copy.go',
  },
  {
    since: SINCE.maxDurationExit10,
    what: '`--max-duration` reached exits 10 (7, a fatal error, before)',
    handling: 'exit codes are described by version',
    source: 'lib/exitcode/exitcode.go, cmd/cmd.go',
  },
  {
    since: SINCE.serverSideStats,
    what: '`serverSide*` keys in the stats block',
    handling: 'read when present; not needed',
    source: 'fs/accounting/stats.go',
  },
  {
    since: SINCE.bisyncResilient,
    what: 'bisync `--resilient`',
    handling: 'passed by default (override with `bisync.resilient: false`)',
    source: 'cmd/bisync/cmd.go',
  },
  {
    since: SINCE.bisyncRecover,
    what: 'bisync `--recover`, `--max-lock`, `--conflict-*`, `--compare`',
    handling: '`--recover` and `--max-lock=2m` passed by default; the others when a job sets them',
    source: 'cmd/bisync/cmd.go',
  },
  {
    since: SINCE.bisyncSessionStripsHex,
    what: 'bisync listing names drop the `{hash}` of overridden remote options',
    handling: 'stored listings are restored under the name this version looks for',
    source: 'cmd/bisync/bilib/canonical.go',
  },
  {
    since: SINCE.syncReportFlags,
    what: '`sync --combined/--differ/--missing-on-*` (`copy` from 1.71)',
    handling: 'not used: the per-file lists come from the log, which every version writes',
    source: 'cmd/sync/sync.go, cmd/copy/copy.go',
  },
  {
    since: SINCE.failedToAsNotice,
    what: '"Failed to sync: ..." is a NOTICE entry of the log (a plain line of Go\'s log before)',
    handling: 'counted as an error in both forms, a plain line or a JSON entry',
    source: 'cmd/cmd.go',
  },
  {
    since: SINCE.usageExit2,
    what: 'usage errors exit 2, uncategorised errors 1 (both 1 before); flag errors print `NOTICE: Fatal error:`',
    handling: 'exit codes are described by version; both forms are read as errors',
    source: 'lib/exitcode/exitcode.go, cmd/cmd.go',
  },
  {
    since: SINCE.bisyncCriticalExit7,
    what: 'a bisync critical error exits 7 (2 before)',
    handling: 'recognised by its `.lst-err` listings and "Must run --resync", whatever the code',
    source: 'cmd/bisync/cmd.go, cmd/bisync/operations.go',
  },
  {
    since: SINCE.slogJson,
    what: 'the JSON log moves to Go slog: `"notice"` (was `"warning"`), keys in insertion order, RFC3339Nano times',
    handling: 'the log reader reads both; tests run the end-to-end suites through both',
    source: 'fs/log/slog.go (fs/log.go before)',
  },
  {
    since: SINCE.bisyncOutOfBeta,
    what: 'bisync leaves beta',
    handling: 'bisync works from 1.58 on; the state store and consent rules are the same',
    source: 'docs/content/bisync.md',
  },
]

/** The README table of version changes. */
export function versionTableMarkdown(facts: readonly VersionFact[] = VERSION_FACTS): string {
  return [
    '| since rclone | what changed | how the action handles it | rclone source |',
    '| --- | --- | --- | --- |',
    ...facts.map((f) => `| ${f.since} | ${f.what} | ${f.handling} | \`${f.source}\` |`),
  ].join('\n')
}
