/**
 * Runs of sync and copy read rclone's text log, which rclone writes much faster than its JSON log (its JSON logger
 * looks up the calling function for every line: v1.60.1:fs/config/configflags/configflags.go:202-206 adds logrus'
 * caller hook, v1.75.0:fs/log/slog.go:338-341 calls getCaller in jsonLog). These tests hold the text reading to the
 * JSON reading: the same real rclone run on the same files, once with each log, must give the same counts, the same
 * files of each kind, the same errors, and bytes equal or within the rounding rclone prints.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  type Changes,
  LogEntrySplitter,
  LogReader,
  parseTextEntry,
  textStats,
} from '../src/rclone/log-reader.js'
import { createRcloneRunner, type RcloneOutcome } from '../src/rclone/runner.js'
import { runBundle } from './helpers/bundle.js'
import { requireRclone, sameModTime, tempDir, writeTree } from './helpers/rclone.js'
import { testRcloneBinary } from './helpers/rclone-versions.js'

interface Read {
  outcome: RcloneOutcome
  files: Record<'copy' | 'update' | 'delete', string[]>
}

/** Runs rclone once with its log in a file, read as the action reads it, and collects every file change. */
async function runOnce(ws: string, args: string[]): Promise<Read> {
  const files: Read['files'] = { copy: [], update: [], delete: [] }
  const run = createRcloneRunner(testRcloneBinary())
  const outcome = await run(args, {
    cwd: ws,
    logFile: path.join(path.dirname(ws), `${path.basename(ws)}.log`),
    onChange: (kind, p) => files[kind].push(p),
  })
  for (const k of Object.keys(files) as (keyof Read['files'])[]) files[k].sort()
  return { outcome, files }
}

/** The same run with each log: a copy of the prepared workspace for each, so both start from the same files. */
async function both(prepare: (ws: string) => void, args: string[]): Promise<{ json: Read; text: Read }> {
  requireRclone()
  const base = tempDir()
  prepare(base)
  // One folder for both, so that the messages that name it are the same.
  const ws = tempDir()
  const fresh = (): void => {
    rmSync(ws, { recursive: true, force: true })
    cpSync(base, ws, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true })
  }
  const [cmd, ...rest] = args as [string, ...string[]]
  const common = ['--stats-log-level=NOTICE', '--stats=30s', '--verbose']
  fresh()
  const json = await runOnce(ws, [cmd, '--use-json-log', ...common, ...rest])
  fresh()
  const text = await runOnce(ws, [cmd, ...common, ...rest])
  return { json, text }
}

function counts(c: Changes): number[] {
  return [c.copy.count, c.update.count, c.delete.count]
}

/**
 * What both logs must agree on; `files`, when given, is what both must list (`'unordered'`: rclone's order of work
 * decides which files, so only their counts are compared).
 */
function expectSame({ json, text }: { json: Read; text: Read }, files?: Read['files'] | 'unordered'): void {
  expect(text.outcome.exitCode).toBe(json.outcome.exitCode)
  if (files !== 'unordered') expect(text.files).toEqual(json.files)
  if (files !== undefined && files !== 'unordered') expect(text.files).toEqual(files)
  expect(counts(text.outcome.changes)).toEqual(counts(json.outcome.changes))
  const { bytes: jb, ...jsonStats } = json.outcome.stats ?? { bytes: -1 }
  const { bytes: tb, bytesExact, ...textRest } = text.outcome.stats ?? { bytes: -2 }
  expect(textRest).toEqual({ ...jsonStats, elapsedTime: expect.any(Number) })
  if (bytesExact === false) {
    // rclone prints 3 decimals of the unit: the true count is within half a thousandth of it.
    expect(tb).toBeGreaterThan(0)
    expect(Math.abs(tb - jb)).toBeLessThanOrEqual(Math.ceil(0.0005 * unitOf(jb)))
  } else {
    expect(tb).toBe(jb)
  }
  expect([...text.outcome.errorMessages].sort()).toEqual([...json.outcome.errorMessages].sort())
}

function unitOf(bytes: number): number {
  let unit = 1
  while (bytes >= unit * 1024) unit *= 1024
  return unit
}

