/**
 * What validate, plan and the guards promise is what a run does (issue 10). One test per defect seen when the action
 * was tried as a new user would, each through the bundle exactly as a runner starts it, with the real rclone.
 * `RCLONE_JOBS_BUNDLE=<older dist/index.js>` runs them against an older build, where each of them fails.
 */
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { type BundleRun, runBundle } from './helpers/bundle.js'
import { freePort } from './helpers/ports.js'
import { readTree, requireRclone, snapshotTree, tempDir, writeTree } from './helpers/rclone.js'
import { davConfig, serve } from './helpers/servers.js'

beforeAll(() => {
  requireRclone()
})

const base = { 'rclone-version': 'system' }
const results = (r: BundleRun) => JSON.parse(r.outputs.results ?? '[]') as Array<Record<string, unknown>>
const started = (r: BundleRun, command: string) =>
  r.stdout.split('\n').filter((l) => new RegExp(`\\$ rclone ${command} `).test(l))

describe('1. the same place under another spelling', () => {
  it('`out` and `:local:/abs/out/` in two jobs are one destination: refused, nothing runs', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/a.yml': 'source: src-a\ndestinations: [out]\n',
      'jobs/b.yml': `source: src-b\ndestinations: [":local:${ws}/out/"]\n`,
      'src-a/a.txt': 'a',
      'src-b/b.txt': 'b',
    })
    const r = await runBundle(ws, { ...base, command: 'run', 'max-parallel': '1' })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(
      'jobs/b.yml:2:16: error: destinations[0]: destinations[0] is the same place as destinations[0] of job "a" (jobs/a.yml:2)',
    )
    expect(started(r, 'sync')).toEqual([])
    expect(readTree(path.join(ws, 'out'))).toEqual({})
  })

  it('two connection strings to one server with options in another order are one destination', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/a.yml': `source: src-a\ndestinations: [":webdav,url='http://127.0.0.1:8080/dav',vendor=other:backup"]\n`,
      'jobs/b.yml': `source: src-b\ndestinations: [":webdav,vendor=other,url='http://127.0.0.1:8080/dav/':backup/"]\n`,
      'src-a/a.txt': 'a',
      'src-b/b.txt': 'b',
    })
    const r = await runBundle(ws, { ...base, command: 'validate' })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(
      'jobs/b.yml:2:16: error: destinations[0]: destinations[0] is the same place as',
    )
  })

  it('a destination inside its own source, written with :local:, is refused', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/nest.yml': `source: data\ndestinations: [":local:${ws}/data/mirror"]\nmode: copy\n`,
      'data/a.txt': 'a',
    })
    const r = await runBundle(ws, { ...base, command: 'run' })
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(
      /jobs\/nest\.yml:2:16: error: destinations\[0\]: destination ".*" is inside the job's source "data"/,
    )
    expect(readTree(path.join(ws, 'data'))).toEqual({ 'a.txt': 'a' })
  })
})

describe('1b. with the config at run time', () => {
  it('an alias remote is resolved: its overlap with a local destination fails the run before rclone starts', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/a.yml': 'source: src-a\ndestinations: [out]\n',
      'jobs/b.yml': 'source: src-b\ndestinations: ["mirror:sub"]\n',
      'src-a/a.txt': 'a',
      'src-b/b.txt': 'b',
    })
    const config = `[mirror]\ntype = alias\nremote = ${ws}/out\n`
    const validate = await runBundle(ws, { ...base, command: 'validate' })
    expect(validate.status, 'without the config the alias is unknown').toBe(0)
    const r = await runBundle(ws, { ...base, command: 'run', 'rclone-config': config })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(
      'jobs/b.yml:2:16: error: destinations[0]: destinations[0] is inside destinations[0] of job "a"',
    )
    expect(started(r, 'sync')).toEqual([])
    expect(r.stdout).not.toContain('Using rclone')
  })
})

