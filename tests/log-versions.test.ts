/**
 * The log reader and the exit-code meanings on every log shape rclone has written from 1.60.1 to 1.75.0. The
 * fixtures are recorded (1.60.1) or derived from rclone's source at each tag: tests/fixtures/logs/SOURCES.md says
 * which lines each one follows.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { describeExitCode, exitCodeMeaning, maxDurationExitCode } from '../src/rclone/exit-codes.js'
import { formatLogEntry, LineSplitter, LogReader, parseLogLine, textError } from '../src/rclone/log-reader.js'
import { outcomeOf } from '../src/rclone/runner.js'
import { isCriticalBisyncError } from '../src/run/bisync.js'

function fixture(file: string): string {
  return readFileSync(new URL(`./fixtures/logs/${file}`, import.meta.url), 'utf8')
}

/** Reads a fixture through a LineSplitter in uneven chunks, as a pipe delivers it. */
function read(file: string): LogReader & { log: string[] } {
  const log: string[] = []
  const reader = Object.assign(new LogReader({ onLine: (l) => log.push(l.text) }), { log })
  const text = fixture(file)
  const split = new LineSplitter((l) => reader.addLine(l))
  for (let i = 0; i < text.length; i += 61) split.push(text.slice(i, i + 61))
  split.end()
  return reader
}

function entries(file: string) {
  return fixture(file)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => parseLogLine(l))
}

describe('every JSON line of every version parses', () => {
  const files = [
    'sync-1.60.1.jsonl',
    'missing-source-1.60.1.jsonl',
    'sync-1.66.0.jsonl',
    'missing-source-1.66.0.jsonl',
    'dry-run-1.66.0.jsonl',
    'bisync-critical-1.66.0.jsonl',
    'failed-1.68.0.jsonl',
    'sync-1.70.0.jsonl',
    'sync-1.75.0.jsonl',
    'dry-run-1.75.0.jsonl',
    'failed-1.75.0.jsonl',
    'bisync-critical-1.75.0.jsonl',
  ]
  it.each(files)('%s', (file) => {
    const parsed = entries(file)
    expect(parsed.length).toBeGreaterThan(0)
    for (const e of parsed) {
      expect(e).toBeDefined()
      expect(e?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/)
      // ANSI colour codes of bisync (1.66+) never reach the message.
      expect(e?.msg).not.toContain('\u001b')
    }
  })
})

describe('levels: one set of words for every version', () => {
  it('NOTICE reads as notice whether logrus wrote "warning" (<= 1.69) or slog wrote "notice" (>= 1.70)', () => {
    const old = entries('dry-run-1.66.0.jsonl').find((e) => e?.skipped === 'copy')
    const now = entries('dry-run-1.75.0.jsonl').find((e) => e?.skipped === 'copy')
    expect(old?.level).toBe('notice')
    expect(now?.level).toBe('notice')
    expect(entries('failed-1.68.0.jsonl').at(-1)).toMatchObject({ level: 'notice', msg: /^Failed to sync: / })
    expect(entries('failed-1.75.0.jsonl').at(-1)).toMatchObject({ level: 'notice', msg: /^Failed to sync: / })
  })

  it('a real WARNING of slog stays a warning; logrus "fatal" and slog "critical" are both critical', () => {
    const t = '"time":"2026-05-20T10:11:12Z"'
    expect(parseLogLine(`{${t},"level":"warning","msg":"w","source":"x.go:1"}`)?.level).toBe('warning')
    expect(parseLogLine(`{${t},"level":"critical","msg":"c"}`)?.level).toBe('critical')
    expect(parseLogLine('{"level":"fatal","msg":"c","time":"2024-03-10T10:11:12+01:00"}')?.level).toBe(
      'critical',
    )
  })

  it('formats a NOTICE the same for 1.66 and 1.75', () => {
    const a = entries('dry-run-1.66.0.jsonl').find((e) => e?.skipped === 'delete')
    const b = entries('dry-run-1.75.0.jsonl').find((e) => e?.skipped === 'delete')
    expect(a && formatLogEntry(a)).toBe(
      '10:11:12 NOTICE  gone.txt: Skipped delete as --dry-run is set (size 4)',
    )
    expect(b && formatLogEntry(b)).toBe(
      '10:11:12 NOTICE  gone.txt: Skipped delete as --dry-run is set (size 4)',
    )
  })
})

