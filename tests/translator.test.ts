/**
 * The rclone translator (tests/helpers/rclone-translator.mjs) against the real rclone 1.60.1: what it writes must be
 * what rclone v1.75.0 writes (tests/fixtures/logs/SOURCES.md and the citations in the translator), and what it does
 * not rewrite must pass through untouched.
 */
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { LineSplitter, LogReader } from '../src/rclone/log-reader.js'
import { requireRclone, sameModTime, tempDir, writeTree } from './helpers/rclone.js'
import { realRclone, TRANSLATOR, translatedPath, translatorShim } from './helpers/rclone-versions.js'

let real = ''
beforeAll(() => {
  requireRclone()
  real = realRclone()
})

interface Ran {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: Buffer
  readonly stderr: string
}

function run(
  args: string[],
  cwd: string,
  binary = translatorShim(),
  env: NodeJS.ProcessEnv = process.env,
): Ran {
  const r = spawnSync(binary, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 })
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr.toString('utf8') }
}

const ESC = '\u001b'
const lines = (text: string) => text.split('\n').filter((l) => l !== '')
const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/
const TEXT_TIME = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /
const JSON_FLAGS = ['--use-json-log', '--stats-log-level=NOTICE', '--stats=30s', '--verbose']

function tree(): string {
  const ws = tempDir()
  writeTree(ws, {
    'src/a.txt': 'hello\n',
    'src/deep/b & <c>.txt': 'world, and more\n',
    'src/same.txt': 'same',
    'dst/same.txt': 'same',
    'dst/gone.txt': 'old',
  })
  sameModTime(ws, ['src', 'dst'], 'same.txt')
  return ws
}

