/**
 * The command line: `main()` from src/cli.ts run in-process on real files with the real rclone, with stdout and
 * stderr captured apart; and the committed bundle (node dist/cli.js) once, end to end.
 */
import { spawnSync } from 'node:child_process'
import { symlinkSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { CLI_FLAGS, type JsonReport, main, usage } from '../src/cli.js'
import { COMMANDS } from '../src/constants.js'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'

beforeAll(() => {
  requireRclone()
})

/** Runs the CLI in `cwd`; what it wrote to stdout and stderr, and its exit code. */
async function cli(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, cwd)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

const diagnosticLines = (text: string) => text.split('\n').filter((l) => /^jobs\/.*:\d+:\d+: /.test(l))

describe('the CLI', () => {
  it('prints diagnostics on stderr, not stdout, and exits 1 on errors', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/a.yml': 'source: src\ndestinations: [dst]\noptions:\n  transfer: 4\n',
      'jobs/b.yml': 'source: src\ndestinations: [dst/inner]\nmode: mirror\n',
    })
    const r = await cli(ws, 'validate')
    expect(r.code).toBe(1)
    expect(diagnosticLines(r.err)).toEqual([
      'jobs/a.yml:4:3: error: options.transfer: unknown key "transfer"; did you mean "transfers"?',
      'jobs/b.yml:3:7: error: mode: must be one of "sync", "copy", "bisync", not the string "mirror"',
    ])
    expect(r.err).toContain('rclone-jobs: 2 problems in job files; nothing was run')
    expect(diagnosticLines(r.out)).toEqual([])
    expect(r.out).toContain('Found 2 job files under "jobs"')
    expect(r.out).not.toContain('::error')
  })

  it('exits 0 on valid jobs with nothing on stderr; plan and run use the real rclone', async () => {
    const ws = tempDir()
    writeTree(ws, { 'conf/sync/j.yml': 'source: src\ndestinations: [dst]\n', 'src/f.txt': 'f' })
    const v = await cli(ws, 'validate', 'conf')
    expect([v.code, v.err]).toEqual([0, ''])
    const plan = await cli(ws, 'plan', 'conf')
    expect(plan.code).toBe(0)
    expect(plan.out).toContain('| j | dst | 1 | 0 | 0 |')
    expect(readTree(path.join(ws, 'dst'))).toEqual({})
    const run = await cli(ws, 'run', 'conf', '--max-parallel', '1')
    expect([run.code, run.err]).toEqual([0, ''])
    expect(readTree(path.join(ws, 'dst'))).toEqual({ 'f.txt': 'f' })
  })

  it('exits 1 when an invocation fails, with the failure on stderr', async () => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/j.yml': 'source: nowhere\ndestinations: [dst]\n' })
    const r = await cli(ws, 'run')
    expect(r.code).toBe(1)
    expect(r.err).toContain('rclone-jobs: 1 of 1 rclone invocation failed: j')
  })

  it.each([
    [
      ['frobnicate'],
      'unknown command "frobnicate" (the commands are validate, plan, run, check, import, new, list)',
    ],
    [[], 'a command is needed'],
    [['validate', '--frobnicate'], "Unknown option '--frobnicate'"],
    [['validate', 'jobs', 'extra'], 'unexpected arguments: extra'],
    [['run', '--max-parallel', '0'], '--max-parallel must be a whole number from 1 to 64'],
    [['run', '--max-parallel', '0x10'], 'not "0x10"'],
    [['run', '--time-budget', 'soon'], '--time-budget must be a duration such as 5h30m'],
    [['validate', '--format', 'yaml'], '--format must be text or json, not "yaml"'],
    [['run', '--jobs', 'photos,nope-*'], '"jobs" names no job for "nope-*"; the jobs are: photos'],
    [['validate', 'nowhere'], 'no job files found for path "nowhere"'],
  ])('usage error %j exits 2 with the reason on stderr', async (args, reason) => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/photos.yml': 'source: src\ndestinations: [dst]\n', 'src/f.txt': 'f' })
    const r = await cli(ws, ...args)
    expect(r.code).toBe(2)
    expect(r.err).toContain(reason)
    expect(r.out).not.toContain(reason)
    expect(readTree(path.join(ws, 'dst'))).toEqual({})
  })

  it('--help lists every command and every flag, on stdout, and exits 0', async () => {
    const r = await cli(tempDir(), '--help')
    expect([r.code, r.err]).toEqual([0, ''])
    expect(r.out).toBe(usage())
    for (const c of COMMANDS) expect(r.out).toMatch(new RegExp(`^  ${c} `, 'm'))
    for (const flag of Object.keys(CLI_FLAGS)) expect(r.out).toContain(`--${flag}`)
    expect(r.out).toContain('--time-budget <d>')
    expect(r.out).toContain('--format <text|json>')
  })

  it('--format json prints the diagnostics as one JSON document on stdout', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/_defaults.yml': 'options:\n  transfers: 0\n',
      'jobs/a.yml': 'source: src\ndestinations: [dst]\nschedule: */5 * * * *\n',
    })
    const r = await cli(ws, 'validate', '--format', 'json')
    expect(r.code).toBe(1)
    const report = JSON.parse(r.out) as JsonReport
    expect(report).toEqual({
      command: 'validate',
      success: false,
      message: '2 problems in job files; nothing was run (see the list above and the step summary)',
      diagnostics: [
        {
          severity: 'error',
          file: 'jobs/_defaults.yml',
          line: 2,
          col: 14,
          key: 'options.transfers',
          message: 'must be at least 1, not 0',
        },
        {
          severity: 'error',
          file: 'jobs/a.yml',
          line: 3,
          col: 11,
          key: 'schedule',
          message:
            'this cron must be quoted: YAML reads a value that begins with "*" as an alias. Write schedule: "*/5 * * * *"',
        },
      ],
      results: [],
    })
    expect(diagnosticLines(r.err)).toHaveLength(2)
  })

  it('--format json: plan, run and check add the results; stdout is JSON only, the log goes to stderr', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/j.yml': 'source: src\ndestinations: [dst]\nfilters:\n  types: [document]\n',
      'src/a.txt': 'a',
      'src/b.PDF': 'b',
      'src/c.jpg': 'c',
    })
    const plan = await cli(ws, 'plan', '--format', 'json')
    expect(plan.code).toBe(0)
    const planned = JSON.parse(plan.out) as JsonReport
    expect(planned.success).toBe(true)
    expect(planned.diagnostics).toEqual([])
    expect(planned.results).toMatchObject([
      { job: 'j', destination: 'dst', status: 'success', wouldCopy: 2, wouldDelete: 0 },
    ])
    expect(plan.err).toContain('Planning 1 invocation')
    const run = await cli(ws, 'run', '--format', 'json')
    expect((JSON.parse(run.out) as JsonReport).results).toMatchObject([{ job: 'j', transfers: 2 }])
    expect(readTree(path.join(ws, 'dst'))).toEqual({ 'a.txt': 'a', 'b.PDF': 'b' })
    const check = await cli(ws, 'check', '--format', 'json')
    expect(check.code).toBe(0)
    expect((JSON.parse(check.out) as JsonReport).results).toMatchObject([
      { job: 'j', status: 'success', missingOnDestination: 0, differ: 0 },
    ])
  })
})