describe('2. a plan changes nothing, the bisync state store included', () => {
  it('a plan from a checkout at another path finds the state, changes nothing, and the run keeps a deletion', async () => {
    const first = tempDir()
    const store = tempDir('state-')
    writeTree(first, {
      'jobs/two-way.yml': 'source: left\ndestinations: [right]\nmode: bisync\nresync: true\n',
      'left/keep.txt': 'k',
      'left/deleted-later.txt': 'd',
    })
    mkdirSync(path.join(first, 'right'))
    const inputs = { ...base, 'bisync-state': store }
    const r1 = await runBundle(first, { ...inputs, command: 'run' }, { HOME: tempDir('home-') })
    expect(r1.status, r1.stdout).toBe(0)
    expect(readTree(path.join(first, 'right'))).toEqual({ 'deleted-later.txt': 'd', 'keep.txt': 'k' })

    // The user deletes a file; the next workflow checks the repository out at another path.
    unlinkSync(path.join(first, 'left/deleted-later.txt'))
    const moved = path.join(tempDir(), 'elsewhere')
    renameSync(first, moved)
    mkdirSync(first)

    const before = {
      state: snapshotTree(store),
      left: snapshotTree(path.join(moved, 'left')),
      right: snapshotTree(path.join(moved, 'right')),
    }
    const plan = await runBundle(moved, { ...inputs, command: 'plan' }, { HOME: tempDir('home-') })
    expect(plan.status, plan.stdout).toBe(0)
    expect(results(plan)[0]).toMatchObject({ status: 'success', wouldDelete: 1 })
    expect(plan.summary).toContain('- `deleted-later.txt`')
    expect({
      state: snapshotTree(store),
      left: snapshotTree(path.join(moved, 'left')),
      right: snapshotTree(path.join(moved, 'right')),
    }).toEqual(before)

    const run = await runBundle(moved, { ...inputs, command: 'run' }, { HOME: tempDir('home-') })
    expect(run.status, run.stdout).toBe(0)
    expect(started(run, 'bisync').join('\n')).not.toContain('--resync')
    expect(results(run)[0]).toMatchObject({ status: 'success', deletes: results(plan)[0]?.wouldDelete })
    expect(readTree(path.join(moved, 'right'))).toEqual({ 'keep.txt': 'k' })
    expect(readTree(path.join(moved, 'left'))).toEqual({ 'keep.txt': 'k' })
  })
})

describe('3. max-delete holds with backup-dir', () => {
  it('moves into backup-dir count: refused before anything moves', async () => {
    const ws = tempDir()
    const files: Record<string, string> = {
      'jobs/m.yml': 'source: src\ndestinations: [dst]\noptions: { max-delete: 2, backup-dir: trash }\n',
      'src/new.txt': 'n',
    }
    for (let i = 0; i < 5; i++) files[`dst/old-${i}.txt`] = String(i)
    writeTree(ws, files)
    const before = snapshotTree(path.join(ws, 'dst'))
    const r = await runBundle(ws, { ...base, command: 'run' })
    expect(r.status).toBe(1)
    expect(results(r)[0]).toMatchObject({ status: 'failed' })
    expect(String(results(r)[0]?.reason)).toContain('would delete 5 files, more than max-delete (2)')
    expect(snapshotTree(path.join(ws, 'dst'))).toEqual(before)
    expect(readTree(path.join(ws, 'trash'))).toEqual({})
  })
})