describe('rclone-translator: rclone 1.60.1 as v1.75.0 writes it', () => {
  it('rclone version says v1.75.0 and keeps the rest of the real output', () => {
    const ws = tempDir()
    const ours = run(['version'], ws)
    const theirs = run(['version'], ws, real)
    expect(ours.status).toBe(0)
    const [first, ...rest] = lines(ours.stdout.toString('utf8'))
    expect(first).toBe('rclone v1.75.0')
    expect(rest).toEqual(lines(theirs.stdout.toString('utf8')).slice(1))
    // The translator rewrites 1.60.1's output: the real rclone must be that one.
    expect(lines(theirs.stdout.toString('utf8'))[0]).toMatch(/^rclone v1\.60\.1\b/)
  })

  it('a sync logs slog JSON: key order, RFC3339Nano times, notice levels, stats with listed, sizes on Copied', () => {
    const ws = tree()
    const r = run(['sync', ...JSON_FLAGS, '--', 'src', 'dst'], ws)
    expect(r.status, r.stderr).toBe(0)
    const entries = lines(r.stderr).map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(entries.length).toBeGreaterThanOrEqual(4)
    for (const e of entries) {
      const keys = Object.keys(e)
      expect(keys.slice(0, 3)).toEqual(['time', 'level', 'msg'])
      expect(keys.at(-1)).toBe('source')
      if ('object' in e) expect(keys.slice(-3)).toEqual(['object', 'objectType', 'source'])
      expect(e.time).toMatch(RFC3339_NANO)
      expect(['debug', 'info', 'notice', 'warning', 'error', 'critical']).toContain(e.level)
      expect(e.level).not.toBe('warning')
    }
    const copied = entries.filter((e) => e.msg === 'Copied (new)')
    expect(copied.map((e) => [e.object, e.size]).sort()).toEqual([
      ['a.txt', 6],
      ['deep/b & <c>.txt', 16],
    ])
    for (const e of copied) {
      expect(Object.keys(e)).toEqual(['time', 'level', 'msg', 'size', 'object', 'objectType', 'source'])
      expect(e.source).toBe('operations/copy.go:380')
    }
    // slog does not escape HTML characters (logrus wrote \u0026, \u003c).
    expect(r.stderr).toContain('"object":"deep/b & <c>.txt"')
    expect(entries.find((e) => e.msg === 'Deleted')).toMatchObject({ object: 'gone.txt', level: 'info' })
    const stats = entries.at(-1) as Record<string, unknown>
    expect(Object.keys(stats)).toEqual(['time', 'level', 'msg', 'stats', 'source'])
    expect(stats).toMatchObject({ level: 'notice', source: 'accounting/stats.go:551' })
    const block = stats.stats as Record<string, unknown>
    expect(block).toMatchObject({
      transfers: 2,
      bytes: 22,
      deletes: 1,
      listed: 0,
      serverSideCopies: 0,
      serverSideCopyBytes: 0,
      serverSideMoves: 0,
      serverSideMoveBytes: 0,
    })
    expect(Object.keys(block)).toEqual(Object.keys(block).sort())
  })

  it('says the same things as 1.60.1, line for line, apart from the format', () => {
    const a = tree()
    const b = tree()
    const ours = lines(run(['sync', ...JSON_FLAGS, '--', 'src', 'dst'], a).stderr).map((l) => JSON.parse(l))
    const theirs = lines(run(['sync', ...JSON_FLAGS, '--', 'src', 'dst'], b, real).stderr).map((l) =>
      JSON.parse(l),
    )
    // The stats text holds timings and speeds, which differ from run to run.
    const gist = (e: { msg: string; object?: string; stats?: unknown }) =>
      e.stats ? 'stats' : `${e.object ?? ''}|${e.msg}`
    expect(ours.map(gist).sort()).toEqual(theirs.map(gist).sort())
    expect(theirs.some((e) => e.level === 'warning')).toBe(true)
  })

  it('a dry run: Skipped lines are notices with skipped then size, and the stats are at NOTICE', () => {
    const ws = tree()
    writeFileSync(path.join(ws, 'dst/same.txt'), 'different')
    const r = run(['sync', ...JSON_FLAGS.slice(0, 3), '--verbose=2', '--dry-run', '--', 'src', 'dst'], ws)
    expect(r.status, r.stderr).toBe(0)
    const entries = lines(r.stderr).map((l) => JSON.parse(l) as Record<string, unknown>)
    const skipped = entries.filter((e) => 'skipped' in e)
    expect(skipped.length).toBe(4)
    for (const e of skipped) {
      expect(e.level).toBe('notice')
      expect(Object.keys(e)).toEqual([
        'time',
        'level',
        'msg',
        'skipped',
        'size',
        'object',
        'objectType',
        'source',
      ])
      expect(e.source).toBe('operations/operations.go:2631')
    }
    // v1.72+ "Sizes differ" carries no sizes.
    expect(
      entries.find((e) => e.object === 'same.txt' && e.level === 'debug' && /differ/.test(String(e.msg))),
    ).toMatchObject({ msg: 'Sizes differ', source: 'operations/operations.go:250' })
    expect(entries.at(-2)).toMatchObject({ level: 'notice', stats: { transfers: 3, listed: 0 } })
  })

  it('an unknown flag or a wrong argument count exits 2; the flag error is a plain NOTICE: Fatal error: line', () => {
    const ws = tempDir()
    const flag = run(['sync', '--use-json-log', '--no-such-flag', 'src', 'dst'], ws)
    expect(flag.status).toBe(2)
    expect(lines(flag.stderr).at(-1)).toMatch(
      /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d NOTICE: Fatal error: unknown flag: --no-such-flag$/,
    )
    expect(flag.stderr).toContain('Error: unknown flag: --no-such-flag\nUsage:\n')
    expect(run(['sync', '--use-json-log', '--no-such-flag', 'src', 'dst'], ws, real).status).toBe(1)
    const args = run(['sync', '--use-json-log', 'only-one'], ws)
    expect(args.status).toBe(2)
    expect(args.stderr).toContain(
      'Command sync needs 2 arguments minimum: you provided 1 non flag arguments: ["only-one"]',
    )
    expect(run(['no-such-command'], ws).status).toBe(2)
  })

  it('a missing source exits 3 and "Failed to sync" is a JSON notice entry the reader takes as the error', () => {
    const ws = tempDir()
    const r = run(['sync', ...JSON_FLAGS, '--retries=1', '--', 'missing', 'dst'], ws)
    expect(r.status).toBe(3)
    const all = lines(r.stderr)
    for (const l of all) expect(l.startsWith('{'), l).toBe(true)
    const last = JSON.parse(all.at(-1) as string)
    expect(Object.keys(last)).toEqual(['time', 'level', 'msg', 'source'])
    expect(last).toMatchObject({
      level: 'notice',
      msg: 'Failed to sync: directory not found',
      source: 'cmd/cmd.go:334',
    })
    const reader = new LogReader()
    for (const l of all) reader.addLine(l)
    expect(reader.errorMessages.at(-1)).toBe('Failed to sync: directory not found')
    expect(reader.stats).toMatchObject({ errors: 1 })
  })

  it('without --use-json-log "Failed to sync" gets its NOTICE level, and the other lines pass unchanged', () => {
    const ws = tempDir()
    const r = run(['sync', '--retries=1', 'missing', 'dst'], ws)
    const theirs = run(['sync', '--retries=1', 'missing', 'dst'], ws, real)
    expect(r.status).toBe(3)
    const ours = lines(r.stderr)
    expect(ours.at(-1)).toMatch(new RegExp(`${TEXT_TIME.source}NOTICE: Failed to sync: directory not found$`))
    const strip = (l: string) => l.replace(TEXT_TIME, '')
    expect(ours.slice(0, -1).map(strip)).toEqual(lines(theirs.stderr).slice(0, -1).map(strip))
  })

  it('other fatal plain-text lines of 1.60.1 become CRITICAL entries (fs.Fatalf) and still exit 1', () => {
    const ws = tempDir()
    const r = run(['sync', '--use-json-log', 'nosuchremote:x', 'dst'], ws)
    expect(r.status).toBe(1)
    const last = JSON.parse(lines(r.stderr).at(-1) as string)
    expect(last).toMatchObject({
      level: 'critical',
      msg: expect.stringMatching(/^Failed to create file system for "nosuchremote:x": /),
      source: 'cmd/cmd.go:102',
    })
  })

  it('--max-duration reached exits 10 (1.60.1 exits 7)', async () => {
    const ws = tempDir()
    mkdirSync(path.join(ws, 'big'))
    writeFileSync(path.join(ws, 'big/blob.bin'), Buffer.alloc(1_500_000, 7))
    const args = ['copy', ...JSON_FLAGS, '--bwlimit=400k', '--max-duration=1s', '--retries=1', '--', 'big']
    const [ours, theirs] = await Promise.all([
      runAsync(translatorShim(), [...args, 'out-a'], ws),
      runAsync(real, [...args, 'out-b'], ws),
    ])
    expect(theirs.status).toBe(7)
    expect(ours.status, ours.stderr).toBe(10)
    const last = JSON.parse(lines(ours.stderr).at(-1) as string)
    expect(last.msg).toMatch(/max transfer duration reached as set by --max-duration$/)
    expect(last.level).toBe('notice')
    expect(ours.stderr).toContain('"source":"sync/sync.go:1027"')
  })

  it('stdout listings pass through byte for byte', () => {
    const ws = tempDir()
    const blob = Buffer.from([
      0, 1, 2, 0xff, 0xfe, 0x0a, 0x0d, 0x0a, 0x7b, 0x22, 0x6c, 0x65, 0x76, 0x65, 0x6c, 0x22, 0x0a, 0x41,
    ])
    writeTree(ws, { 'src/x.bin': blob, 'src/{"level":"info"}.txt': '{"level":"warning","msg":"not a log"}' })
    const cat = run(['--use-json-log', 'cat', '--', 'src/x.bin'], ws)
    expect(cat.status).toBe(0)
    expect(Buffer.compare(cat.stdout, blob)).toBe(0)
    for (const cmd of [['lsf', '-R'], ['lsjson', '-R'], ['cat']]) {
      const ours = run(['--use-json-log', ...cmd, '--', 'src'], ws)
      const theirs = run(['--use-json-log', ...cmd, '--', 'src'], ws, real)
      expect(ours.status).toBe(0)
      expect(ours.stdout.equals(theirs.stdout), cmd.join(' ')).toBe(true)
    }
  })

  it('streams: lines go out as they come, a line cut in two is joined, a last line without newline is kept', async () => {
    const ws = tempDir()
    const fake = path.join(ws, 'fake-rclone')
    writeFileSync(
      fake,
      [
        '#!/bin/sh',
        `printf '{"level":"info","msg":"Copied (new)","object":"a.txt","objectType":"*local.Object","sou' >&2`,
        'sleep 0.3',
        `printf 'rce":"operations/operations.go:566","time":"2026-01-02T03:04:05.5+00:00"}\\n' >&2`,
        "printf 'out-1\\nout-' ",
        'sleep 0.3',
        "printf '2 no newline'",
        `printf 'plain last line' >&2`,
        'exit 0',
      ].join('\n'),
    )
    chmodSync(fake, 0o755)
    const seen: Array<{ at: number; line: string }> = []
    const started = Date.now()
    // The translator itself (the shim names the real rclone), with a fake rclone that writes slowly.
    const r = await runAsync(
      process.execPath,
      [TRANSLATOR, 'copy', 'src', 'dst'],
      ws,
      { ...process.env, RCLONE_JOBS_REAL_RCLONE: fake },
      (line) => seen.push({ at: Date.now() - started, line }),
    )
    const ended = Date.now() - started
    expect(r.status).toBe(0)
    expect(r.stdout).toBe('out-1\nout-2 no newline')
    expect(r.stderr).toBe(
      '{"time":"2026-01-02T03:04:05.5Z","level":"info","msg":"Copied (new)","object":"a.txt","objectType":"*local.Object","source":"operations/copy.go:380"}\nplain last line',
    )
    // The first line was out while rclone was still writing (two 0.3 s pauses later).
    expect(seen[0]?.line).toMatch(/^\{"time"/)
    expect(seen[0]?.at).toBeLessThan(ended - 200)
    expect(seen.length).toBe(2)
  })

  it('passes SIGTERM to rclone and ends as rclone does', async () => {
    const ws = tempDir()
    mkdirSync(path.join(ws, 'big'))
    writeFileSync(path.join(ws, 'big/blob.bin'), Buffer.alloc(2_000_000, 1))
    const child = spawn(translatorShim(), ['copy', '--bwlimit=100k', '--', 'big', 'out'], {
      cwd: ws,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout.resume()
    child.stderr.resume()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const started = Date.now()
    child.kill('SIGTERM')
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    )
    expect(Date.now() - started).toBeLessThan(5000)
    // rclone runs its exit handlers on SIGTERM and exits 128+15 (lib/atexit).
    expect(code === 143 || signal === 'SIGTERM', `${code} ${signal}`).toBe(true)
  })

  it('bisync: a critical error gets the v1.66 tip, colours, exit 7 and "Failed to bisync: bisync aborted"', () => {
    const ws = tempDir()
    writeTree(ws, { 'left/x.txt': 'x', 'right/y.txt': 'y' })
    const workdir = path.join(ws, 'wd')
    const args = ['bisync', ...JSON_FLAGS, `--workdir=${workdir}`, '--', 'left', 'right']
    const r = run(args, ws)
    expect(r.status).toBe(7)
    const entries = lines(r.stderr).map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(entries.some((e) => /EXPERIMENTAL/.test(String(e.msg)))).toBe(false)
    const base = path.join(workdir, `${canonical(ws, 'left')}..${canonical(ws, 'right')}`)
    const critical = entries.find((e) => String(e.msg).includes('Bisync critical error'))
    expect(critical).toMatchObject({ level: 'error', source: 'bisync/operations.go:209' })
    expect(
      String(critical?.msg)
        .replaceAll(ESC, '')
        .replace(/\[[0-9;]*m/g, ''),
    ).toBe(
      'Bisync critical error: cannot find prior Path1 or Path2 listings, likely due to critical error on prior run \n' +
        'Tip: here are the filenames we were looking for. Do they exist? \n' +
        `Path1: ${base}.path1.lst\nPath2: ${base}.path2.lst\n` +
        'Try running this command to inspect the work dir: \n' +
        `rclone lsl "${workdir}"`,
    )
    expect(String(critical?.msg).startsWith(`${ESC}[31mBisync critical error: `)).toBe(true)
    expect(entries.at(-2)).toMatchObject({
      level: 'notice',
      stats: { errors: 1, fatalError: true, listed: 0 },
    })
    expect(entries.at(-1)).toMatchObject({ level: 'notice', msg: 'Failed to bisync: bisync aborted' })
    expect(run(args, ws, real).status).toBe(2)

    // After a resync the listings the tip names are the ones rclone writes.
    expect(run([...args.slice(0, -3), '--resync', '--', 'left', 'right'], ws).status).toBe(0)
    expect(existsSync(`${base}.path1.lst`) && existsSync(`${base}.path2.lst`)).toBe(true)
  })

  it('fails loudly when the real rclone cannot be found', () => {
    expect(() => realRclone(tempDir())).toThrow(/the rclone translator needs the real rclone on PATH/)
    const ws = tempDir()
    const direct = spawnSync(process.execPath, [TRANSLATOR, 'version'], {
      env: { ...process.env, RCLONE_JOBS_REAL_RCLONE: path.join(ws, 'nothing-here') },
      encoding: 'utf8',
    })
    expect(direct.status).toBe(127)
    expect(direct.stderr).toMatch(/rclone-translator: could not start/)
  })

  it('the shim is first on the translated PATH and names the real rclone', () => {
    const p = translatedPath('/usr/bin:/bin').split(path.delimiter)
    expect(p[0]).toBe(path.dirname(translatorShim()))
    expect(p.slice(1)).toEqual(['/usr/bin', '/bin'])
    const shim = readFileSync(translatorShim(), 'utf8')
    expect(shim.startsWith('#!/bin/sh\n')).toBe(true)
    expect(shim).toContain(`RCLONE_JOBS_REAL_RCLONE='${real}'`)
    expect(shim).toContain(TRANSLATOR)
    expect(statSync(translatorShim()).mode & 0o111).not.toBe(0)
  })
})

/** rclone bisync's name for one side (cmd/bisync/bilib/canonical.go), for a local folder under `ws`. */
function canonical(ws: string, dir: string): string {
  return path
    .join(ws, dir)
    .replace(/^[\\/]+|[\\/]+$/g, '')
    .replace(/[\s\\/:?*]/g, '_')
}

async function runAsync(
  binary: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  onStderrLine?: (line: string) => void,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(binary, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const split = new LineSplitter((l) => onStderrLine?.(l))
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c
  })
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c
    split.push(c)
  })
  const status = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
  split.end()
  return { status, stdout, stderr }
}