describe('a run read from the text log says what the JSON log says (real rclone)', () => {
  it('new, replaced and deleted files, with odd names, into a backup folder', async () => {
    const r = await both(
      (ws) => {
        writeTree(ws, {
          'src/a.txt': 'a',
          'src/sub/b.txt': 'bb',
          'src/we: ird/x: Copied (new)': 'colons',
          'src/line\nbreak.txt': 'newline in the name',
          'src/changed.txt': 'new content',
          'dst/changed.txt': 'old',
          'dst/gone.txt': 'to be moved away',
          'dst/sub/gone too.txt': 'also',
        })
      },
      ['sync', '--backup-dir=old', '--', 'src', 'dst'],
    )
    expectSame(r, {
      // With a backup folder the old version moves there first ("Moved (server-side)") and rclone logs the new one
      // as "Copied (new)": the move says it is an update (src/rclone/backup-moves.ts).
      // rclone names a line break in a local name with its visible stand-in, U+240A (lib/encoder).
      copy: ['a.txt', 'line\u240abreak.txt', 'sub/b.txt', 'we: ird/x: Copied (new)'],
      update: ['changed.txt'],
      delete: ['gone.txt', 'sub/gone too.txt'],
    })
    // rclone's bytes count what moved into the backup folder too (62, not the 39 copied): the same in both logs.
    expect(r.text.outcome.stats).toMatchObject({ transfers: 5, deletes: 2, errors: 0, bytes: 62 })
    expect(r.text.outcome.stats?.bytesExact).toBe(true)
  })

  it('replaced files and plain deletions, and a copy that deletes nothing', async () => {
    const prepare = (ws: string): void => {
      writeTree(ws, {
        'src/keep.txt': 'k',
        'dst/keep.txt': 'k',
        'src/changed.txt': 'new',
        'dst/changed.txt': 'old!',
        'dst/extra/1.txt': '1',
        'dst/extra/2.txt': '2',
      })
      sameModTime(ws, ['src', 'dst'], 'keep.txt')
    }
    const sync = await both(prepare, ['sync', '--', 'src', 'dst'])
    expectSame(sync, {
      copy: [],
      update: ['changed.txt'],
      delete: ['extra/1.txt', 'extra/2.txt'],
    })
    const copy = await both(prepare, ['copy', '--', 'src', 'dst'])
    expectSame(copy)
    expect(copy.text.outcome.stats).toMatchObject({ transfers: 1, deletes: 0, checks: 2 })
  })

  it('a dry run (the max-delete guard counts with one): the same files it would copy and delete', async () => {
    const r = await both(
      (ws) =>
        writeTree(ws, {
          'src/new.txt': 'new!',
          'src/sub/n2.txt': 'n2',
          'dst/old.txt': 'o',
          'dst/x/y.txt': 'y',
        }),
      ['sync', '--dry-run', '--', 'src', 'dst'],
    )
    expectSame(r, {
      copy: ['new.txt', 'sub/n2.txt'],
      update: [],
      delete: ['old.txt', 'x/y.txt'],
    })
    expect(r.text.outcome.changes.bytes).toBe(6)
  })

  it('many files: counts exact, bytes within what rclone prints', async () => {
    const r = await both(
      (ws) => {
        for (let d = 0; d < 4; d++) {
          mkdirSync(path.join(ws, 'src', `d${d}`), { recursive: true })
          for (let f = 0; f < 150; f++)
            writeFileSync(path.join(ws, 'src', `d${d}`, `f${f}.txt`), `${'x'.repeat(f)}${d}\n`)
        }
      },
      ['copy', '--', 'src', 'dst'],
    )
    expectSame(r)
    expect(r.text.outcome.stats?.transfers).toBe(600)
    expect(r.text.outcome.stats?.bytesExact).toBe(false)
    expect(r.text.files.copy).toHaveLength(600)
  })

  it('a file that cannot be read and a missing source: the same errors and exit codes', async () => {
    // root reads a file whatever its mode: a dangling link followed with --copy-links fails for everyone.
    const unreadable = await both(
      (ws) => {
        writeTree(ws, { 'src/ok.txt': 'ok' })
        symlinkSync('/nonexistent/target', path.join(ws, 'src/dangling'))
      },
      ['copy', '--copy-links', '--retries=1', '--', 'src', 'dst'],
    )
    expect(unreadable.text.outcome.exitCode).not.toBe(0)
    expect(unreadable.text.outcome.errorMessages.join('\n')).toMatch(/dangling/)
    expectSame(unreadable)
    const missing = await both(() => {}, ['sync', '--retries=1', '--', 'nowhere', 'dst'])
    expectSame(missing)
    expect(missing.text.outcome.exitCode).not.toBe(0)
    expect(missing.text.outcome.errorMessages.some((m) => /^Failed to sync: /.test(m))).toBe(true)
  })

  it('a --max-delete refusal: the same reason and counts', async () => {
    const r = await both(
      (ws) => writeTree(ws, { 'src/a.txt': 'a', 'dst/1.txt': '1', 'dst/2.txt': '2', 'dst/3.txt': '3' }),
      ['sync', '--max-delete=1', '--retries=1', '--', 'src', 'dst'],
    )
    // Which one file rclone deletes before it stops depends on its order of work.
    expectSame(r, 'unordered')
    expect(r.text.files.delete).toHaveLength(1)
    expect(r.text.outcome.exitCode).not.toBe(0)
    expect(r.text.outcome.errorMessages.join('\n')).toMatch(/--max-delete threshold reached/)
  })
})