describe('a sync: stats and per-file changes', () => {
  it.each([
    ['sync-1.60.1.jsonl', { transfers: 3, bytes: 21, deletes: 1, checks: 1, errors: 0 }, 3, 0],
    ['sync-1.66.0.jsonl', { transfers: 3, bytes: 21, deletes: 1, checks: 1, errors: 0 }, 3, 0],
    ['sync-1.70.0.jsonl', { transfers: 3, bytes: 21, deletes: 1, checks: 1, errors: 0 }, 3, 0],
    ['sync-1.75.0.jsonl', { transfers: 4, bytes: 24, deletes: 1, checks: 2, errors: 0 }, 3, 1],
  ])('%s', (file, stats, copied, updated) => {
    const r = read(file)
    expect(r.stats).toMatchObject(stats)
    expect(r.errorMessages).toEqual([])
    expect(r.changes.copy.count).toBe(copied)
    expect(r.changes.update.count).toBe(updated)
    expect(r.changes.delete).toEqual({ count: 1, first: ['gone.txt'] })
    // A real run's bytes come from the stats, not from the per-file sizes (1.63+ logs them on "Copied" too).
    expect(r.changes.bytes).toBe(0)
    expect(r.log.some((l) => /^\d\d:\d\d:\d\d STATS\s+Transferred:/.test(l))).toBe(true)
  })

  it('1.75.0 paths come through as written', () => {
    expect(read('sync-1.75.0.jsonl').changes.copy.first).toEqual(['f1.txt', 'f3.txt', 'sub/f2.txt'])
    expect(read('sync-1.75.0.jsonl').changes.update.first).toEqual(['old.txt'])
  })
})

describe('a dry run (plan): what would change', () => {
  it.each([
    ['dry-run-1.66.0.jsonl', 'Sizes differ (src 9 vs dst 3)'],
    ['dry-run-1.75.0.jsonl', 'Sizes differ'],
  ])('%s: an update (noted as differing first), a new file and a deletion', (file, differs) => {
    expect(entries(file).some((e) => e?.msg === differs)).toBe(true)
    const r = read(file)
    expect(r.changes.update).toEqual({ count: 1, first: ['changed.txt'] })
    // logrus escaped & < > (\u0026 ...); slog does not: both read back as the same name.
    expect(r.changes.copy).toEqual({ count: 1, first: ['new & <odd>.txt'] })
    expect(r.changes.delete).toEqual({ count: 1, first: ['gone.txt'] })
    expect(r.changes.bytes).toBe(9 + 1536)
    expect(r.stats).toMatchObject({ transfers: 2, bytes: 1545, deletes: 1 })
    // Debug lines are read, not shown.
    expect(r.log.some((l) => l.includes('Sizes differ'))).toBe(false)
  })
})

describe('failures: the errors are found in every version', () => {
  it('1.60.1 and 1.66.0: "Failed to sync" is a plain text line (Go log, no level)', () => {
    for (const file of ['missing-source-1.60.1.jsonl', 'missing-source-1.66.0.jsonl']) {
      const r = read(file)
      expect(r.stats?.errors).toBe(1)
      expect(r.errorMessages.at(-1)).toBe('Failed to sync: directory not found')
      const unreadable =
        /^Local file system at \/\S+: error reading source root directory: directory not found$/
      expect(r.errorMessages.some((m) => unreadable.test(m))).toBe(true)
    }
  })

  it('1.68.0: "Failed to sync" is a JSON NOTICE entry (logrus "warning")', () => {
    const r = read('failed-1.68.0.jsonl')
    expect(r.errorMessages).toEqual([
      'secret.txt: Failed to copy: failed to open source object: permission denied',
      'Attempt 1/1 failed with 1 errors and: failed to open source object: permission denied',
      'Failed to sync: failed to open source object: permission denied',
    ])
  })

  it('1.75.0: "Failed to sync" is a JSON NOTICE entry (slog "notice"), after the stats', () => {
    const r = read('failed-1.75.0.jsonl')
    expect(r.stats).toMatchObject({ errors: 1, transfers: 0 })
    expect(r.errorMessages.at(-1)).toBe('Failed to sync: directory not found')
    expect(r.errorMessages).toContain('Attempt 3/3 failed with 1 errors and: directory not found')
  })

  it('a flag error: plain "Fatal error:" at 1.60.1, plain "NOTICE: Fatal error:" from 1.69', () => {
    for (const file of ['flag-error-1.60.1.txt', 'flag-error-1.75.0.txt']) {
      const r = read(file)
      expect(r.stats).toBeUndefined()
      expect(r.errorMessages).toEqual(['Error: unknown flag: --nope', 'Fatal error: unknown flag: --nope'])
    }
    expect(textError('2026/05/20 10:11:12 NOTICE: Fatal error: unknown flag: --nope')).toBe(
      'Fatal error: unknown flag: --nope',
    )
    expect(textError('2024/09/08 10:11:12 CRITICAL: Fatal error: unknown flag: --nope')).toBe(
      'Fatal error: unknown flag: --nope',
    )
    expect(textError('2026/05/20 10:11:12 NOTICE: Failed to sync: directory not found')).toBe(
      'Failed to sync: directory not found',
    )
    expect(textError('2026/05/20 10:11:12 NOTICE: f.txt: Skipped copy as --dry-run is set')).toBeUndefined()
  })

  it('a bisync critical error, coloured (1.66+), and followed by "Failed to bisync" from 1.69', () => {
    const old = read('bisync-critical-1.66.0.jsonl')
    const now = read('bisync-critical-1.75.0.jsonl')
    for (const r of [old, now]) {
      const critical = r.errorMessages.find((m) => m.startsWith('Bisync critical error:'))
      expect(critical).toMatch(
        /^Bisync critical error: cannot find prior Path1 or Path2 listings, likely due to critical error on prior run \nTip: here are the filenames we were looking for\. Do they exist\? \nPath1: \/\S+\.path1\.lst\nPath2: \/\S+\.path2\.lst\nTry running this command to inspect the work dir: \nrclone lsl "\/\S+"$/,
      )
      expect(r.errorMessages).toContain('Bisync aborted. Must run --resync to recover.')
      expect(isCriticalBisyncError(outcomeOf(r, 7, null), [])).toBe(true)
    }
    expect(old.stats).toBeUndefined()
    expect(now.stats).toMatchObject({ errors: 1, transfers: 0 })
    expect(now.errorMessages.at(-1)).toBe('Failed to bisync: bisync aborted')
  })
})