describe('4. plan and run from the same state give the same numbers', () => {
  function staleTree(job: string): Record<string, string> {
    const files: Record<string, string> = { 'jobs/j.yml': job, 'src/new.txt': 'n', 'src/changed.txt': 'new' }
    for (let i = 0; i < 5; i++) files[`dst/old-${i}.txt`] = String(i)
    files['dst/changed.txt'] = 'old!'
    return files
  }

  it('with backup-dir: a move into the backup folder is a deletion, in the plan and in the run', async () => {
    const ws = tempDir()
    writeTree(ws, staleTree('source: src\ndestinations: [dst]\noptions: { backup-dir: trash }\n'))
    const before = { dst: snapshotTree(path.join(ws, 'dst')), src: snapshotTree(path.join(ws, 'src')) }
    const plan = await runBundle(ws, { ...base, command: 'plan' })
    expect(plan.status, plan.stdout).toBe(0)
    expect({ dst: snapshotTree(path.join(ws, 'dst')), src: snapshotTree(path.join(ws, 'src')) }).toEqual(
      before,
    )
    expect(readTree(path.join(ws, 'trash'))).toEqual({})
    const p = results(plan)[0] as Record<string, number>
    expect(p).toMatchObject({ wouldCopy: 1, wouldUpdate: 1, wouldDelete: 5 })
    const run = await runBundle(ws, { ...base, command: 'run' })
    expect(run.status, run.stdout).toBe(0)
    const done = results(run)[0] as Record<string, number>
    expect(done.deletes).toBe(p.wouldDelete)
    expect(done.transfers).toBe((p.wouldCopy as number) + (p.wouldUpdate as number))
    expect(Object.keys(readTree(path.join(ws, 'trash'))).sort()).toEqual([
      'changed.txt',
      'old-0.txt',
      'old-1.txt',
      'old-2.txt',
      'old-3.txt',
      'old-4.txt',
    ])
  })

  it('max-delete exceeded: the plan counts every deletion and shows the refusal the run gets', async () => {
    const ws = tempDir()
    writeTree(ws, staleTree('source: src\ndestinations: [dst]\noptions: { max-delete: 2 }\n'))
    const before = snapshotTree(path.join(ws, 'dst'))
    const plan = await runBundle(ws, { ...base, command: 'plan' })
    expect(plan.status).toBe(1)
    const p = results(plan)[0] as Record<string, unknown>
    expect(p).toMatchObject({ status: 'failed', wouldDelete: 5, wouldCopy: 1, wouldUpdate: 1 })
    expect(String(p.reason)).toContain('would delete 5 files, more than max-delete (2)')
    expect(plan.summary).toContain('would delete 5 files, more than max-delete (2)')
    expect(plan.summary).not.toContain('--max-delete threshold reached')
    expect(snapshotTree(path.join(ws, 'dst'))).toEqual(before)
    const run = await runBundle(ws, { ...base, command: 'run' })
    expect(run.status).toBe(1)
    const done = results(run)[0] as Record<string, unknown>
    expect(done).toMatchObject({ status: 'failed' })
    expect(done.reason).toBe(p.reason)
    expect(snapshotTree(path.join(ws, 'dst'))).toEqual(before)
  })

  it('empty source: the plan is refused exactly as the run is, and neither deletes anything', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/j.yml': 'source: src\ndestinations: [dst]\n',
      'dst/a.txt': 'a',
      'dst/b.txt': 'b',
      'dst/c.txt': 'c',
    })
    mkdirSync(path.join(ws, 'src'))
    const plan = await runBundle(ws, { ...base, command: 'plan' })
    const run = await runBundle(ws, { ...base, command: 'run' })
    for (const r of [plan, run]) {
      expect(r.status).toBe(1)
      expect(results(r)[0]).toMatchObject({ status: 'failed' })
      expect(String(results(r)[0]?.reason)).toContain('the source is empty')
    }
    expect(results(plan)[0]?.reason).toBe(results(run)[0]?.reason)
    expect(plan.summary).not.toMatch(/\| dst \| \d+ \| \d+ \| 3 \|/)
    expect(started(plan, 'sync')).toEqual([])
    expect(readTree(path.join(ws, 'dst'))).toEqual({ 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c' })
  })
})

describe('5. order follows where data flows, and needs', () => {
  it("a job reading another job's destination runs after it, whatever the file order", async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/a-publish.yml': 'source: stage\ndestinations: [public]\n',
      'jobs/b-build.yml': 'source: src\ndestinations: [stage]\n',
      'src/index.html': 'v2',
    })
    const r = await runBundle(ws, { ...base, command: 'run', 'max-parallel': '4' })
    expect(r.status, r.stdout).toBe(0)
    expect(readTree(path.join(ws, 'public'))).toEqual({ 'index.html': 'v2' })
    const log = r.stdout
    expect(log.indexOf('b-build → stage (sync): success')).toBeLessThan(log.indexOf('▶ started a-publish'))
  })

  it('needs orders unrelated jobs; a dependent of a failed job is skipped with the reason', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/first.yml': 'source: missing\ndestinations: [out-first]\nmode: copy\n',
      'jobs/second.yml': 'source: src\ndestinations: [out-second]\nneeds: [first]\n',
      'jobs/third.yml': 'source: src\ndestinations: [out-third]\nneeds: [second]\n',
      'src/a.txt': 'a',
    })
    const r = await runBundle(ws, { ...base, command: 'run', 'max-parallel': '4' })
    expect(r.status).toBe(1)
    expect(results(r).map((x) => [x.job, x.status, x.reason ?? ''])).toEqual([
      ['first', 'failed', expect.stringContaining('directory not found')],
      ['second', 'skipped', 'not started: it needs "first", and "first" failed'],
      ['third', 'skipped', 'not started: it needs "second", and "second" was skipped'],
    ])
    expect(readTree(path.join(ws, 'out-second'))).toEqual({})
  })

  it('a cycle is a validation error at the line that closes it', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/a.yml': 'source: x\ndestinations: [y]\nneeds: [b]\n',
      'jobs/b.yml': 'source: p\ndestinations: [q]\nneeds:\n  - a\n',
    })
    const r = await runBundle(ws, { ...base, command: 'validate' })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(
      'jobs/b.yml:4:5: error: needs[0]: this closes a cycle of jobs that wait for each other ("a" → "b" → "a"',
    )
  })
})