describe('the action: runs read the text log, plans the JSON log (node dist/index.js, real rclone)', () => {
  it('asks for the text log on sync and copy runs, and says when bytes are rounded', async () => {
    requireRclone()
    const ws = tempDir()
    const files: Record<string, string> = {
      'jobs/small.yml': 'source: small\ndestinations: [small-out]\n',
      'jobs/big.yml': 'source: big\ndestinations: [big-out]\nmode: copy\n',
      'small/a.txt': 'abc',
    }
    let total = 0
    for (let i = 0; i < 300; i++) {
      const content = `${'y'.repeat(i % 37)}${i}\n`
      files[`big/f${i}.txt`] = content
      total += Buffer.byteLength(content)
    }
    writeTree(ws, files)
    const commandsOf = (log: string): string[] =>
      log.split('\n').filter((l) => /^(?:::group::)?\$ rclone /.test(l))
    const resultsOf = (r: { outputs: Record<string, string> }): Array<Record<string, unknown>> =>
      JSON.parse(r.outputs.results ?? '[]') as Array<Record<string, unknown>>
    const plan = await runBundle(ws, { command: 'plan', 'rclone-version': 'system' })
    expect(plan.status, plan.stdout).toBe(0)
    const planned = commandsOf(plan.stdout)
    expect(planned).toHaveLength(2)
    for (const c of planned) expect(c).toContain(' --use-json-log ')
    expect(resultsOf(plan).find((r) => r.job === 'big')).toMatchObject({ wouldCopy: 300 })

    const run = await runBundle(ws, { 'rclone-version': 'system' })
    expect(run.status, run.stdout).toBe(0)
    const commands = commandsOf(run.stdout)
    expect(commands).toHaveLength(2)
    for (const c of commands) expect(c).not.toContain('--use-json-log')
    const results = resultsOf(run)
    // 3 bytes are printed exactly; the big job's total is printed to 3 decimals of KiB.
    const small = results.find((r) => r.job === 'small')
    expect(small).toMatchObject({ transfers: 1, bytes: 3 })
    expect(small).not.toHaveProperty('bytesExact')
    const big = results.find((r) => r.job === 'big') as Record<string, unknown>
    expect(big).toMatchObject({ transfers: 300, bytesExact: false, deletes: 0, errors: 0 })
    expect(total % 1024).not.toBe(0)
    expect(Math.abs((big.bytes as number) - total)).toBeLessThanOrEqual(Math.ceil(0.0005 * 1024))
    // Per-file lines read from the text log, shown as the JSON ones were.
    expect(run.stdout).toMatch(/INFO +a\.txt: Copied \(new\)/)
  })
})

describe('the text log keeps its shape whatever the runner sets (node dist/index.js, real rclone)', () => {
  it('RCLONE_LOG_FORMAT and RCLONE_STATS_ONE_LINE do not change what the action reads', async () => {
    requireRclone()
    const ws = tempDir()
    writeTree(ws, {
      'jobs/one.yml': 'source: src\ndestinations: [dst]\n',
      'src/a.txt': 'a',
      'src/b/c.txt': 'cc',
      'dst/old.txt': 'o',
    })
    const run = await runBundle(
      ws,
      { 'rclone-version': 'system' },
      { RCLONE_LOG_FORMAT: 'pid,shortfile', RCLONE_STATS_ONE_LINE: 'true' },
    )
    expect(run.status, run.stdout).toBe(0)
    const [result] = JSON.parse(run.outputs.results ?? '[]') as Array<Record<string, unknown>>
    expect(result).toMatchObject({ status: 'success', transfers: 2, bytes: 3, deletes: 1, errors: 0 })
    expect(run.stdout).toMatch(/INFO +b\/c\.txt: Copied \(new\)/)
    expect(run.stdout).toMatch(/INFO +old\.txt: Deleted/)
  })
})