describe('exit codes by version', () => {
  const versions = ['1.60.1', '1.64.0', '1.68.0', '1.69.0', '1.75.0'] as const

  it('--max-duration: 7 (a fatal error) before 1.64, 10 from 1.64', () => {
    expect(versions.map((v) => maxDurationExitCode(v))).toEqual([7, 10, 10, 10, 10])
    expect(exitCodeMeaning(7, '1.60.1')).toMatch(/--max-duration/)
    expect(exitCodeMeaning(7, '1.64.0')).not.toMatch(/--max-duration/)
    expect(exitCodeMeaning(10, '1.60.1')).toBe('an unknown error')
    for (const v of versions.slice(1)) expect(exitCodeMeaning(10, v)).toMatch(/--max-duration/)
  })

  it('1 and 2 swap meanings at 1.69: usage errors move from 1 to 2, a bisync critical error from 2 to 7', () => {
    for (const v of ['1.60.1', '1.64.0', '1.68.0']) {
      expect(exitCodeMeaning(1, v)).toMatch(/usage errors and for every error/)
      expect(exitCodeMeaning(2, v)).toMatch(/bisync critical error/)
    }
    for (const v of ['1.69.0', '1.75.0']) {
      expect(exitCodeMeaning(1, v)).toBe('an error not otherwise categorised')
      expect(exitCodeMeaning(2, v)).toBe('a syntax or usage error in the arguments')
      expect(exitCodeMeaning(7, v)).toMatch(/fatal error/)
    }
  })

  it('the codes that never changed', () => {
    for (const v of versions) {
      expect(exitCodeMeaning(0, v)).toBe('success')
      expect(exitCodeMeaning(3, v)).toBe('a directory was not found')
      expect(exitCodeMeaning(4, v)).toBe('a file was not found')
      expect(exitCodeMeaning(8, v)).toMatch(/--max-transfer/)
      expect(exitCodeMeaning(9, v)).toMatch(/no files were transferred/)
      expect(exitCodeMeaning(11, v)).toBe('an unknown error')
    }
  })

  it('describes a code or a signal, with the newest meanings when the version is unknown', () => {
    expect(describeExitCode(3, null, '1.60.1')).toBe('rclone exited with code 3: a directory was not found')
    expect(describeExitCode(2, null, '1.75.0')).toBe(
      'rclone exited with code 2: a syntax or usage error in the arguments',
    )
    expect(describeExitCode(2, null)).toBe(
      'rclone exited with code 2: a syntax or usage error in the arguments',
    )
    expect(describeExitCode(10, null, '1.64.0')).toMatch(/code 10: .*--max-duration/)
    expect(describeExitCode(null, 'SIGTERM', '1.75.0')).toBe('rclone was stopped by SIGTERM')
  })
})
