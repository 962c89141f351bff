/**
 * `rclone-jobs new` (a commented job file that validates, never over an existing one) and `rclone-jobs list` (the
 * job manager's table and its JSON), run through the CLI's `main` on real folders; a new job is also run with the
 * real rclone.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { main, usage } from '../src/cli.js'
import { JOB_CLI_FLAGS } from '../src/commands/job-cli.js'
import { type ListReport, listCommand } from '../src/commands/list.js'
import type { NewJobReport } from '../src/commands/new-job.js'
import { loadJobFiles } from '../src/jobs/load.js'
import { validateDocuments } from '../src/jobs/validate.js'
import { jobListRows, nextRunText } from '../src/report/job-list.js'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'

beforeAll(() => {
  requireRclone()
})

/** Runs the CLI in `cwd`; what it wrote to stdout and stderr, and its exit code. */
async function cli(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(
    args,
    { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => '' },
    cwd,
  )
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** Runs `list` at a fixed time, so that the next runs are known. */
async function list(cwd: string, format: 'text' | 'json', now: string, spec = 'jobs') {
  const out: string[] = []
  const err: string[] = []
  const code = await listCommand(
    { path: spec, format },
    { cwd, out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => '' },
    Date.parse(now),
  )
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** Every commented-out key of a file written by `new`, made real, except the keys in `keep` (with what is under them). */
function uncommented(text: string, keep: readonly string[] = []): string {
  let keptBlock = false
  return text
    .split('\n')
    .map((line) => {
      const m = /^# ?((\s*)([a-z-]+):.*)$/.exec(line)
      if (m === null || line.startsWith('# yaml-language-server')) return line
      const nested = (m[2] as string).length > 0
      if (!nested) keptBlock = keep.includes(m[3] as string)
      if (keptBlock || keep.includes(m[3] as string)) return line
      return m[1] as string
    })
    .join('\n')
}

describe('new', () => {
  it('writes a commented job file that validates and lists', async () => {
    const ws = tempDir()
    const r = await cli(
      ws,
      'new',
      'photos',
      '--source',
      'gdrive:Camera',
      '--destination',
      'b2:photos',
      '--destination',
      's3:archive/photos #1',
    )
    expect([r.code, r.err]).toEqual([0, ''])
    expect(r.out).toBe(
      'wrote jobs/photos.yml: sync gdrive:Camera -> b2:photos, s3:archive/photos #1; edit it, then check it with rclone-jobs validate',
    )
    const text = readFileSync(path.join(ws, 'jobs/photos.yml'), 'utf8')
    expect(text.split('\n').slice(0, 11)).toEqual([
      '# yaml-language-server: $schema=https://raw.githubusercontent.com/org/rclone-jobs/v1/schema/job.schema.json',
      '# The job "photos", written by `rclone-jobs new`. Every key is described under "Job files" in the README.',
      '# Check the file with `rclone-jobs validate`; see what a run would copy and delete with `rclone-jobs plan`.',
      '',
      '# description: what this job keeps, shown in summaries',
      'source: gdrive:Camera',
      'destinations:                     # one rclone run per destination',
      '  - b2:photos',
      '  - "s3:archive/photos #1"',
      'mode: sync                        # sync: make each destination identical to the source (deletes there what the source lacks)',
      '',
    ])
    expect(text).toContain('# options:')
    expect(text).toContain('#   max-delete: 100')
    expect(text).toContain('# versions:')
    expect(text).not.toContain('resync')
    const v = await cli(ws, 'validate')
    expect([v.code, v.err]).toEqual([0, ''])
    const l = await list(ws, 'json', '2026-03-01T00:00:00Z')
    expect((JSON.parse(l.out) as ListReport).jobs).toEqual([
      {
        name: 'photos',
        mode: 'sync',
        source: 'gdrive:Camera',
        destinations: ['b2:photos', 's3:archive/photos #1'],
        schedule: [],
        nextRun: null,
        enabled: true,
        file: 'jobs/photos.yml',
        line: 6,
      },
    ])
  })

  it.each([
    ['sync', ['versions']],
    ['sync', ['backup-dir']],
    ['copy', ['backup-dir']],
    ['bisync', []],
  ])(
    'the commented keys of a %s job are valid as written (all but %j, which exclude each other)',
    async (mode, keep) => {
      const ws = tempDir()
      const r = await cli(
        ws,
        'new',
        'j',
        '--source',
        'gdrive:docs',
        '--destination',
        'b2:docs',
        '--mode',
        mode,
      )
      expect(r.code).toBe(0)
      const file = path.join(ws, 'jobs/j.yml')
      const text = readFileSync(file, 'utf8')
      expect(text.includes('# resync: true')).toBe(mode === 'bisync')
      expect(text.includes('# versions:')).toBe(mode !== 'bisync')
      expect(text.includes('# allow-empty-source:')).toBe(mode !== 'copy')
      const full = uncommented(text, keep)
      expect(full).toContain('\noptions:')
      writeFileSync(file, full)
      const loaded = await loadJobFiles([file], ws)
      const validated = validateDocuments(loaded.documents, { cwd: ws })
      expect([...loaded.diagnostics, ...validated.diagnostics]).toEqual([])
      expect(validated.jobs[0]?.job).toMatchObject({ mode, enabled: false, options: { transfers: 8 } })
    },
  )

  it('makes a job that runs: new, then run with the real rclone', async () => {
    const ws = tempDir()
    writeTree(ws, { 'src/a.txt': 'a', 'src/sub/b.txt': 'b', 'dst/keep.txt': 'kept by a copy' })
    expect(
      (await cli(ws, 'new', 'docs', '--source', 'src', '--destination', 'dst', '--mode', 'copy')).code,
    ).toBe(0)
    const run = await cli(ws, 'run')
    expect([run.code, run.err]).toEqual([0, ''])
    expect(readTree(path.join(ws, 'dst'))).toEqual({
      'a.txt': 'a',
      'keep.txt': 'kept by a copy',
      'sub/b.txt': 'b',
    })
  })

  it('never overwrites a file, and writes nothing for a job that would not validate', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'conf/docs.yaml': 'source: a\ndestinations: [b]\n',
      'conf/other.yml': 'source: c\ndestinations: [d]\n',
    })
    const exists = await cli(ws, 'new', 'docs', '--source', 'x', '--destination', 'y', '--path', 'conf')
    expect(exists.code).toBe(1)
    expect(exists.err).toContain(
      'rclone-jobs new: conf/docs.yaml already exists; new never overwrites a file',
    )
    expect(readFileSync(path.join(ws, 'conf/docs.yaml'), 'utf8')).toBe('source: a\ndestinations: [b]\n')

    const inside = await cli(
      ws,
      'new',
      'nested',
      '--source',
      'data',
      '--destination',
      'data/copy',
      '--path',
      'conf',
    )
    expect(inside.code).toBe(1)
    expect(inside.err).toContain(
      'conf/nested.yml:8:5: error: destinations[0]: destination "data/copy" is inside the job\'s source "data"',
    )
    const overlap = await cli(ws, 'new', 'again', '--source', 'e', '--destination', 'd/sub', '--path', 'conf')
    expect(overlap.code).toBe(1)
    expect(overlap.err).toContain('of job "other" (conf/other.yml:2)')
    expect(readdirSync(path.join(ws, 'conf')).sort()).toEqual(['docs.yaml', 'other.yml'])
  })

  it('--format json prints the file it wrote', async () => {
    const ws = tempDir()
    const r = await cli(ws, 'new', 'n', '--source', 'a', '--destination', 'b', '--format', 'json')
    expect(r.code).toBe(0)
    const report = JSON.parse(r.out) as NewJobReport
    expect(report).toMatchObject({
      command: 'new',
      success: true,
      name: 'n',
      file: 'jobs/n.yml',
      written: true,
    })
    expect(report.content).toBe(readFileSync(path.join(ws, 'jobs/n.yml'), 'utf8'))
  })

  it.each([
    [['new', '--source', 'a', '--destination', 'b'], 'a job name is needed'],
    [['new', 'bad.name', '--source', 'a', '--destination', 'b'], 'the name must be letters, digits'],
    [['new', 'n', '--destination', 'b'], '--source is needed'],
    [['new', 'n', '--source', 'a'], 'at least one --destination is needed'],
    [
      ['new', 'n', '--source', 'a', '--destination', 'b', '--mode', 'mirror'],
      '--mode must be sync, copy, bisync',
    ],
    [['new', 'n', 'm', '--source', 'a', '--destination', 'b'], 'unexpected arguments: m'],
    [['new', 'n', '--source', 'a', '--destination', 'b', '--dry-run'], '--dry-run is not an option of new'],
  ])('usage error %j exits 2 and writes nothing', async (args, reason) => {
    const ws = tempDir()
    const r = await cli(ws, ...args)
    expect(r.code).toBe(2)
    expect(r.err).toContain(reason)
    expect(existsSync(path.join(ws, 'jobs'))).toBe(false)
  })
})