// RCLONE_JOBS_CLI runs another build of the CLI, as RCLONE_JOBS_BUNDLE does for the action.
const bundle = path.resolve(process.env.RCLONE_JOBS_CLI ?? 'dist/cli.js')

describe('the bundle (node dist/cli.js)', () => {
  it('validates, plans and runs example-shaped jobs with the real rclone', () => {
    const ws = tempDir()
    writeTree(ws, { 'conf/j.yml': 'source: src\ndestinations: [dst]\n', 'src/f.txt': 'f' })
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [bundle, ...args], {
        cwd: ws,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
      })
    expect(cli('validate', 'conf').status).toBe(0)
    expect(cli('run', 'conf').status).toBe(0)
    expect(readTree(path.join(ws, 'dst'))).toEqual({ 'f.txt': 'f' })
    expect(cli('frobnicate').status).toBe(2)
  })
})

describe('the CLI reads a config as the action does (node dist/cli.js)', () => {
  const cli = (ws: string, env: Record<string, string>, ...args: string[]) =>
    spawnSync(process.execPath, [bundle, ...args], {
      cwd: ws,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: tempDir('home-'), ...env },
    })

  it('--config FILE, RCLONE_CONFIG and RCLONE_CONFIG_* give validation the remotes: unknown ones and alias overlaps', () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/a.yml': 'source: src\ndestinations: ["box:backup"]\n',
      'jobs/b.yml': 'source: src\ndestinations: ["nowhere:x"]\n',
      'jobs/c.yml': 'source: other\ndestinations: [dst/backup]\n',
      'rclone.conf': `[box]\ntype = alias\nremote = ${path.join(ws, 'dst')}\n`,
    })
    const withFile = cli(ws, {}, 'validate', '--config', 'rclone.conf')
    expect(withFile.status).toBe(1)
    expect(withFile.stderr).toContain(
      'jobs/b.yml:2:16: error: destinations[0]: the remote "nowhere" is not in the rclone config (its remotes are box)',
    )
    // box:backup is dst/backup: two jobs write one place.
    expect(withFile.stderr).toContain(
      'jobs/c.yml:2:16: error: destinations[0]: destinations[0] is the same place as destinations[0] of job "a"',
    )
    const fromVariable = cli(ws, { RCLONE_CONFIG: path.join(ws, 'rclone.conf') }, 'validate')
    expect(fromVariable.stderr).toContain(
      'the remote "nowhere" is not in the rclone config (its remotes are box)',
    )
    const fromEnv = cli(ws, { RCLONE_CONFIG_NOWHERE_TYPE: 'local' }, 'validate', '--config', 'rclone.conf')
    expect(fromEnv.stderr).not.toContain('not in the rclone config')
    const missing = cli(ws, {}, 'validate', '--config', 'nope.conf')
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain('--config: there is no file "nope.conf"')
  })

  it('plan --format json without rclone on PATH prints one JSON document with the error, and exits 1', () => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/a.yml': 'source: src\ndestinations: [dst]\n', 'src/f.txt': 'f' })
    const nodeOnly = tempDir('node-only-')
    symlinkSync(process.execPath, path.join(nodeOnly, 'node'))
    const r = spawnSync(process.execPath, [bundle, 'plan', '--format', 'json'], {
      cwd: ws,
      encoding: 'utf8',
      env: { PATH: nodeOnly, HOME: tempDir('home-') },
    })
    expect(r.status).toBe(1)
    const doc = JSON.parse(r.stdout) as JsonReport
    expect(doc).toMatchObject({ command: 'plan', success: false, results: [] })
    expect(doc.message).toContain('rclone could not be started')
    const usage = spawnSync(process.execPath, [bundle, 'plan', '--format', 'json', '--max-parallel', 'x'], {
      cwd: ws,
      encoding: 'utf8',
    })
    expect(usage.status).toBe(2)
    expect((JSON.parse(usage.stdout) as JsonReport).message).toContain('--max-parallel')
    // The job-file commands too: one document, also for a usage error.
    for (const args of [
      ['list', 'nowhere', '--format', 'json'],
      ['new', 'x', '--source', 'a', '--format', 'json'],
      ['import', 'missing.sh', '--format', 'json'],
    ]) {
      const r2 = spawnSync(process.execPath, [bundle, ...args], { cwd: ws, encoding: 'utf8' })
      expect(r2.status, r2.stderr).toBe(2)
      expect(JSON.parse(r2.stdout) as JsonReport).toMatchObject({ command: args[0], success: false })
    }
  })
})