describe('6. credentials inside URLs are masked', () => {
  it('a token in the query and a password in user:pass@ never print, though rclone prints the URL', async () => {
    const ws = tempDir()
    const port = await freePort() // nothing listens: the server is down
    const config = `[dav]\ntype = webdav\nurl = http://bob:PASSWORD-URL-123@127.0.0.1:${port}/dav?token=TOKEN-IN-QUERY-456\nvendor = other\n`
    writeTree(ws, {
      'jobs/up.yml': 'source: src\ndestinations: ["dav:backup"]\nmode: copy\n',
      'src/a.txt': 'a',
    })
    const r = await runBundle(ws, { ...base, command: 'run', 'rclone-config': config })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain('connection refused')
    expect(r.stdout).toContain('::add-mask::TOKEN-IN-QUERY-456')
    expect(r.stdout).toContain('::add-mask::PASSWORD-URL-123')
    const shown = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n')
    for (const secret of ['TOKEN-IN-QUERY-456', 'PASSWORD-URL-123']) {
      expect(shown).not.toContain(secret)
      expect(r.summary).not.toContain(secret)
      expect(JSON.stringify(r.outputs)).not.toContain(secret)
    }
  })
})

describe('7. a single-file source with filters', () => {
  it('on a remote: syncs the file as rclone does (rclone lsf refuses filters on one file; sync does not)', async () => {
    const ws = tempDir()
    const served = tempDir()
    writeTree(served, { 'src/a.txt': 'a', 'src/b.log': 'b' })
    const dav = await serve('webdav', served)
    const config = davConfig(dav)
    writeTree(ws, {
      'jobs/one.yml': 'source: "dav:src/a.txt"\ndestinations: [out]\nfilters: { include: ["*.txt"] }\n',
    })
    const r = await runBundle(ws, { ...base, command: 'run', 'rclone-config': config })
    expect(r.status, r.stdout).toBe(0)
    expect(readTree(path.join(ws, 'out'))).toEqual({ 'a.txt': 'a' })
  })

  it('on a local path: syncs the file as rclone does', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/one.yml': 'source: src/a.txt\ndestinations: [out]\nfilters: { include: ["*.txt"] }\n',
      'src/a.txt': 'a',
      'src/b.log': 'b',
    })
    const r = await runBundle(ws, { ...base, command: 'run' })
    expect(r.status, r.stdout).toBe(0)
    expect(readTree(path.join(ws, 'out'))).toEqual({ 'a.txt': 'a' })
  })

  it("a check that fails says rclone's own words", async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/j.yml': 'source: ":webdav:"\ndestinations: [out]\nfilters: { include: ["*.txt"] }\n',
    })
    const r = await runBundle(ws, { ...base, command: 'run' })
    expect(r.status).toBe(1)
    expect(String(results(r)[0]?.reason)).toMatch(
      /could not be listed.*rclone said: .*unsupported protocol scheme/,
    )
  })
})

describe('8. a schedule event that does not say which cron fired', () => {
  it('runs nothing, and says why', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/nightly.yml': 'source: src\ndestinations: [out-nightly]\nschedule: "30 2 * * *"\n',
      'jobs/always.yml': 'source: src\ndestinations: [out-always]\n',
      '.github/workflows/b.yml': 'on:\n  schedule:\n    - cron: "30 2 * * *"\njobs: {}\n',
      'src/a.txt': 'a',
    })
    const event = path.join(ws, 'event.json')
    writeFileSync(event, '{}')
    const r = await runBundle(
      ws,
      { ...base, command: 'run' },
      { GITHUB_EVENT_NAME: 'schedule', GITHUB_EVENT_PATH: event },
    )
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(`the schedule event's payload (${event}) has no "schedule"`)
    expect(started(r, 'sync')).toEqual([])
    expect(readTree(path.join(ws, 'out-always'))).toEqual({})
    expect(results(r).every((x) => x.status === 'skipped')).toBe(true)
  })
})