describe('list', () => {
  const jobs = {
    'jobs/photos.yml': [
      'description: Camera uploads',
      'source: gdrive:Camera',
      'destinations: [b2:photos, s3:archive/photos]',
      'schedule: ["30 2 * * *", "0 */6 * * *"]',
      '',
    ].join('\n'),
    'jobs/team/docs.yml': 'source: ./docs\ndestinations: [b2:docs]\nmode: copy\n',
    'jobs/team/old.yml': 'source: old\ndestinations: [b2:old]\nschedule: "0 0 * * *"\nenabled: false\n',
    'jobs/leap.yml': 'source: leap\ndestinations: [b2:leap]\nmode: bisync\nschedule: "0 0 30 2 *"\n',
  }

  it('prints one row per job: name, mode, paths, schedule, next run in UTC, enabled, file', async () => {
    const ws = tempDir()
    writeTree(ws, jobs)
    const r = await list(ws, 'text', '2026-03-01T03:10:00Z')
    expect([r.code, r.err]).toEqual([0, ''])
    expect(r.out.split('\n')).toEqual([
      'NAME    MODE    SOURCE         DESTINATIONS                  SCHEDULE                 NEXT RUN              ENABLED  FILE',
      'leap    bisync  leap           b2:leap                       0 0 30 2 *               never                 yes      jobs/leap.yml:1',
      'photos  sync    gdrive:Camera  b2:photos, s3:archive/photos  30 2 * * *, 0 */6 * * *  2026-03-01 06:00 UTC  yes      jobs/photos.yml:1',
      'docs    copy    ./docs         b2:docs                                                                      yes      jobs/team/docs.yml:1',
      'old     sync    old            b2:old                        0 0 * * *                                      no       jobs/team/old.yml:1',
    ])
  })

  it('--format json: the same rows, the next run as an ISO time or null', async () => {
    const ws = tempDir()
    writeTree(ws, jobs)
    const r = await list(ws, 'json', '2026-03-01T03:10:00Z')
    const report = JSON.parse(r.out) as ListReport
    expect(report).toMatchObject({ command: 'list', success: true, message: '', diagnostics: [] })
    expect(report.jobs.map((j) => [j.name, j.nextRun, j.enabled])).toEqual([
      ['leap', null, true],
      ['photos', '2026-03-01T06:00:00.000Z', true],
      ['docs', null, true],
      ['old', null, false],
    ])
    expect(report.jobs[1]).toMatchObject({
      description: 'Camera uploads',
      schedule: ['30 2 * * *', '0 */6 * * *'],
    })
  })

  it('lists the valid jobs and reports the others as validate does, exit 1', async () => {
    const ws = tempDir()
    writeTree(ws, { ...jobs, 'jobs/broken.yml': 'source: x\ndestinations: [y]\noptions:\n  transfer: 4\n' })
    const r = await cli(ws, 'list')
    expect(r.code).toBe(1)
    expect(r.out.split('\n').map((l) => l.split(' ')[0])).toEqual(['NAME', 'leap', 'photos', 'docs', 'old'])
    expect(r.err).toContain(
      'jobs/broken.yml:4:3: error: options.transfer: unknown key "transfer"; did you mean "transfers"?',
    )
    expect(r.err).toContain('rclone-jobs list: 1 problem in job files; the jobs with problems are not listed')
    const validate = await cli(ws, 'validate')
    expect(validate.err).toContain('jobs/broken.yml:4:3: error: options.transfer: unknown key "transfer"')
  })

  it('takes a path, says when there are no jobs, and exits 2 for a path that does not exist', async () => {
    const ws = tempDir()
    writeTree(ws, { 'conf/a.yml': 'source: a\ndestinations: [b]\n', 'empty/README.md': 'no jobs' })
    expect((await cli(ws, 'list', 'conf')).out).toContain('a     sync  a       b')
    expect((await cli(ws, 'list', 'empty')).out).toBe('No jobs under "empty".')
    const missing = await cli(ws, 'list', 'nowhere')
    expect(missing.code).toBe(2)
    expect(missing.err).toContain('rclone-jobs list: no job files found for path "nowhere"')
  })

  it('rows come from the validated jobs: one next run per job, the earliest of its crons', async () => {
    const ws = tempDir()
    writeTree(ws, jobs)
    const files = ['jobs/photos.yml', 'jobs/team/old.yml', 'jobs/leap.yml'].map((f) => path.join(ws, f))
    const loaded = await loadJobFiles(files, ws)
    const rows = jobListRows(
      validateDocuments(loaded.documents, { cwd: ws }).jobs,
      Date.parse('2026-03-01T23:59:00Z'),
    )
    expect(
      rows.map((r) => [r.name, r.nextRun === undefined ? undefined : new Date(r.nextRun).toISOString()]),
    ).toEqual([
      ['photos', '2026-03-02T00:00:00.000Z'],
      ['old', undefined],
      ['leap', undefined],
    ])
    expect(rows.map(nextRunText)).toEqual(['2026-03-02 00:00 UTC', '', 'never'])
  })
})

describe('the command line', () => {
  it('--help lists import, new and list and each of their flags', async () => {
    const r = await cli(tempDir(), 'list', '--help')
    expect([r.code, r.out]).toEqual([0, usage()])
    for (const c of ['import', 'new', 'list']) expect(r.out).toMatch(new RegExp(`^  ${c} `, 'm'))
    for (const flag of Object.keys(JOB_CLI_FLAGS)) expect(r.out).toContain(`--${flag}`)
  })

  it('finds the command after its flags, and leaves the other commands to their own parsing', async () => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/a.yml': 'source: a\ndestinations: [b]\n' })
    const r = await cli(ws, '--format', 'json', 'list')
    expect((JSON.parse(r.out) as ListReport).jobs.map((j) => j.name)).toEqual(['a'])
    const v = await cli(ws, 'validate', '--path', 'jobs')
    expect(v.code).toBe(2)
    expect(v.err).toContain("Unknown option '--path'")
  })
})
