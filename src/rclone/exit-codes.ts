/**
 * What rclone's exit codes mean, by version (lib/exitcode/exitcode.go and resolveExitCode in cmd/cmd.go):
 * - v1.60.1-v1.68.x: 1 is both a usage error and any error not otherwise categorised (the `default` case exits with
 *   `exitcode.UsageError`, which is 1); `--max-duration` reached is a fatal error, 7; 2 is only a bisync critical
 *   error (cmd/bisync/cmd.go calls `os.Exit(2)`).
 * - v1.64.0: 10 is `--max-duration` reached (`exitcode.DurationExceeded`).
 * - v1.69.0 on: 1 is an uncategorised error, 2 a syntax or usage error; a bisync critical error is a fatal error, 7.
 * Pure.
 */
import { compareVersions } from './versions.js'

/** The meaning of an exit code for an rclone version (the newest meanings when the version is unknown). */
export function exitCodeMeaning(code: number, version: string | undefined): string {
  const v = version ?? '99.0.0'
  const since = (x: string) => compareVersions(v, x) >= 0
  switch (code) {
    case 0:
      return 'success'
    case 1:
      return since('1.69.0')
        ? 'an error not otherwise categorised'
        : 'an error (rclone before 1.69 uses 1 for usage errors and for every error it does not categorise)'
    case 2:
      return since('1.69.0')
        ? 'a syntax or usage error in the arguments'
        : 'a bisync critical error (rclone before 1.69 exits 2 for those)'
    case 3:
      return 'a directory was not found'
    case 4:
      return 'a file was not found'
    case 5:
      return 'a temporary error (retrying might help)'
    case 6:
      return 'a less serious error (retrying will not help)'
    case 7:
      return since('1.64.0')
        ? 'a fatal error (retrying will not help)'
        : 'a fatal error, or the --max-duration limit was reached (rclone before 1.64 exits 7 for both)'
    case 8:
      return 'the transfer limit (--max-transfer) was reached'
    case 9:
      return 'the operation succeeded but no files were transferred'
    case 10:
      return since('1.64.0') ? 'the duration limit (--max-duration) was reached' : 'an unknown error'
    default:
      return 'an unknown error'
  }
}

/** `rclone exited with code N: meaning`, or how it was stopped. */
export function describeExitCode(code: number | null, signal: string | null, version?: string): string {
  if (code === null) return `rclone was stopped by ${signal ?? 'a signal'}`
  return `rclone exited with code ${code}: ${exitCodeMeaning(code, version)}`
}

/** The exit code that means "--max-duration was reached" for a version. */
export function maxDurationExitCode(version: string): number {
  return compareVersions(version, '1.64.0') >= 0 ? 10 : 7
}