describe('text log entries', () => {
  it("reads level, object and message; a line without a level is rclone's final word", () => {
    expect(parseTextEntry('2026/11/26 01:19:02 INFO  : we: ird/x: Copied (new): Copied (new)')).toEqual({
      level: 'info',
      msg: 'Copied (new)',
      object: 'we: ird/x: Copied (new)',
      time: '2026-11-26T01:19:02',
    })
    expect(parseTextEntry('2026/11/26 01:19:02 ERROR : d/f.txt: Failed to copy: permission denied')).toEqual({
      level: 'error',
      msg: 'd/f.txt: Failed to copy: permission denied',
      time: '2026-11-26T01:19:02',
    })
    expect(parseTextEntry('2026/11/26 01:19:02 Failed to sync: directory not found')).toMatchObject({
      level: 'notice',
      msg: 'Failed to sync: directory not found',
    })
    expect(parseTextEntry('Transferred: 1 / 1, 100%')).toBeUndefined()
    expect(parseTextEntry('{"level":"info"}')).toBeUndefined()
  })

  it('counts streamed uploads ("Copied (Rcat, new)") and renamed copies ("... to: name") in both logs', () => {
    const reader = new LogReader()
    reader.addLine('2026/11/26 01:19:02 INFO  : a.txt: Copied (Rcat, new)')
    reader.addLine('{"level":"info","msg":"Copied (Rcat, replaced existing)","object":"b.txt"}')
    reader.addLine('2026/11/26 01:19:02 INFO  : C.txt: Copied (new) to: c.txt')
    reader.addLine('2026/11/26 01:19:02 NOTICE: d.txt: Skipped copy as --dry-run is set (size 1.500Ki)')
    const c = reader.changes
    expect([c.copy.first, c.update.first]).toEqual([['a.txt', 'C.txt', 'd.txt'], ['b.txt']])
    expect(c.bytes).toBe(1536)
  })

  it('joins the lines of one entry (a stats block, a name with a line break) and nothing else', () => {
    const out: string[] = []
    const s = new LogEntrySplitter((e) => out.push(e))
    const log = [
      '2026/11/26 01:19:02 INFO  : line',
      'break.txt: Copied (new)',
      '{"level":"info","msg":"json stays one line"}',
      '2026/11/26 01:19:02 NOTICE: ',
      'Transferred:   \t    2.943 KiB / 2.943 KiB, 100%, 0 B/s, ETA -',
      'Transferred:            5 / 5, 100%',
      'Elapsed time:         0.0s',
      '',
    ]
    for (const l of log) s.push(l)
    s.end()
    expect(out).toEqual([
      '2026/11/26 01:19:02 INFO  : line\nbreak.txt: Copied (new)',
      '{"level":"info","msg":"json stays one line"}',
      `${log.slice(3, 7).join('\n')}\n`,
    ])
  })

  // The stats text of v1.60.1 (fs/accounting/stats.go:352-451) as recorded here, and of v1.75.0
  // (fs/accounting/stats.go:412-511: "Listed", "(freed)", server-side lines, fs.Duration's readable elapsed time).
  it('reads the stats block of 1.60.1 and of 1.75.0', () => {
    const v160 = readFileSync(new URL('./fixtures/logs/sync-1.60.1.txt', import.meta.url), 'utf8')
    const r160 = new LogReader()
    const split = new LogEntrySplitter((e) => r160.addLine(e))
    for (const l of v160.split('\n')) split.push(l)
    split.end()
    expect(r160.stats).toEqual({
      bytes: 19,
      bytesExact: true,
      checks: 1,
      deletes: 1,
      deletedDirs: 0,
      errors: 0,
      transfers: 3,
      renames: 0,
      elapsedTime: 0,
    })
    expect(r160.changes.copy.count).toBe(3)
    expect(r160.changes.delete.first).toEqual(['old.txt'])
    const v175 = [
      '',
      'Transferred:   \t    1.907 GiB / 1.907 GiB, 100%, 10.000 MiB/s, ETA 0s',
      'Errors:                 2 (retrying may help)',
      'Checks:               10 / 10, 100%, Listed 120',
      'Deleted:                4 (files), 1 (dirs), 12.500 KiB (freed)',
      'Renamed:                3',
      'Transferred:         1000 / 1000, 100%',
      'Server Side Copies:     7 @ 1.000 MiB',
      'Elapsed time:    1h2m3.4s',
      '',
    ].join('\n')
    expect(textStats(v175)).toEqual({
      bytes: Math.round(1.907 * 1024 ** 3),
      bytesExact: false,
      checks: 10,
      deletes: 4,
      deletedDirs: 1,
      errors: 2,
      transfers: 1000,
      renames: 3,
      elapsedTime: 3723.4,
    })
    expect(
      textStats('\nTransferred:   \t          0 B / 0 B, -, 0 B/s, ETA -\nElapsed time:         0.0s\n'),
    ).toEqual({
      bytes: 0,
      bytesExact: true,
      checks: 0,
      deletes: 0,
      deletedDirs: 0,
      errors: 0,
      transfers: 0,
      renames: 0,
      elapsedTime: 0,
    })
    expect(textStats('Transferred:            5 / 5, 100%')).toBeUndefined()
  })
})
